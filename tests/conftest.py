"""Suite-wide settings. Imports in tests analyse posts with the fast models (character
n-grams, no sentence encoder) unless a test asks otherwise: the full models are exercised by
tests/enrich, and loading the encoder in every CLI test would cost minutes."""

from __future__ import annotations

import os

os.environ.setdefault("TOCSIN_ANALYSIS", "fast")

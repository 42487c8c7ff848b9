"""Model files shipped with Tocsin, built by ``scripts/train_models.py`` (numpy ``.npz``).

See ``docs/models/`` for each model's card: data, licences, validation figures.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def artifact_path(name: str) -> Path:
    """The path of a model file shipped in this package."""
    return Path(str(resources.files(__name__).joinpath(name)))

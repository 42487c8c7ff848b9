"""Language identification with py3langid (offline model shipped in the package).

Fills ``language`` only where the source did not report it: platforms' own tags (X ``lang``,
Bluesky ``langs``, Mastodon ``language``) are kept. Links, handles and hashtags are removed
before identification because they are not in any language.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, ClassVar

from tocsin.domain import Mention

_NOISE = re.compile(r"https?://\S+|[@#][\w.\-]+", re.UNICODE)
_MIN_LETTERS = 3


class LanguageEnricher:
    name: ClassVar[str] = "language"
    before_match: ClassVar[bool] = True  # `lang:` filters need it

    def __init__(self, min_probability: float = 0.5) -> None:
        self.min_probability = min_probability
        self._identifier: Any = None

    def _model(self) -> Any:
        if self._identifier is None:  # loaded on first use: ~1 s, not at import time
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            self._identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        return self._identifier

    def identify(self, text: str) -> str | None:
        cleaned = _NOISE.sub(" ", text)
        if sum(c.isalpha() for c in cleaned[:200]) < _MIN_LETTERS:
            return None
        lang, prob = self._model().classify(cleaned[:2000])
        return str(lang) if prob >= self.min_probability else None

    def __call__(self, batch: Sequence[Mention]) -> list[Mention]:
        out = []
        for m in batch:
            if m.language is None:
                lang = self.identify(m.text)
                if lang is not None:
                    m = m.with_(language=lang)
            out.append(m)
        return out

"""Mockery and irony cues in a post, French and English: laughing emoji, laughter words
(``lol``, ``mdr``, ``ptdr``, ``hahaha``), ironic phrases (``yeah right``, ``bien sûr``,
``quelle blague``), ``/s`` and ``#not``, and scare quotes around one to three words. The
patterns here are the project's own, never a user's."""

from __future__ import annotations

import re

from tocsin.detect._text import PhraseIndex, phrase, tokens

LAUGHING_EMOJI = frozenset("😂🤣😆😹💀🤡🙃😏🙄🤦")
_LAUGH = re.compile(
    r"^(?:(?:ha|ah|he|hi|ja){2,}h?|l+o+l+z?|lmf?ao+|rofl|x*p*t*d+r+|m+d+r+|jpp|xd+)$"
)
_IRONY = PhraseIndex(
    {
        p: phrase(p)
        for p in (
            "yeah right", "oh sure", "as if", "nice try", "good luck with that", "so proud",
            "what could go wrong", "bien sur", "quelle blague", "c est ca oui", "tu parles",
            "mon oeil", "on y croit", "sarcasm", "sarcasme", "ironie", "irony",
        )
    }
)  # fmt: skip
_MARKERS = re.compile(r"(?:^|\s)(?:/s|#not|#ironie|#irony|#sarcasm|#sarcasme)\b", re.IGNORECASE)
_SCARE_QUOTES = re.compile(r"[\"“«]\s*\w+(?:[\s'’-]+\w+){0,2}\s*[\"”»]")


def mockery_cues(text: str) -> list[str]:
    """The kinds of mockery cue a text carries: ``emoji``, ``laughter``, ``irony``, ``quotes``."""
    cues = []
    if any(ch in LAUGHING_EMOJI for ch in text):
        cues.append("emoji")
    words = tokens(text)
    if any(_LAUGH.match(w) for w in words):
        cues.append("laughter")
    if _IRONY.find(words) or _MARKERS.search(text):
        cues.append("irony")
    if _SCARE_QUOTES.search(text):
        cues.append("quotes")
    return cues

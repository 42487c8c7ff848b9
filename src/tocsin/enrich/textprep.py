"""The text the models see: one preparation for training and for inference.

The public sentiment sets the heads are trained on mask handles as ``@user`` and links as
``http``; posts are prepared the same way, so a handle or a link never weighs on a score.

Emoji become words: the USE tokenizer reads nearly every emoji as the same unknown piece
(``I am 😡`` and ``I am 😍`` had the same embedding), and the training tweets carry almost none,
so without words for them a post's emoji would count for nothing. Each emoji is replaced by its
short name (``😡`` → ``enraged face``), from a table of the frequent ones in CLDR's wording, else
from Python's Unicode database; skin tones, variation selectors and joiners are dropped.

Control characters and lone surrogates become spaces (posts that skipped the pipeline's
normalisation reach the models too). Text is cut to ``MAX_MODEL_CHARS``: a post's opening
carries its tone, and the encoder's cost grows with length (a 100,000-character post must not
cost a hundred tweets).
"""

from __future__ import annotations

import re
import unicodedata

MAX_MODEL_CHARS = 1_000

_LINK = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<![\w@])@[\w.]+", re.UNICODE)
_SPACE = re.compile(r"\s+", re.UNICODE)
# control characters (NUL separates texts in ngrams.py) and lone surrogates (not encodable)
_UNSAFE = re.compile("[\x00-\x08\x0e-\x1f\x7f\ud800-\udfff]")
_SYMBOLS = re.compile("[\u2600-\u27bf\U0001f000-\U0001faff\ufe0f\u200d]")

# CLDR short names of frequent emoji where Unicode's character name reads badly.
_NAMES = {
    "❤": "red heart",
    "♥": "heart",
    "😤": "face with steam from nose",
    "😍": "smiling face with heart eyes",
    "🥰": "smiling face with hearts",
    "😂": "face with tears of joy",
    "🤣": "rolling on the floor laughing",
    "😭": "loudly crying face",
    "😢": "crying face",
    "😡": "enraged face",
    "😠": "angry face",
    "🤬": "face with symbols on mouth",
    "🙏": "folded hands",
    "👍": "thumbs up",
    "👎": "thumbs down",
    "👏": "clapping hands",
    "💩": "pile of poo",
    "🤮": "face vomiting",
    "🤢": "nauseated face",
    "😒": "unamused face",
    "🙄": "face with rolling eyes",
    "😅": "grinning face with sweat",
    "😁": "beaming face with smiling eyes",
    "😀": "grinning face",
    "😃": "grinning face with big eyes",
    "😄": "grinning face with smiling eyes",
    "😆": "grinning squinting face",
    "😋": "face savoring food",
    "😎": "smiling face with sunglasses",
    "😘": "face blowing a kiss",
    "😱": "face screaming in fear",
    "😩": "weary face",
    "😫": "tired face",
    "😞": "disappointed face",
    "😔": "pensive face",
    "😕": "confused face",
    "🤡": "clown face",
    "💔": "broken heart",
    "💯": "hundred points",
    "✅": "check mark button",
    "❌": "cross mark",
    "⚠": "warning",
    "🔥": "fire",
    "🎉": "party popper",
}


def _name(ch: str) -> str:
    o = ord(ch)
    if o in (0xFE0F, 0x200D) or 0x1F3FB <= o <= 0x1F3FF:  # selectors, joiners, skin tones
        return ""
    name = _NAMES.get(ch)
    if name is None:
        if unicodedata.category(ch) != "So":
            return ch
        name = unicodedata.name(ch, "").lower()
    return f" {name} " if name else " "


def emoji_words(text: str) -> str:
    """Each emoji replaced by its name between spaces: ``"top 👍"`` → ``"top  thumbs up "``."""
    if text.isascii() or not _SYMBOLS.search(text):
        return text
    return _SYMBOLS.sub(lambda m: _name(m.group()), text)


def prepare(text: str) -> str:
    """Handles become ``@user``, links ``http``, emoji words, white space one space; ≤ 1,000."""
    text = _UNSAFE.sub(" ", text[: 4 * MAX_MODEL_CHARS])
    if "@" in text:
        text = _HANDLE.sub("@user", text)
    if "http" in text or "www." in text or "HTTP" in text:
        text = _LINK.sub("http", text)
    return _SPACE.sub(" ", emoji_words(text)).strip()[:MAX_MODEL_CHARS]

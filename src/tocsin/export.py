"""Writing mentions out: every post is hostile input.

- CSV cells that a spreadsheet would run as a formula (starting with = + - @, tab or carriage
  return) are prefixed with an apostrophe (OWASP "CSV injection").
- Terminal output drops control characters and escape sequences, so a post cannot move the
  cursor, recolour or retitle the user's terminal.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from typing import IO, Any

import orjson

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_TERMINAL_UNSAFE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI sequences (cursor, colours)
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC sequences (window title, links)
    r"|[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"  # controls, bidi overrides
)


def csv_safe(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]], out: IO[str]) -> None:
    # RFC 4180 line ends: a cell holding a bare \r or \n is then quoted, not split.
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_safe(v) for v in row])


def write_jsonl(records: Iterable[dict[str, Any]], out: IO[str]) -> None:
    for record in records:
        out.write(orjson.dumps(record).decode())
        out.write("\n")


def terminal_safe(text: str, width: int | None = None) -> str:
    """One line of plain text, control characters and bidi overrides replaced by spaces."""
    text = _TERMINAL_UNSAFE.sub(" ", text)
    text = " ".join(text.split())
    if width is not None and len(text) > width:
        text = text[: max(width - 1, 0)] + "…"
    return text


def table(header: Sequence[str], rows: Iterable[Sequence[Any]], widths: Sequence[int]) -> str:
    """A plain fixed-width table; each cell is made terminal-safe and cut to its width."""
    lines = []
    cells = [terminal_safe(h, w).ljust(w) for h, w in zip(header, widths, strict=True)]
    lines.append("  ".join(cells).rstrip())
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        cells = [
            terminal_safe("" if v is None else str(v), w).ljust(w)
            for v, w in zip(row, widths, strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)

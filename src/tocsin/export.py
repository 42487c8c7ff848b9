"""Writing mentions out: every post is hostile input.

- CSV cells that a spreadsheet would run as a formula (starting with = + - @, tab or carriage
  return) are prefixed with an apostrophe (OWASP "CSV injection").
- Terminal output drops control characters and escape sequences, so a post cannot move the
  cursor, recolour or retitle the user's terminal.
- Parquet files have the CSV's columns, typed (times, integers, numbers, text), and keep
  values as stored: no spreadsheet runs a Parquet cell, so nothing is prefixed.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import IO, Any, Literal

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


#: A Parquet column's type: ``time`` is a UTC timestamp in microseconds.
ColumnType = Literal["text", "int", "float", "bool", "time"]
PARQUET_MEDIA_TYPE = "application/vnd.apache.parquet"
_ROW_GROUP = 10_000


def _arrow_type(kind: ColumnType) -> Any:
    import pyarrow as pa

    return {
        "text": pa.string(),
        "int": pa.int64(),
        "float": pa.float64(),
        "bool": pa.bool_(),
        "time": pa.timestamp("us", tz="UTC"),
    }[kind]


def _cell(value: Any, kind: ColumnType) -> Any:
    if value is None:
        return None
    if kind == "time":
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value
    if kind == "text":
        return value if isinstance(value, str) else str(value)
    return value


def write_parquet(
    columns: Sequence[tuple[str, ColumnType]],
    rows: Iterable[Sequence[Any]],
    out: IO[bytes] | str,
) -> int:
    """Write ``rows`` (one value per column, ``None`` for a missing one) to a Parquet file,
    ten thousand rows a row group; returns the number of rows. ``time`` cells are aware
    datetimes or ISO strings. pyarrow is imported here only: the server starts without it."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([pa.field(name, _arrow_type(kind)) for name, kind in columns])
    count = 0
    with pq.ParquetWriter(out, schema, compression="zstd") as writer:
        batch: list[Sequence[Any]] = []

        def flush() -> None:
            arrays = [
                pa.array([_cell(r[i], kind) for r in batch], type=schema.field(i).type)
                for i, (_, kind) in enumerate(columns)
            ]
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))

        for row in rows:
            if len(row) != len(columns):
                raise ValueError(f"a row of {len(row)} values for {len(columns)} columns")
            batch.append(row)
            count += 1
            if len(batch) >= _ROW_GROUP:
                flush()
                batch = []
        if batch or count == 0:
            flush()
    return count


def parquet_bytes(
    columns: Sequence[tuple[str, ColumnType]], rows: Iterable[Sequence[Any]]
) -> bytes:
    """``write_parquet`` into memory (an export answered over HTTP)."""
    out = io.BytesIO()
    write_parquet(columns, rows, out)
    return out.getvalue()


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

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from tocsin.export import csv_safe, table, terminal_safe, write_csv


def test_formula_cells_are_neutralised() -> None:
    for bad in ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]:
        assert csv_safe(bad) == "'" + bad
    assert csv_safe("Cafélia = top") == "Cafélia = top"
    assert csv_safe(None) == ""
    assert csv_safe(-3) == "'-3"  # a number written as text stays text


@given(st.lists(st.text(max_size=40), min_size=1, max_size=5))
def test_no_csv_cell_can_start_a_formula(values: list[str]) -> None:
    out = io.StringIO()
    write_csv([f"c{i}" for i in range(len(values))], [values], out)
    [_header, row] = list(csv.reader(io.StringIO(out.getvalue())))
    assert len(row) == len(values)
    for cell, original in zip(row, values, strict=True):
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
        assert cell in (original, "'" + original)


def test_terminal_output_drops_escape_sequences() -> None:
    hostile = "ok\x1b[2J\x1b]0;pwned\x07 then\r\nnext \u202eevil\x00"
    safe = terminal_safe(hostile)
    assert "\x1b" not in safe and "\x07" not in safe and "\u202e" not in safe
    assert "\x00" not in safe and "\n" not in safe and "\r" not in safe
    assert safe == "ok then next evil"


def test_table_cuts_cells_to_width() -> None:
    out = table(["a", "b"], [("x" * 20, "y")], [5, 3])
    assert out.splitlines()[2] == "xxxx…  y"

"""CSV exports open in a spreadsheet as data: a cell that would run as a formula is written
as text (OWASP's CSV injection rule); numbers, negative amounts included, stay numbers."""

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.spreadsheet import FORMULA_START, SafeWriter, cell


@pytest.mark.parametrize(
    "value",
    [
        '=HYPERLINK("https://evil.example","Open")',
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A9)",
        "\t=1+1",
        "\r=1+1",
    ],
)
def test_a_formula_is_written_as_text(value):
    assert cell(value) == "'" + value


@pytest.mark.parametrize("value", ["-12.50", "+3", "-7", "Alpha", "", "a=b", 5, None])
def test_data_is_left_alone(value):
    assert cell(value) == value


@given(st.text())
def test_no_written_text_starts_like_a_formula_unless_it_is_a_number(text):
    written = cell(text)

    assert not str(written).startswith(FORMULA_START) or written == text
    assert str(written).removeprefix("'") == text or written == text


def test_the_writer_escapes_every_cell_of_every_row():
    buffer = io.StringIO()
    writer = SafeWriter(buffer)

    writer.writerow(["=1+1", "ok"])
    writer.writerows([["@x", "-3.00"], ["+y", 2]])

    rows = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert rows == [["'=1+1", "ok"], ["'@x", "-3.00"], ["'+y", "2"]]

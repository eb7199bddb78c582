"""Reading an uploaded table: CSV (UTF-8 with or without a BOM, or cp1251;
the delimiter sniffed) or XLSX (its first sheet), as a header row and an
iterator of ``(file line, {header: text})`` rows. Pure: no Flask, no database.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from helpdesk.i18n import N_

DELIMITERS = ",;\t|"
XLSX_MAGIC = b"PK\x03\x04"
CHUNK = 1 << 20


class UnreadableFile(ValueError):
    """The file is neither a CSV in a known encoding nor an XLSX workbook;
    ``message`` is a catalogue message id."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.message, self.params = message, params


@dataclass
class Table:
    headers: list[str]
    rows: Iterator[tuple[int, dict[str, str]]]
    format: str  # "csv" or "xlsx"
    encoding: str | None = None


def read_table(content: bytes, filename: str = "") -> Table:
    """The table in ``content``; XLSX is recognised by its bytes, not its name."""
    if content.startswith(XLSX_MAGIC) or filename.lower().endswith(".xlsx"):
        return _read_xlsx(content)
    return _read_csv(content)


def detect_encoding(content: bytes) -> str:
    """A BOM says UTF-8; else strict UTF-8 if every byte decodes, else cp1251
    (what Russian Windows spreadsheets save as "CSV"). Checked in chunks, so
    a large file is never held twice as text."""
    if content.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(content)
    try:
        for start in range(0, len(content), CHUNK):
            decoder.decode(view[start : start + CHUNK])
        decoder.decode(b"", final=True)
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1251"


def _read_csv(content: bytes) -> Table:
    encoding = detect_encoding(content)
    stream = io.TextIOWrapper(io.BytesIO(content), encoding=encoding, newline="")
    try:
        sample = stream.read(16384)
    except UnicodeDecodeError as err:
        raise UnreadableFile(
            N_("The file is neither UTF-8 nor Windows-1251 text.")
        ) from err
    if not sample.strip():
        raise UnreadableFile(N_("The file is empty."))
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=DELIMITERS)
    except csv.Error:
        dialect = csv.excel  # one column, or too little to tell: commas
    stream.seek(0)
    reader = csv.reader(stream, dialect)
    try:
        headers = [h.strip() for h in next(reader)]
    except StopIteration as err:
        raise UnreadableFile(N_("The file is empty.")) from err
    _check_headers(headers)

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        try:
            for values in reader:
                # line_num is the file line the record ended on (quoted cells
                # may span lines); good enough to find the row in an editor.
                if any(v.strip() for v in values):
                    yield reader.line_num, _row(headers, values)
        except csv.Error as err:
            raise UnreadableFile(
                N_("Line %(line)s is not valid CSV."), line=reader.line_num
            ) from err
        except UnicodeDecodeError as err:
            raise UnreadableFile(
                N_("The file is neither UTF-8 nor Windows-1251 text.")
            ) from err

    return Table(headers, rows(), "csv", encoding)


def _read_xlsx(content: bytes) -> Table:
    from openpyxl import load_workbook  # a few MB of code: only when needed

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as err:
        raise UnreadableFile(N_("The file is not a readable XLSX workbook.")) from err
    sheet = workbook.worksheets[0]
    cells = sheet.iter_rows(values_only=True)
    try:
        headers = [_text(v).strip() for v in next(cells)]
    except StopIteration as err:
        raise UnreadableFile(N_("The file is empty.")) from err
    while headers and not headers[-1]:
        headers.pop()
    _check_headers(headers)

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        for line, values in enumerate(cells, start=2):
            texts = [_text(v) for v in values]
            if any(t.strip() for t in texts):
                yield line, _row(headers, texts)
        workbook.close()

    return Table(headers, rows(), "xlsx")


def _check_headers(headers: list[str]) -> None:
    if not any(headers):
        raise UnreadableFile(N_("The first row must name the columns."))
    seen = set()
    for header in headers:
        if header and header.lower() in seen:
            raise UnreadableFile(
                N_("The column “%(column)s” appears twice."), column=header
            )
        seen.add(header.lower())


def _row(headers: list[str], values: list[str]) -> dict[str, str]:
    row = {h: (values[i] if i < len(values) else "") for i, h in enumerate(headers)}
    # Cells past the last header are kept under a name the report can show.
    for i in range(len(headers), len(values)):
        if values[i].strip():
            row[f"#{i + 1}"] = values[i]
    return row


def _text(value: Any) -> str:
    """A cell as text the row schemas parse: dates as ISO 8601 (XLSX cells
    carry no zone; the schemas read them as UTC), whole floats without ".0"."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)

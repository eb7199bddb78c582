"""Tables out: CSV text and XLSX workbooks streamed from row iterators, with
every cell neutralised so no spreadsheet runs it as a formula. The one
neutraliser of the application: the SLA export and the ticket export both
write through it."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

# What a spreadsheet takes for the start of a formula (also after a tab or CR).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_ROWS = 1000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(value: Any) -> Any:
    """A text cell starting like a formula (``=HYPERLINK(...)``) gets a
    leading apostrophe, which spreadsheets show as text; other values pass."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def iso_utc(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """CSV text, the header first, in chunks of about a thousand rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for number, row in enumerate(rows, start=1):
        writer.writerow([neutralise(v) for v in row])
        if number % CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_chunks(
    header: Sequence[str], rows: Iterable[Sequence], *, title: str = "export"
) -> Iterator[bytes]:
    """An XLSX workbook of one sheet. openpyxl's write-only mode keeps the
    rows in a temporary file, not in memory; the finished file is then sent
    in 64 KB chunks (a ZIP cannot be sent before it is complete)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.append(list(header))
    for row in rows:
        sheet.append([_xlsx_value(v) for v in row])
    with tempfile.TemporaryFile() as file:
        workbook.save(file)
        file.seek(0)
        while chunk := file.read(65536):
            yield chunk


def _xlsx_value(value: Any) -> Any:
    value = neutralise(value)
    if isinstance(value, str):
        # Control characters other than tab and newlines are not valid XML.
        return "".join(c for c in value if c >= " " or c in "\t\n\r")
    return value

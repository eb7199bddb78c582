"""A report's tables as CSV (one after the other, each under its title) or
XLSX (a sheet each), every cell through ``helpdesk.tabular.neutralise``."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator

from helpdesk.tabular import csv_chunks, neutralise
from reports.service.tables import Table, cell


def _rows(tables: list[Table]) -> Iterator[list]:
    for number, table in enumerate(tables):
        if number:
            yield []
        yield [str(table.title)]
        yield [str(heading) for _key, heading in table.columns]
        for row in table.rows:
            yield [cell(row.get(key)) for key, _heading in table.columns]


def csv_text(title: str, tables: list[Table]) -> Iterator[str]:
    rows = _rows(tables)
    return csv_chunks([title], rows)


def xlsx_bytes(tables: list[Table]) -> Iterator[bytes]:
    """One sheet per table (write-only openpyxl, kept in a temporary file)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    used: set[str] = set()
    for table in tables:
        name = _sheet_name(str(table.title), used)
        sheet = workbook.create_sheet(name)
        sheet.append([str(heading) for _key, heading in table.columns])
        for row in table.rows:
            sheet.append([_xlsx(cell(row.get(key))) for key, _heading in table.columns])
    with tempfile.TemporaryFile() as file:
        workbook.save(file)
        file.seek(0)
        while chunk := file.read(65536):
            yield chunk


def _sheet_name(title: str, used: set[str]) -> str:
    # Sheet names: at most 31 characters, none of []:*?/\ , unique.
    name = "".join(c for c in title if c not in "[]:*?/\\")[:28] or "sheet"
    candidate, n = name, 2
    while candidate in used:
        candidate, n = f"{name} {n}", n + 1
    used.add(candidate)
    return candidate


def _xlsx(value):
    value = neutralise(value)
    if isinstance(value, str):
        return "".join(c for c in value if c >= " " or c in "\t\n\r")
    return value

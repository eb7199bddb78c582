"""The downloadable template of each kind: its columns and one example row,
as CSV (UTF-8 with a BOM, so spreadsheet programs read Cyrillic) or XLSX."""

from __future__ import annotations

import csv
import io

from helpdesk.imports.kinds import Kind


def template_rows(kind: Kind) -> list[list[str]]:
    return [[c.name for c in kind.columns], [c.example for c in kind.columns]]


def template_csv(kind: Kind) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(template_rows(kind))
    return buffer.getvalue().encode("utf-8-sig")


def template_xlsx(kind: Kind) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = kind.name
    for row in template_rows(kind):
        sheet.append(row)
    # Help in the header cells' comments would be lost on CSV; the README
    # and the import page describe every column instead.
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

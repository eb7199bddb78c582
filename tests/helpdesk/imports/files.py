"""Real import files written to disk: CSV in a given encoding and delimiter,
XLSX through openpyxl (as a spreadsheet program would save them)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from openpyxl import Workbook


def csv_bytes(rows: list[list[str]], *, encoding="utf-8", delimiter=",") -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue().encode(encoding)


def write_csv(path: Path, rows, **kwargs) -> Path:
    path.write_bytes(csv_bytes(rows, **kwargs))
    return path


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_xlsx(path: Path, rows) -> Path:
    path.write_bytes(xlsx_bytes(rows))
    return path


def comments(*items: dict) -> str:
    return json.dumps(list(items), ensure_ascii=False)


TICKET_HEADERS = [
    "external_id",
    "number",
    "subject",
    "status",
    "priority",
    "category",
    "requester",
    "assignee",
    "created_at",
    "resolved_at",
    "comments",
]

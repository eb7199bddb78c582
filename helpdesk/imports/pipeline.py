"""One import: map the file's columns to the kind's fields, validate every
row (shape by the kind's schema, references by its ``check``), and write the
good rows - or, in strict mode, all rows or none.

The file is read as a stream of batches, never held whole as loaded rows:
``validate`` (the preview, a dry run) keeps only the report; ``write``
validates and writes each batch as it goes, and the caller commits once at
the end, so the rows land in one transaction, or rolls back (strict mode
with a bad row: writing stops at the first one, the report still covers
every row).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from marshmallow import ValidationError

from helpdesk.extensions import db
from helpdesk.i18n import N_
from helpdesk.imports.kinds import Kind, Outcome, Row, RunContext
from helpdesk.imports.reading import Table

BATCH = 500
# Enough to fix a file by; the count of bad rows is always exact.
MAX_REPORTED_ERRORS = 1000

Progress = Callable[[int], None]  # rows done so far


class MappingNeeded(ValueError):
    """Required fields no column maps to, or a mapping naming what is not there."""

    def __init__(self, missing: list[str], problems: list[tuple[str, dict]]) -> None:
        super().__init__(", ".join(missing))
        self.missing, self.problems = missing, problems


@dataclass
class RowError:
    line: int
    column: str
    message: str  # catalogue message id, translated when shown
    params: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "params": self.params,
        }


@dataclass
class Report:
    total_rows: int = 0
    bad_lines: set[int] = field(default_factory=set)
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def bad_rows(self) -> int:
        return len(self.bad_lines)

    @property
    def good_rows(self) -> int:
        return self.total_rows - self.bad_rows

    def add(self, error: RowError) -> None:
        self.bad_lines.add(error.line)
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(error)

    def as_dict(self) -> dict:
        return {
            "total_rows": self.total_rows,
            "bad_rows": self.bad_rows,
            "errors": [e.as_dict() for e in self.errors],
            "ignored_columns": self.ignored_columns,
        }


def resolve_mapping(
    kind: Kind, headers: list[str], mapping: dict[str, str] | None
) -> tuple[dict[str, str], list[str]]:
    """``{header: field}`` for the file, and the headers that map to nothing.

    Headers named like a field (in any case) map to it; ``mapping`` (header
    -> field, an empty field ignores the column) says the rest."""
    mapping = mapping or {}
    names = {c.name for c in kind.columns}
    problems: list[tuple[str, dict]] = []
    columns: dict[str, str] = {}
    for header, target in mapping.items():
        if header not in headers:
            problems.append(
                (N_("The file has no column “%(column)s”."), {"column": header})
            )
        elif target and target not in names:
            problems.append(
                (N_("“%(field)s” is not a field of this import."), {"field": target})
            )
        elif target:
            columns[header] = target
    for header in headers:
        if header in mapping or not header:
            continue
        if header.lower() in names and header.lower() not in columns.values():
            columns[header] = header.lower()
    if len(set(columns.values())) < len(columns):
        problems.append((N_("Two columns are mapped to one field."), {}))
    missing = [name for name in kind.required if name not in columns.values()]
    if missing or problems:
        raise MappingNeeded(missing, problems)
    ignored = [h for h in headers if h and h not in columns]
    return columns, ignored


def batches(
    kind: Kind,
    table: Table,
    columns: dict[str, str],
    context: RunContext,
    report: Report,
) -> Iterator[list[Row]]:
    """The file's good rows in batches of ``BATCH``, each checked against
    the database; every bad row goes into ``report``."""
    header_of = {f: h for h, f in columns.items()}
    schema = kind.schema()
    seen_keys: dict[str, int] = {}
    batch: list[Row] = []
    for line, raw in table.rows:
        report.total_rows += 1
        row = _load_row(kind, schema, line, raw, columns, header_of, report)
        if row is None:
            continue
        if kind.key and (key := row[1].get(kind.key)) is not None:
            if key in seen_keys:
                report.add(
                    RowError(
                        line,
                        header_of[kind.key],
                        N_("The same value as on line %(line)s."),
                        {"line": seen_keys[key]},
                    )
                )
                continue
            seen_keys[key] = line
        batch.append(row)
        if len(batch) >= BATCH:
            yield _checked(kind, batch, context, header_of, report)
            batch = []
    if batch:
        yield _checked(kind, batch, context, header_of, report)


def _load_row(kind, schema, line, raw, columns, header_of, report) -> Row | None:
    data = {f: raw[h].strip() for h, f in columns.items() if raw.get(h, "").strip()}
    try:
        return line, schema.load(data)
    except ValidationError as err:
        for name, messages in _flatten(err.messages):
            for message in messages:
                params = getattr(message, "params", {})
                report.add(
                    RowError(line, header_of.get(name, name), str(message), params)
                )
        return None


def _flatten(messages, prefix: str = "") -> Iterator[tuple[str, list]]:
    if isinstance(messages, list):
        yield prefix or "_row", messages
        return
    for name, value in messages.items():
        if prefix:
            # Nested errors (an item of the comments list) stay on their column.
            yield from _flatten(value, prefix)
        elif isinstance(value, dict):
            yield from _flatten(value, str(name))
        else:
            yield str(name), value


def _checked(kind, batch, context, header_of, report) -> list[Row]:
    bad = set()
    for line, name, message, params in kind.check(batch, context):
        report.add(RowError(line, header_of.get(name, name), message, params))
        bad.add(line)
    return [row for row in batch if row[0] not in bad]


def validate(
    kind: Kind,
    table: Table,
    mapping: dict[str, str] | None,
    context: RunContext,
    *,
    progress: Progress | None = None,
) -> Report:
    """The validation pass: every row checked, nothing written."""
    columns, ignored = resolve_mapping(kind, table.headers, mapping)
    report = Report(ignored_columns=ignored)
    for _batch in batches(kind, table, columns, context, report):
        if progress is not None:
            progress(report.total_rows)
    return report


def write(
    kind: Kind,
    table: Table,
    mapping: dict[str, str] | None,
    context: RunContext,
    *,
    strict: bool = False,
    progress: Progress | None = None,
) -> tuple[Report, Outcome]:
    """Validate and write each batch of good rows; the caller commits (or,
    with bad rows in strict mode, rolls back)."""
    columns, ignored = resolve_mapping(kind, table.headers, mapping)
    report = Report(ignored_columns=ignored)
    created = updated = 0
    for batch in batches(kind, table, columns, context, report):
        if strict and report.bad_rows:
            continue  # all or nothing: the rest is only checked
        outcome = kind.write(batch, context)
        created, updated = created + outcome.created, updated + outcome.updated
        db.session.flush()
        if progress is not None:
            progress(report.total_rows)
    if progress is not None:
        progress(report.total_rows)
    return report, Outcome(created, updated)

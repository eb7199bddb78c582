"""Imports through the API (administrators), the steps of the admin page:
upload a CSV or XLSX file, read its report (each bad row's line, column and
reason, in your language), map its columns when the headers differ, confirm;
then follow the progress. Nothing is written until the confirmation."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import Schema, fields

from helpdesk.api import bp
from helpdesk.clock import get_clock
from helpdesk.errors import InvalidInput, NotFound
from helpdesk.extensions import db
from helpdesk.http import json_body
from helpdesk.imports import jobs
from helpdesk.imports.kinds import get_kind, kinds
from helpdesk.imports.models import ImportJob, JobStatus
from helpdesk.imports.service import error_text
from helpdesk.openapi_parts import ID_PARAM, json_content, list_of, operation
from helpdesk.schemas.common import UTCDateTime
from helpdesk.service import accounts
from helpdesk.vocabulary import Role


class ImportJobOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    filename = fields.String()
    status = fields.Enum(JobStatus, by_value=True)
    strict = fields.Boolean()
    total_rows = fields.Integer()
    good_rows = fields.Integer()
    written_rows = fields.Integer()
    done_rows = fields.Function(
        lambda job: _done_rows(job),
        metadata={"type": "integer", "description": "progress"},
    )
    columns = fields.Function(
        lambda job: jobs.file_headers(job),
        metadata={
            "type": "array",
            "items": {"type": "string"},
            "description": "the file's headers, for a mapping",
        },
    )
    mapping = fields.Dict(keys=fields.String(), values=fields.String())
    can_confirm = fields.Function(
        lambda job: jobs.can_confirm(job), metadata={"type": "boolean"}
    )
    report = fields.Function(
        lambda job: readable_report(job.report),
        metadata={
            "type": "object",
            "description": "rows, bad rows, each problem in your language",
        },
    )
    created_at = UTCDateTime()
    finished_at = UTCDateTime(allow_none=True)


class MappingIn(Schema):
    columns = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata={"description": "header -> field; an empty field ignores it"},
    )


@bp.url_value_preprocessor
def _allow_large_uploads(endpoint: str | None, _values: dict | None) -> None:
    """An admin's file may be larger than other requests: set before the
    body is read (as the admin page does)."""
    if (
        endpoint == "api.import_create"
        and current_user.is_authenticated
        and current_user.role == Role.ADMIN
    ):
        request.max_content_length = current_app.config["IMPORT_MAX_BYTES"]


def _done_rows(job: ImportJob) -> int:
    if job.status in (JobStatus.CHECKING, JobStatus.RUNNING):
        return jobs.read_progress(current_app, job.id)
    return job.total_rows


def readable_report(report: dict) -> dict:
    """The stored report with its message ids in the reader's language."""
    readable = {
        k: v for k, v in report.items() if k not in ("errors", "problems", "unreadable")
    }
    if "errors" in report:
        readable["errors"] = [
            {"line": e["line"], "column": e["column"], "message": error_text(e)}
            for e in report["errors"]
        ]
    if "problems" in report:
        readable["problems"] = [
            error_text({"message": message, "params": params})
            for message, params in report["problems"]
        ]
    if report.get("unreadable"):
        readable["unreadable"] = error_text(report["unreadable"])
    return readable


def _job(job_id: int) -> ImportJob:
    accounts.require_admin(current_user)
    job = db.session.get(ImportJob, job_id)
    if job is None:
        raise NotFound(_("Import not found."))
    return job


@bp.get("/v1/imports")
@login_required
def import_list():
    accounts.require_admin(current_user)
    recent = db.session.scalars(
        sa.select(ImportJob).order_by(ImportJob.id.desc()).limit(20)
    )
    return {"items": ImportJobOut(many=True).dump(recent), "next_cursor": None}


@bp.post("/v1/imports")
@login_required
def import_create():
    """``multipart/form-data``: ``kind``, ``file``, optional ``strict``. The
    rows are checked at once; the answer carries the report."""
    accounts.require_admin(current_user)
    kind = request.form.get("kind", "")
    if get_kind(kind) is None:
        message = _("Choose one of: %(kinds)s.", kinds=", ".join(kinds()))
        raise InvalidInput(message, fields={"kind": [message]})
    strict = request.form.get("strict", "false").strip().lower()
    if strict not in ("true", "false", "1", "0", ""):
        message = _("Not a valid boolean.")
        raise InvalidInput(message, fields={"strict": [message]})
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        message = _("Choose a CSV or XLSX file.")
        raise InvalidInput(message, fields={"file": [message]})
    job = jobs.create_job(
        kind,
        upload.filename,
        upload.read(),
        strict=strict in ("true", "1"),
        actor=current_user,
        now=get_clock().now(),
    )
    db.session.commit()
    jobs.dispatch(current_app._get_current_object(), jobs.run_check, job.id)
    db.session.expire_all()
    return (
        ImportJobOut().dump(db.session.get(ImportJob, job.id)),
        201,
        {"Location": f"/api/v1/imports/{job.id}"},
    )


@bp.get("/v1/imports/<int:job_id>")
@login_required
def import_get(job_id: int):
    return ImportJobOut().dump(_job(job_id))


@bp.post("/v1/imports/<int:job_id>/mappings")
@login_required
def import_mapping_create(job_id: int):
    job = _job(job_id)
    data = MappingIn().load(json_body())
    jobs.choose_columns(job, data["columns"], now=get_clock().now())
    db.session.commit()
    jobs.dispatch(current_app._get_current_object(), jobs.run_check, job_id)
    db.session.expire_all()
    return ImportJobOut().dump(_job(job_id)), 201


@bp.post("/v1/imports/<int:job_id>/confirmations")
@login_required
def import_confirmation_create(job_id: int):
    """Write the good rows (``strict``: all or nothing), in one transaction."""
    job = _job(job_id)
    jobs.confirm(job, now=get_clock().now())
    db.session.commit()
    jobs.dispatch(current_app._get_current_object(), jobs.run_job, job_id)
    db.session.expire_all()
    return ImportJobOut().dump(_job(job_id)), 201


def add_openapi_paths(spec) -> None:
    spec.components.schema("ImportJobOut", schema=ImportJobOut)
    job = json_content("ImportJobOut")
    forbidden = {"403": {"description": "Not an administrator"}}
    refused = {"409": {"description": "Already ran, or cannot run: see the report"}}
    upload = {
        "type": "object",
        "required": ["kind", "file"],
        "properties": {
            "kind": {"type": "string", "description": "users, organisations, ..."},
            "file": {"type": "string", "format": "binary"},
            "strict": {"type": "boolean", "default": False},
        },
    }
    spec.path(
        path="/v1/imports",
        operations={
            "get": operation(
                "The last 20 imports, newest first",
                {"200": {"description": "Imports", **list_of("ImportJobOut")}}
                | forbidden,
            ),
            "post": {
                **operation(
                    "Upload a CSV or XLSX file; its rows are checked, nothing "
                    "is written yet",
                    {"201": {"description": "Checked", **job}} | forbidden,
                    errors=("401", "422"),
                ),
                "requestBody": {
                    "required": True,
                    "content": {"multipart/form-data": {"schema": upload}},
                },
            },
        },
    )
    spec.path(
        path="/v1/imports/{id}",
        operations={
            "get": operation(
                "One import: status, progress, report",
                {"200": {"description": "Import", **job}} | forbidden,
                params=[ID_PARAM],
                errors=("401", "404"),
            )
        },
    )
    spec.path(
        path="/v1/imports/{id}/mappings",
        operations={
            "post": operation(
                "Say which field each column of the file is; checked again",
                {"201": {"description": "Checked", **job}} | forbidden | refused,
                body=MappingIn,
                params=[ID_PARAM],
                errors=("401", "404", "422"),
            )
        },
    )
    spec.path(
        path="/v1/imports/{id}/confirmations",
        operations={
            "post": operation(
                "Import the good rows (strict: all or nothing)",
                {"201": {"description": "Running or done", **job}}
                | forbidden
                | refused,
                params=[ID_PARAM],
                errors=("401", "404"),
            )
        },
    )

"""Admin pages of imports: upload, preview with the validation report, the
column-mapping step, confirmation, progress, and each kind's template."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Response,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import Schema, ValidationError, fields

from helpdesk.clock import get_clock
from helpdesk.errors import InvalidInput, NotFound
from helpdesk.extensions import db
from helpdesk.http import translate_messages
from helpdesk.imports import jobs
from helpdesk.imports.kinds import get_kind, kinds
from helpdesk.imports.models import ImportJob, JobStatus
from helpdesk.imports.templates import template_csv, template_xlsx
from helpdesk.views import bp
from helpdesk.views.access import admin_required
from helpdesk.vocabulary import Role

TEMPLATE_TYPES = {
    "csv": (template_csv, "text/csv; charset=utf-8"),
    "xlsx": (
        template_xlsx,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
}


class UploadIn(Schema):
    kind = fields.String(required=True, validate=lambda v: get_kind(v) is not None)
    strict = fields.Boolean(load_default=False)


@bp.get("/admin/imports")
@admin_required
def import_list():
    return _render_list({}, 200)


def _render_list(errors: dict, status: int):
    recent = db.session.scalars(
        sa.select(ImportJob).order_by(ImportJob.id.desc()).limit(20)
    )
    return render_template(
        "helpdesk/admin_imports.html", kinds=kinds(), jobs=list(recent), errors=errors
    ), status


@bp.url_value_preprocessor
def _allow_large_uploads(endpoint: str | None, _values: dict | None) -> None:
    """An admin's upload may be larger than other requests. Set before the
    body is read - CSRF protection reads the form in a ``before_request``,
    and URL value preprocessors run before those."""
    if (
        endpoint == "helpdesk.import_upload"
        and current_user.is_authenticated
        and current_user.role == Role.ADMIN
    ):
        request.max_content_length = current_app.config["IMPORT_MAX_BYTES"]


@bp.post("/admin/imports")
@admin_required
def import_upload():
    upload = request.files.get("file")
    try:
        data = UploadIn().load(
            {
                "kind": request.form.get("kind", ""),
                "strict": request.form.get("strict", "false"),
            }
        )
    except ValidationError as err:
        return _render_list(translate_messages(err.messages), 422)
    if upload is None or not upload.filename:
        return _render_list({"file": [_("Choose a CSV or XLSX file.")]}, 422)
    job = jobs.create_job(
        data["kind"],
        upload.filename,
        upload.read(),
        strict=data["strict"],
        actor=current_user,
        now=get_clock().now(),
    )
    db.session.commit()
    jobs.dispatch(current_app._get_current_object(), jobs.run_check, job.id)
    return redirect(url_for("helpdesk.import_detail", job_id=job.id))


def _job(job_id: int) -> ImportJob:
    job = db.session.get(ImportJob, job_id)
    if job is None:
        raise NotFound(_("Import not found."))
    return job


@bp.get("/admin/imports/<int:job_id>")
@admin_required
def import_detail(job_id: int):
    job = _job(job_id)
    return render_template(
        "helpdesk/admin_import.html",
        job=job,
        kind=get_kind(job.kind),
        headers=jobs.file_headers(job),
        can_confirm=jobs.can_confirm(job),
    )


@bp.post("/admin/imports/<int:job_id>/mapping")
@admin_required
def import_mapping(job_id: int):
    job = _job(job_id)
    mapping = {
        header: request.form.get(f"column-{index}", "")
        for index, header in enumerate(jobs.file_headers(job))
    }
    try:
        jobs.choose_columns(job, mapping, now=get_clock().now())
    except InvalidInput as err:
        # The form names its fields by column position, not by header.
        positions = {h: f"column-{i}" for i, h in enumerate(mapping)}
        fields_ = {positions.get(k, k): v for k, v in (err.fields or {}).items()}
        raise InvalidInput(err.message, fields=fields_) from err
    db.session.commit()
    jobs.dispatch(current_app._get_current_object(), jobs.run_check, job_id)
    return redirect(url_for("helpdesk.import_detail", job_id=job.id))


@bp.post("/admin/imports/<int:job_id>/confirm")
@admin_required
def import_confirm(job_id: int):
    job = _job(job_id)
    jobs.confirm(job, now=get_clock().now())
    db.session.commit()
    jobs.dispatch(current_app._get_current_object(), jobs.run_job, job_id)
    return redirect(url_for("helpdesk.import_detail", job_id=job_id))


@bp.get("/admin/imports/<int:job_id>/status")
@admin_required
def import_status(job_id: int):
    job = _job(job_id)
    if job.status in (JobStatus.CHECKING, JobStatus.RUNNING):
        done = jobs.read_progress(current_app, job_id)
    else:
        done = job.total_rows
    return jsonify(
        {
            "status": job.status.value,
            "total_rows": job.total_rows,
            "done_rows": done,
            "written_rows": job.written_rows,
        }
    )


@bp.get("/admin/imports/templates/<name>.<any(csv, xlsx):fmt>")
@admin_required
def import_template(name: str, fmt: str):
    kind = get_kind(name)
    if kind is None:
        raise NotFound(_("No such import."))
    build, mimetype = TEMPLATE_TYPES[fmt]
    return Response(
        build(kind),
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{name}-template.{fmt}"'
        },
    )

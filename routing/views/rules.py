"""The routing rules' pages (managers, admins): the list in order, the
form, enabling, moving and deleting a rule, and the dry run against a
ticket."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError

from helpdesk import confirm
from helpdesk.clock import get_clock
from helpdesk.custom_fields import definitions as field_definitions
from helpdesk.errors import DomainError, InvalidInput
from helpdesk.extensions import db
from helpdesk.http import form_error, query_id
from helpdesk.models import User, parse_ticket_number
from helpdesk.service import access, accounts
from helpdesk.views.access import managers_required
from routing import forms, rules
from routing.labels import ACTION_LABELS, FIELD_LABELS, OP_LABELS, TRIGGER_LABELS
from routing.schemas import RuleIn
from routing.service import dryrun, rulebook
from routing.views.common import bp


@bp.get("/rules")
@managers_required
def rule_list():
    rules_ = rulebook.list_rules()
    return render_template(
        "routing/rules.html",
        rules=rules_,
        triggers=TRIGGER_LABELS,
        user_names=rulebook.names_of_users_in(rules_),
    )


@bp.get("/rules/new")
@managers_required
def rule_new():
    return _render_rule_form(None, {"enabled": "true", "match": "all"})


@bp.post("/rules/new")
@managers_required
def rule_create():
    return _save_rule(None)


@bp.get("/rules/<int:rule_id>")
@managers_required
def rule_edit(rule_id: int):
    rule = rulebook.get_rule(rule_id)
    data = rule.as_data() | {"enabled": rule.enabled}
    return _render_rule_form(rule, forms.rule_to_form(data, user_label=_user_label))


@bp.post("/rules/<int:rule_id>")
@managers_required
def rule_update(rule_id: int):
    return _save_rule(rulebook.get_rule(rule_id))


def _save_rule(rule):
    rows: dict[str, str] = {}
    try:
        data, rows = forms.rule_from_form(
            request.form,
            user_ref=_user_ref,
            field_kinds={k: v.value for k, v in field_definitions.book().kinds.items()},
        )
        data = RuleIn().load(data)
        now = get_clock().now()
        if rule is None:
            rule = rulebook.create_rule(data, actor=current_user, now=now)
        else:
            rulebook.update_rule(rule, data, actor=current_user, now=now)
    except (ValidationError, InvalidInput) as err:
        errors, _status = form_error(err)
        errors = forms.errors_by_row(errors, rows)
        return _render_rule_form(rule, request.form, errors=errors, status=422)
    db.session.commit()
    flash(_("Rule “%(name)s” saved.", name=rule.name), "success")
    return redirect(url_for("routing.rule_list"))


def _render_rule_form(rule, values, *, errors=None, status=200):
    return render_template(
        "routing/rule_form.html",
        rule=rule if rule is not None and rule.id else None,
        values=values,
        errors=errors or {},
        condition_rows=forms.row_count(values, "cond", forms.CONDITION_ROWS),
        action_rows=forms.row_count(values, "act", forms.ACTION_ROWS),
        triggers=TRIGGER_LABELS,
        fields=FIELD_LABELS | _custom_field_labels(),
        ops=OP_LABELS,
        actions=ACTION_LABELS,
    ), status


def _custom_field_labels() -> dict[str, str]:
    """The custom fields a condition may name (``field:<key>``), by key."""
    locale = str(get_locale())
    labels: dict[str, str] = {}
    for spec in field_definitions.book().by_id.values():
        labels.setdefault(spec.name, _("Field: %(label)s", label=spec.label(locale)))
    return labels


def _user_ref(text: str):
    """An e-mail or an id → the user's id; anything else stays as typed so
    validation names it."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    user = accounts.find_user_by_email(text) if "@" in text else None
    return user.id if user is not None else text


def _user_label(user_id: int) -> str:
    user = db.session.get(User, user_id)
    return user.email if user is not None else str(user_id)


@bp.post("/rules/<int:rule_id>/enabled")
@managers_required
def rule_enable(rule_id: int):
    rule = rulebook.get_rule(rule_id)
    enabled = request.form.get("enabled") == "true"
    rulebook.update_rule(
        rule, {"enabled": enabled}, actor=current_user, now=get_clock().now()
    )
    db.session.commit()
    message = (
        _("Rule “%(name)s” enabled.") if enabled else _("Rule “%(name)s” disabled.")
    )
    flash(message % {"name": rule.name}, "success")
    return redirect(url_for("routing.rule_list"))


@bp.post("/rules/<int:rule_id>/position")
@managers_required
def rule_move(rule_id: int):
    rule = rulebook.get_rule(rule_id)
    step = -1 if request.form.get("direction") == "up" else 1
    rulebook.move_rule(
        rule, position=rule.position + step, actor=current_user, now=get_clock().now()
    )
    db.session.commit()
    return redirect(url_for("routing.rule_list"))


@bp.post("/rules/<int:rule_id>/delete")
@managers_required
def rule_delete(rule_id: int):
    rule = rulebook.get_rule(rule_id)
    name = rule.name
    rulebook.ensure_rule_admin(current_user)
    if not confirm.confirmed():
        return confirm.ask(
            title=_("Delete the rule “%(name)s”?", name=name),
            consequences=[
                _("New and changed tickets are no longer routed by it."),
                _(
                    "What it did to tickets stays on their timelines; to stop "
                    "it for a while, disable it instead."
                ),
            ],
            button=_("Delete the rule"),
            back=url_for("routing.rule_edit", rule_id=rule.id),
        )
    rulebook.delete_rule(rule, actor=current_user)
    db.session.commit()
    flash(_("Rule “%(name)s” deleted.", name=name), "success")
    return redirect(url_for("routing.rule_list"))


@bp.get("/rules/test")
@managers_required
def rules_test():
    """The dry run: which rules would match a ticket, and what they would do."""
    trigger = request.args.get("trigger") or rules.Trigger.TICKET_CREATED
    rule_id = request.args.get("rule", type=query_id)
    only = rulebook.get_rule(rule_id) if rule_id else None
    if only is not None:
        trigger = only.trigger.value
    context = {"trigger": trigger, "only": only, "q": request.args.get("ticket", "")}
    ticket, error = _ticket_by_number(context["q"])
    if ticket is not None and trigger in TRIGGER_LABELS:
        compiled = rules.compile_rule(only.as_data()) if only else None
        context["outcomes"] = dryrun.dry_run(ticket, trigger=trigger, only=compiled)
        db.session.rollback()  # nothing of a dry run is kept
    return render_template(
        "routing/test.html",
        ticket=ticket,
        error=error,
        triggers=TRIGGER_LABELS,
        **context,
    ), (422 if error else 200)


def _ticket_by_number(text: str):
    if not text.strip():
        return None, None
    ticket_id = parse_ticket_number(text)
    try:
        if ticket_id is None:
            raise InvalidInput(_("Give a ticket number such as HD-000042."))
        return access.get_visible_ticket(current_user, ticket_id), None
    except DomainError as err:
        return None, str(err.message)

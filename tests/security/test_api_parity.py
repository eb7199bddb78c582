"""What a person can do in the pages, a program can do through the API.

Every page action (each POST of the pages, and the downloads) is listed
here with the API operation that does the same, and that operation must be
in the OpenAPI document. A new page action fails this test until it is
listed: with its operation, or in ``BROWSER_ONLY`` saying why a program
has no use for it."""

from __future__ import annotations

PARITY = {
    # accounts
    "auth.login": "POST /v1/auth/token",
    "auth.logout": "DELETE /v1/me/tokens/{id}",
    "auth.profile": "PATCH /v1/me",
    "auth.notifications_update": "PUT /v1/me/notifications",
    "auth.token_create": "POST /v1/auth/token",
    "auth.token_revoke": "DELETE /v1/me/tokens/{id}",
    "auth.login_code": "POST /v1/auth/token",
    "auth.session_revoke": "DELETE /v1/me/sessions/{id}",
    "helpdesk.security_settings": "PUT /v1/settings/two-factor",
    "helpdesk.user_two_factor_reset": "POST /v1/users/{id}/two-factor-resets",
    "helpdesk.user_new": "POST /v1/users",
    "helpdesk.user_edit": "PATCH /v1/users/{id}",
    "helpdesk.user_notifications_update": "PUT /v1/users/{id}/notifications",
    "helpdesk.phone_caller_create": "POST /v1/users",
    "helpdesk.category_new": "POST /v1/categories",
    "helpdesk.category_edit": "PATCH /v1/categories/{id}",
    # organisations
    "helpdesk.organisation_new": "POST /v1/organisations",
    "helpdesk.organisation_edit": "PATCH /v1/organisations/{id}",
    "helpdesk.organisation_member_add": "POST /v1/organisations/{id}/members",
    "helpdesk.organisation_member_update": "POST /v1/organisations/{id}/members",
    "helpdesk.organisation_member_remove": "POST /v1/organisations/{id}/departures",
    "custom_fields.field_new": "POST /v1/categories/{id}/fields",
    "custom_fields.field_edit": "PATCH /v1/fields/{id}",
    # tickets
    "helpdesk.ticket_new": "POST /v1/tickets",
    "helpdesk.phone_ticket_create": "POST /v1/tickets",
    "helpdesk.ticket_comment": "POST /v1/tickets/{id}/comments",
    "helpdesk.ticket_follow_up": "POST /v1/tickets/{id}/follow-ups",
    "helpdesk.ticket_merge": "POST /v1/tickets/{id}/merges",
    "helpdesk.ticket_update": "PATCH /v1/tickets/{id}",
    "custom_fields.ticket_fields_update": "PATCH /v1/tickets/{id}",
    "helpdesk.ticket_rate": "POST /v1/tickets/{id}/ratings",
    "helpdesk.ticket_transition": "POST /v1/tickets/{id}/transitions",
    "helpdesk.ticket_watcher_add": "POST /v1/tickets/{id}/watchers",
    "helpdesk.ticket_watcher_remove": "DELETE /v1/watchers/{id}",
    "helpdesk.attachment_download": "GET /v1/attachments/{id}/content",
    "helpdesk.undo_action": "POST /v1/undo/{id}",
    "helpdesk.macro_new": "POST /v1/macros",
    "helpdesk.macro_edit": "PATCH /v1/macros/{id}",
    "helpdesk.macro_delete": "DELETE /v1/macros/{id}",
    "helpdesk.ticket_macro_apply": "POST /v1/tickets/{id}/macros",
    # the queue
    "helpdesk.queue_bulk": "POST /v1/tickets/bulk-updates",
    "helpdesk.saved_view_create": "POST /v1/me/views",
    "helpdesk.saved_view_delete": "DELETE /v1/me/views/{id}",
    # imports
    "helpdesk.import_upload": "POST /v1/imports",
    "helpdesk.import_mapping": "POST /v1/imports/{id}/mappings",
    "helpdesk.import_confirm": "POST /v1/imports/{id}/confirmations",
    # knowledge base
    "knowledge_base.article_new": "POST /v1/kb/articles",
    "knowledge_base.article_edit": "PATCH /v1/kb/articles/{id}",
    "knowledge_base.article_delete": "DELETE /v1/kb/articles/{id}",
    "knowledge_base.version_restore": "POST /v1/kb/articles/{id}/restorations",
    "knowledge_base.vote_create": "POST /v1/kb/articles/{id}/votes",
    "knowledge_base.deflection_create": "POST /v1/kb/articles/{id}/deflections",
    "knowledge_base.canned_new": "POST /v1/kb/canned",
    "knowledge_base.canned_edit": "PATCH /v1/kb/canned/{id}",
    "knowledge_base.canned_delete": "DELETE /v1/kb/canned/{id}",
    "knowledge_base.link_create": "POST /v1/kb/links",
    "knowledge_base.link_delete": "DELETE /v1/kb/links/{id}",
    "knowledge_base.phone_resolve": "POST /v1/kb/call-resolutions",
    # routing
    "routing.availability_update": "PATCH /v1/routing/agents/{id}",
    "routing.defect_create": "POST /v1/routing/defects",
    "routing.defect_status": "PATCH /v1/routing/defects/{id}",
    "routing.defect_fix": "POST /v1/routing/defects/{id}/fixes",
    "routing.defect_reopen": "POST /v1/routing/defects/{id}/reopenings",
    "routing.defect_link_create": "POST /v1/routing/defects/{id}/tickets",
    "routing.ticket_defect_link": "POST /v1/routing/defects/{id}/tickets",
    "routing.escalation_create": "POST /v1/tickets/{id}/escalations",
    "routing.escalation_bulk": "POST /v1/tickets/bulk-escalations",
    "routing.rule_create": "POST /v1/routing/rules",
    "routing.rule_update": "PATCH /v1/routing/rules/{id}",
    "routing.rule_delete": "DELETE /v1/routing/rules/{id}",
    "routing.rule_enable": "PATCH /v1/routing/rules/{id}",
    "routing.rule_move": "PATCH /v1/routing/rules/{id}",
    "routing.task_tick": "POST /v1/routing/tasks/{id}/completions",
    "routing.task_untick": "DELETE /v1/routing/tasks/{id}/completions",
    # reports
    "reports.subscription_update": "PUT /v1/reports/subscription",
    # SLA
    "sla.calendar_new": "POST /v1/sla/calendars",
    "sla.calendar_edit": "PATCH /v1/sla/calendars/{id}",
    "sla.calendar_delete": "DELETE /v1/sla/calendars/{id}",
    "sla.calendar_holidays_load": "POST /v1/sla/calendars/{id}/holidays",
    "sla.policy_new": "POST /v1/sla/policies",
    "sla.policy_edit": "PATCH /v1/sla/policies/{id}",
    "sla.policy_delete": "DELETE /v1/sla/policies/{id}",
    "sla.policy_move": "PATCH /v1/sla/policies/{id}",
}

BROWSER_ONLY = {
    # A person signs themselves up; a program registers people with POST /v1/users.
    "auth.signup": "a person's own sign-up form",
    # Both start from a link mailed to a person; a program holding a token
    # changes its user's password with PATCH /v1/me.
    "auth.password_forgot": "a mailed link, for a person",
    "auth.password_set": "a mailed link, for a person",
    # Enrolling an authenticator app: a person scans the QR code and types
    # its first code (a token's holder already logs in with "code").
    "auth.login_enrol": "a person's authenticator app",
    "auth.two_factor_setup": "a person's authenticator app",
    "auth.two_factor_confirm": "a person's authenticator app",
    "auth.two_factor_disable": "a person's authenticator app",
    "auth.two_factor_recovery_codes": "a person's authenticator app",
}


def _page_actions(app) -> set[str]:
    actions = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/api/", "/static/")) or rule.rule == "/healthz":
            continue
        if "POST" in rule.methods or rule.endpoint == "helpdesk.attachment_download":
            actions.add(rule.endpoint)
    return actions


def _documented(client) -> set[str]:
    document = client.get("/api/openapi.json").get_json()
    return {
        f"{method.upper()} {path}"
        for path, operations in document["paths"].items()
        for method in operations
    }


def test_every_page_action_is_listed(app):
    unlisted = _page_actions(app) - PARITY.keys() - BROWSER_ONLY.keys()
    assert unlisted == set(), "list each with its API operation or why not"


def test_each_page_action_has_its_documented_api_operation(app, client):
    documented = _documented(client)

    stale = PARITY.keys() - _page_actions(app)
    missing = {page: op for page, op in PARITY.items() if op not in documented}

    assert stale == set(), "no page actions any more: drop them from PARITY"
    assert missing == {}

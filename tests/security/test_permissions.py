"""Every route × every role: the server checks each permission itself.

``CASES`` lists one request per route (some routes twice, for an allowed and
a refused variant). Each runs as every actor: anonymous, the customer who
requested the ticket, another customer, the designated contact of the
requester's organisation (who sees and follows all its tickets but does
only what any follower does: read, reply), a plain member of it (who sees
only their own), an agent of each line and a manager and an admin. The
ticket lives on line 2, so line 2 is the agent's own line and lines 1 and 3
are not. Cases marked ``actor_watches`` make the acting customer a watcher
of the ticket first: a watcher follows it as a contact does.

The harness in tests/permission_matrix.py runs the cells: pages log in
through the login form; the API uses bearer tokens. A refused request (401,
403, 404 or the redirect to the login page) must leave every row of every
table as it was; an allowed write must change something, so the "unchanged"
check cannot pass by accident.

``test_every_route_is_in_the_matrix`` fails when a route is missing here:
a new route needs a row in ``CASES`` before the suite passes.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from flask import current_app

from helpdesk import undo
from helpdesk.extensions import db
from helpdesk.imports import jobs
from helpdesk.inbound.models import QuarantineReason
from helpdesk.inbound.quarantine import quarantine
from helpdesk.models import Ticket, User
from helpdesk.service import password_links
from helpdesk.service import tickets as ticket_service
from helpdesk.undo import UndoKind
from helpdesk.vocabulary import Priority, Role, TicketStatus
from helpdesk.watchers.models import TicketWatcher
from tests.builders import (
    PASSWORD,
    make_attachment,
    make_category,
    make_macro,
    make_session,
    make_ticket,
    make_user,
)
from tests.helpdesk.custom_fields.builders import make_field
from tests.permission_matrix import (
    ACTORS,
    AGENTS,
    CUSTOMERS,
    LOGIN,
    REQUESTERS_ORGANISATION,
    Case,
    Matrix,
    make_actor,
    make_requester,
)
from tests.security.support import assert_unchanged, db_state, error_of

TICKET_LINE = 2  # line 2 is the agent's own line; lines 1 and 3 are not
# A failed login and a logout store nothing but their audit entry.
AUDITED = frozenset({"audit_log"})
# ... and a failed login or a reset request counts for the throttle.
THROTTLED = AUDITED | {"rate_limits"}


# --- expectations -----------------------------------------------------------


def everyone(status) -> dict:
    return dict.fromkeys(ACTORS, status)


def logged_in(status) -> dict:
    return everyone(status) | {"anonymous": LOGIN}


def ticket_read(ok) -> dict:
    """Staff see every ticket; customers their own, and the organisation's
    designated contact its tickets (others: 404)."""
    return logged_in(ok) | {"other_customer": 404, "org_member": 404}


def ticket_action(ok, *, customer, contact=None) -> dict:
    """Agents act on their own line; managers and admins on every line. The
    contact may do what any follower does (``contact``, by default as the
    requester)."""
    contact = customer if contact is None else contact
    return ticket_read(ok) | {
        "customer": customer,
        "org_contact": contact,
        "line1": 403,
        "line3": 403,
    }


def requester_only(ok, *, staff=403) -> dict:
    """What only the requester does; staff get ``staff``, the contact 403."""
    return dict.fromkeys(ACTORS, staff) | {
        "anonymous": LOGIN,
        "customer": ok,
        "other_customer": 404,
        "org_contact": 403,
        "org_member": 404,
    }


def staff_only(ok) -> dict:
    return logged_in(ok) | dict.fromkeys(CUSTOMERS, 403)


def managers_only(ok) -> dict:
    return dict.fromkeys(ACTORS, 403) | {
        "anonymous": LOGIN,
        "manager": ok,
        "admin": ok,
    }


def admin_only(ok) -> dict:
    return dict.fromkeys(ACTORS, 403) | {"anonymous": LOGIN, "admin": ok}


# --- the table --------------------------------------------------------------
# ``setup``: ``ticket_status`` (default open) and ``assign_actor`` (the acting
# agent is the ticket's assignee; such cases run only as agents).

ASSIGNED = {"only": AGENTS, "setup": {"assign_actor": True}}


def _phone_ticket(w) -> dict:
    return {
        "requester_id": str(w.customer.id),
        "subject": "Cannot print",
        "description": "Called at nine.",
        "category": "access",
        "priority": "P3",
    }


NEW_FIELD = {
    "key": "serial",
    "kind": "text",
    "label_en": "Serial number",
    "label_ru": "Серийный номер",
}

NEW_TICKET = {
    "subject": "VPN drops",
    "description": "Every hour.",
    "category": "access",
}

ORG_FORM = {"name": "Globex", "domains": "globex.example", "plan": "premium"}

ORGANISATION_CASES = [
    # --- organisations: managers and admins manage them; staff read them
    Case("organisations", "GET", "/admin/organisations", managers_only(200)),
    Case(
        "organisation-new-page", "GET", "/admin/organisations/new", managers_only(200)
    ),
    Case(
        "organisation-create",
        "POST",
        "/admin/organisations/new",
        managers_only(302),
        form=ORG_FORM,
        writes=True,
    ),
    Case(
        "organisation-edit-page",
        "GET",
        "/admin/organisations/{organisation}",
        managers_only(200),
    ),
    Case(
        "organisation-save",
        "POST",
        "/admin/organisations/{organisation}",
        managers_only(302),
        form=lambda w: {"name": w.organisation.name, "plan": "premium"},
        writes=True,
    ),
    Case(
        "organisation-member-add",
        "POST",
        "/admin/organisations/{organisation}/members",
        managers_only(302),
        form=lambda w: {"email": w.outsider.email, "contact": "true"},
        writes=True,
    ),
    Case(
        "organisation-member-contact",
        "POST",
        "/admin/organisations/{organisation}/members/{user}",
        managers_only(302),
        form={"contact": "true"},
        writes=True,
    ),
    Case(
        "organisation-member-remove",
        "POST",
        "/admin/organisations/{organisation}/members/{user}/removal",
        managers_only(302),
        writes=True,
    ),
    Case("api-organisations", "GET", "/api/v1/organisations", staff_only(200)),
    Case(
        "api-organisation-create",
        "POST",
        "/api/v1/organisations",
        managers_only(201),
        json={"name": "Globex", "domains": ["globex.example"], "plan": "premium"},
        writes=True,
    ),
    Case(
        "api-organisation-get",
        "GET",
        "/api/v1/organisations/{organisation}",
        staff_only(200),
    ),
    Case(
        "api-organisation-patch",
        "PATCH",
        "/api/v1/organisations/{organisation}",
        managers_only(200),
        json={"plan": "premium"},
        writes=True,
    ),
    Case(
        "api-organisation-members",
        "GET",
        "/api/v1/organisations/{organisation}/members",
        staff_only(200),
    ),
    Case(
        "api-organisation-member-add",
        "POST",
        "/api/v1/organisations/{organisation}/members",
        managers_only(201),
        json=lambda w: {"user_id": w.outsider.id, "contact": True},
        writes=True,
    ),
    Case(
        "api-organisation-departure",
        "POST",
        "/api/v1/organisations/{organisation}/departures",
        managers_only(201),
        json=lambda w: {"user_id": w.customer.id},
        writes=True,
    ),
]


def watchers_managed(ok) -> dict:
    """The requester and the staff who work on the ticket add and remove
    watchers; its contact follows it but does not."""
    return ticket_action(ok, customer=ok, contact=403)


WATCHER_CASES = [
    # --- watchers (CC): a colleague of the requester is added, then removed
    Case(
        "ticket-watcher-add",
        "POST",
        "/tickets/{ticket}/watchers",
        watchers_managed(302),
        form=lambda w: {"email": w.colleague.email},
        writes=True,
    ),
    Case(
        "ticket-watcher-remove",
        "POST",
        "/tickets/{ticket}/watchers/{watcher}/removal",
        watchers_managed(302),
        writes=True,
        setup={"watcher": True},
    ),
    Case("api-watchers", "GET", "/api/v1/tickets/{ticket}/watchers", ticket_read(200)),
    Case(
        "api-watcher-add",
        "POST",
        "/api/v1/tickets/{ticket}/watchers",
        watchers_managed(201),
        json=lambda w: {"email": w.colleague.email},
        writes=True,
    ),
    Case(
        "api-watcher-remove",
        "DELETE",
        "/api/v1/watchers/{watcher_row}",
        watchers_managed(204),
        writes=True,
        setup={"watcher": True},
    ),
    # A plain member who watches the ticket follows it as its contact does:
    # page, list, replies; and stops following it themselves.
    Case(
        "ticket-page-as-watcher",
        "GET",
        "/tickets/{ticket}",
        ticket_read(200) | {"org_member": 200},
        only=("org_member",),
        setup={"actor_watches": True},
    ),
    Case(
        "ticket-reply-as-watcher",
        "POST",
        "/tickets/{ticket}/comments",
        ticket_action(302, customer=302) | {"org_member": 302},
        form={"body": "Same here."},
        writes=True,
        only=("org_member",),
        setup={"actor_watches": True},
    ),
    Case(
        "api-ticket-get-as-watcher",
        "GET",
        "/api/v1/tickets/{ticket}",
        ticket_read(200) | {"org_member": 200},
        only=("org_member",),
        setup={"actor_watches": True},
    ),
    Case(
        "api-resolve-as-watcher",
        "POST",
        "/api/v1/tickets/{ticket}/transitions",
        ticket_action(201, customer=201, contact=403) | {"org_member": 403},
        json={"status": "resolved"},
        only=("org_member",),
        setup={"actor_watches": True},
    ),
    Case(
        "ticket-unwatch-self",
        "POST",
        "/tickets/{ticket}/watchers/{me}/removal",
        watchers_managed(302) | {"org_member": 302},
        writes=True,
        only=("org_member",),
        setup={"actor_watches": True},
    ),
]

CASES = [
    # --- public pages and operations
    Case("home", "GET", "/", logged_in(302)),
    Case("healthz", "GET", "/healthz", everyone(200)),
    # From loopback (the test client's address); tests/helpdesk/test_metrics.py
    # has the token and the networks.
    Case("metrics", "GET", "/metrics", everyone(200)),
    Case("static-file", "GET", "/static/app.css", everyone(200)),
    Case("openapi", "GET", "/api/openapi.json", everyone(200)),
    Case("login-page", "GET", "/login", everyone(200)),
    Case(
        "login-wrong-password",
        "POST",
        "/login",
        everyone(401),
        form=lambda w: {"email": w.customer.email, "password": "not-the-password"},
        may_change=THROTTLED,
    ),
    # The second step of a login: without a login waiting for it, back to
    # the login page, whoever asks.
    Case("login-code-page", "GET", "/login/code", everyone(LOGIN)),
    Case("login-code", "POST", "/login/code", everyone(LOGIN), form={"code": "1"}),
    Case("login-enrol-page", "GET", "/login/enrol", everyone(LOGIN)),
    Case("login-enrol", "POST", "/login/enrol", everyone(LOGIN), form={"code": "1"}),
    Case("signup-page", "GET", "/signup", everyone(200)),
    Case(
        "signup",
        "POST",
        "/signup",
        everyone(200),  # "check your mail": the link sets the password
        form={"name": "New", "email": "new@example.test"},
        writes=True,
    ),
    # Logout ends the user's sessions on the server: a new session version,
    # their sessions' rows and API tokens gone.
    Case(
        "logout",
        "POST",
        "/logout",
        logged_in(302),
        may_change=AUDITED | {"users", "api_tokens", "user_sessions"},
    ),
    # --- forgotten passwords and invitations
    Case("password-forgot-page", "GET", "/password/forgot", everyone(200)),
    Case(
        "password-forgot",
        "POST",
        "/password/forgot",
        everyone(200),
        form=lambda w: {"email": w.customer.email},
        writes=True,
    ),
    Case(
        "password-forgot-unknown-address",
        "POST",
        "/password/forgot",
        everyone(200),
        form={"email": "nobody@example.test"},
        may_change=frozenset({"rate_limits"}),
    ),
    Case("password-set-page", "GET", "/password/set/{reset_link}", everyone(200)),
    Case(
        "password-set",
        "POST",
        "/password/set/{reset_link}",
        everyone(302),
        form={"password": "a-new-password"},
        writes=True,
    ),
    Case(
        "password-set-bad-link",
        "POST",
        "/password/set/not-a-link",
        everyone(410),
        form={"password": "a-new-password"},
    ),
    # --- profile and its tokens
    Case("profile-page", "GET", "/profile", logged_in(200)),
    Case(
        "profile-save",
        "POST",
        "/profile",
        logged_in(302),
        form={"name": "Renamed", "timezone": "UTC"},
        writes=True,
    ),
    Case(
        "profile-notifications-save",
        "POST",
        "/profile/notifications",
        logged_in(302),
        form={"notices": "agent_replied"},
        writes=True,
    ),
    Case(
        "profile-token-create",
        "POST",
        "/profile/tokens",
        # Customers' tokens are off unless API_TOKENS_FOR_CUSTOMERS is set.
        logged_in(200) | dict.fromkeys(CUSTOMERS, 403),
        form={"name": "ci"},
        writes=True,
    ),
    Case(
        "profile-session-revoke-customers-session",
        "POST",
        "/profile/sessions/{session}/revoke",
        dict.fromkeys(ACTORS, 404) | {"anonymous": LOGIN, "customer": 302},
        writes=True,
    ),
    # Two-factor login on the profile: setting up stores a secret to confirm;
    # with nothing to confirm, renew or turn off, the profile again.
    Case(
        "two-factor-setup", "POST", "/profile/two-factor", logged_in(200), writes=True
    ),
    Case(
        "two-factor-confirm-nothing-pending",
        "POST",
        "/profile/two-factor/confirm",
        logged_in(302),
        form={"code": "123456"},
    ),
    Case(
        "two-factor-recovery-codes-when-off",
        "POST",
        "/profile/two-factor/recovery-codes",
        logged_in(302),
        form={"code": "123456"},
    ),
    Case(
        "two-factor-disable-when-off",
        "POST",
        "/profile/two-factor/disable",
        logged_in(302),
        form={"code": "123456"},
    ),
    Case(
        "profile-token-revoke-customers-token",
        "POST",
        "/profile/tokens/{token}/revoke",
        dict.fromkeys(ACTORS, 404) | {"anonymous": LOGIN, "customer": 302},
        writes=True,
    ),
    # --- the customer portal and the ticket page
    Case(
        "my-tickets",
        "GET",
        "/tickets",
        logged_in(302) | dict.fromkeys(CUSTOMERS, 200),
    ),
    Case("new-ticket-page", "GET", "/tickets/new", logged_in(200)),
    Case(
        "new-ticket",
        "POST",
        "/tickets/new",
        logged_in(302),
        form=NEW_TICKET,
        writes=True,
    ),
    Case("ticket-page", "GET", "/tickets/{ticket}", ticket_read(200)),
    Case(
        "ticket-reply",
        "POST",
        "/tickets/{ticket}/comments",
        ticket_action(302, customer=302),
        form={"body": "Any news?"},
        writes=True,
    ),
    Case(
        "ticket-internal-note",
        "POST",
        "/tickets/{ticket}/comments",
        ticket_action(302, customer=403),
        form={"body": "Customer is on the old VPN client.", "internal": "true"},
        writes=True,
    ),
    Case(
        "ticket-resolve",
        "POST",
        "/tickets/{ticket}/transitions",
        # only the requester resolves: followers reply
        ticket_action(302, customer=302, contact=403),
        form={"status": "resolved"},
        writes=True,
    ),
    Case(
        "ticket-set-pending",
        "POST",
        "/tickets/{ticket}/transitions",
        ticket_action(302, customer=403),
        form={"status": "pending"},
        writes=True,
    ),
    Case(
        "ticket-close",
        "POST",
        "/tickets/{ticket}/transitions",
        ticket_action(302, customer=403),
        form={"status": "closed", "confirm": "1"},
        writes=True,
        setup={"ticket_status": TicketStatus.RESOLVED},
    ),
    # Unconfirmed, closing only asks (the confirmation page), changing nothing.
    Case(
        "ticket-close-unconfirmed",
        "POST",
        "/tickets/{ticket}/transitions",
        ticket_action(200, customer=403),
        form={"status": "closed"},
        setup={"ticket_status": TicketStatus.RESOLVED},
    ),
    Case(
        # Only the requester writes again about a closed ticket.
        "ticket-follow-up",
        "POST",
        "/tickets/{ticket}/follow-ups",
        requester_only(302),
        form={"body": "It broke again."},
        writes=True,
        setup={"ticket_status": TicketStatus.CLOSED},
    ),
    Case(
        "ticket-merge",
        "POST",
        "/tickets/{ticket}/merge",
        ticket_action(302, customer=403),
        form=lambda w: {"into": str(w.survivor.id)},
        writes=True,
    ),
    Case(
        # Agents of another line get the page back with the ticket skipped.
        "queue-bulk",
        "POST",
        "/queue/bulk",
        staff_only(302),
        form=lambda w: {"ticket_ids": [w.ticket.id], "action": "assign_me"},
        writes=("line2", "manager"),  # admins are not assignees
    ),
    Case(
        "ticket-properties",
        "POST",
        "/tickets/{ticket}/properties",
        ticket_action(302, customer=403),
        form={"priority": "P1"},
        writes=True,
    ),
    Case(
        "ticket-properties-assigned-agent",
        "POST",
        "/tickets/{ticket}/properties",
        ticket_action(302, customer=403) | {"line1": 302, "line3": 302},
        form={"priority": "P1"},
        writes=True,
        **ASSIGNED,
    ),
    Case(
        "ticket-rating",
        "POST",
        "/tickets/{ticket}/rating",
        requester_only(302),
        form={"score": "5"},
        writes=True,
        setup={"ticket_status": TicketStatus.RESOLVED},
    ),
    Case(
        "attachment-download",
        "GET",
        "/tickets/{ticket}/attachments/{attachment}",
        ticket_read(200),
    ),
    # --- the agents' workspace
    Case("queue", "GET", "/queue", staff_only(200)),
    Case("search", "GET", "/search?q=printer", staff_only(200)),
    Case("search-number", "GET", "/search?q={ticket}", staff_only(302)),
    Case(
        "saved-view-create",
        "POST",
        "/queue/views",
        staff_only(302),
        form={"name": "Mine", "priority": "P1"},
        writes=True,
    ),
    # Only one's own views: there are none here, so staff get a 404.
    Case("saved-view-delete", "POST", "/queue/views/999/delete", staff_only(404)),
    Case("queue-rows", "GET", "/queue/rows", staff_only(200)),
    Case("phone-console", "GET", "/phone", staff_only(200)),
    Case(
        "phone-caller-create",
        "POST",
        "/phone/callers",
        staff_only(302),
        form={"name": "Caller", "email": "caller@example.test"},
        writes=True,
    ),
    Case(
        "phone-ticket-create",
        "POST",
        "/phone/tickets",
        staff_only(302),
        form=_phone_ticket,
        writes=True,
    ),
    # --- administration
    Case("admin-users", "GET", "/admin/users", admin_only(200)),
    Case("admin-quarantine", "GET", "/admin/mail/quarantine", admin_only(200)),
    Case("admin-operations", "GET", "/admin/operations", admin_only(200)),
    Case("admin-audit", "GET", "/admin/audit", admin_only(200)),
    Case("admin-audit-filtered", "GET", "/admin/audit?action=user.*", admin_only(200)),
    Case(
        "admin-audit-csv",
        "GET",
        "/admin/audit.csv",
        admin_only(200),
        may_change=AUDITED,
    ),
    Case("api-audit", "GET", "/api/v1/audit", admin_only(200) | {"anonymous": LOGIN}),
    Case(
        "admin-quarantine-raw",
        "GET",
        "/admin/mail/quarantine/{quarantine}/raw",
        admin_only(200),
    ),
    Case(
        "admin-user-notifications-save",
        "POST",
        "/admin/users/{user}/notifications",
        admin_only(302),
        form={"notices": "ticket_registered"},
        writes=True,
    ),
    Case("admin-user-new-page", "GET", "/admin/users/new", admin_only(200)),
    Case(
        "admin-user-create-agent",
        "POST",
        "/admin/users/new",
        admin_only(302),
        form={
            "name": "Agent",
            "email": "agent@example.test",
            "role": "line3",
            "password": "long-enough",
            "active": "true",
        },
        writes=True,
    ),
    Case("admin-user-edit-page", "GET", "/admin/users/{user}", admin_only(200)),
    Case(
        "admin-user-promote-customer",
        "POST",
        "/admin/users/{user}",
        admin_only(302),
        form={"name": "Promoted", "role": "admin", "active": "true"},
        writes=True,
    ),
    Case(
        "admin-user-deactivate",
        "POST",
        "/admin/users/{user}",
        admin_only(302),
        form={"name": "Requester", "role": "customer", "confirm": "1"},
        writes=True,
    ),
    # Unconfirmed, a deactivation only asks, changing nothing.
    Case(
        "admin-user-deactivate-unconfirmed",
        "POST",
        "/admin/users/{user}",
        admin_only(200),
        form={"name": "Requester", "role": "customer"},
    ),
    # --- categories
    Case("admin-categories", "GET", "/admin/categories", admin_only(200)),
    Case("admin-category-new-page", "GET", "/admin/categories/new", admin_only(200)),
    Case(
        "admin-category-create",
        "POST",
        "/admin/categories/new",
        admin_only(302),
        form={"code": "vpn", "name_en": "VPN", "name_ru": "VPN", "active": "true"},
        writes=True,
    ),
    Case("admin-category-page", "GET", "/admin/categories/{category}", admin_only(200)),
    Case(
        "admin-category-edit",
        "POST",
        "/admin/categories/{category}",
        admin_only(302),
        form={"name_en": "Access", "name_ru": "Доступ", "active": "true"},
        writes=True,
    ),
    Case(
        "api-category-create",
        "POST",
        "/api/v1/categories",
        admin_only(201),
        json={"code": "vpn", "name_en": "VPN", "name_ru": "VPN"},
        writes=True,
    ),
    Case("api-category-get", "GET", "/api/v1/categories/{category}", logged_in(200)),
    Case(
        "api-category-patch",
        "PATCH",
        "/api/v1/categories/{category}",
        admin_only(200),
        json={"name_en": "Access rights"},
        writes=True,
    ),
    # --- custom fields of a category (helpdesk.custom_fields)
    Case(
        "admin-field-new-page",
        "GET",
        "/admin/categories/{category}/fields/new",
        admin_only(200),
    ),
    Case(
        "admin-field-create",
        "POST",
        "/admin/categories/{category}/fields/new",
        admin_only(302),
        form=NEW_FIELD | {"active": "true"},
        writes=True,
    ),
    Case("admin-field-page", "GET", "/admin/fields/{field}", admin_only(200)),
    Case(
        "admin-field-edit",
        "POST",
        "/admin/fields/{field}",
        admin_only(302),
        form={"label_en": "Asset number", "label_ru": "Номер", "active": "true"},
        writes=True,
    ),
    Case(
        "api-field-list",
        "GET",
        "/api/v1/categories/{category}/fields",
        logged_in(200),
    ),
    Case(
        "api-field-create",
        "POST",
        "/api/v1/categories/{category}/fields",
        admin_only(201),
        json=NEW_FIELD,
        writes=True,
    ),
    Case("api-field-get", "GET", "/api/v1/fields/{field}", logged_in(200)),
    Case(
        "api-field-patch",
        "PATCH",
        "/api/v1/fields/{field}",
        admin_only(200),
        json={"required": True},
        writes=True,
    ),
    Case(
        "ticket-fields",
        "POST",
        "/tickets/{ticket}/fields",
        ticket_action(302, customer=403),
        form={"cf.access.asset_tag": "INV-7"},
        writes=True,
    ),
    Case(
        "custom-fields-script",
        "GET",
        "/custom-fields/static/custom-fields.js",
        everyone(200),
    ),
    Case(
        "admin-user-two-factor-reset",
        "POST",
        "/admin/users/{user}/two-factor/reset",
        admin_only(302),
        writes=True,
    ),
    Case("api-my-sessions", "GET", "/api/v1/me/sessions", logged_in(200)),
    Case("api-my-session-end", "DELETE", "/api/v1/me/sessions/999", logged_in(404)),
    Case("api-two-factor-roles", "GET", "/api/v1/settings/two-factor", admin_only(200)),
    Case(
        "api-two-factor-roles-put",
        "PUT",
        "/api/v1/settings/two-factor",
        admin_only(200),
        json={"roles": ["manager"]},
        writes=True,
    ),
    # The requester has no second factor: nothing to turn off but the entry.
    Case(
        "api-two-factor-reset",
        "POST",
        "/api/v1/users/{user}/two-factor-resets",
        admin_only(201),
        may_change=AUDITED,
    ),
    # --- sign-in security
    Case("admin-security-page", "GET", "/admin/security", admin_only(200)),
    Case(
        "admin-security-save",
        "POST",
        "/admin/security",
        admin_only(302),
        form={"roles": "manager"},
        writes=True,
    ),
    # --- macros: admins write them, agents apply them on their tickets
    Case("admin-macros", "GET", "/admin/macros", admin_only(200)),
    Case("admin-macro-new-page", "GET", "/admin/macros/new", admin_only(200)),
    Case(
        "admin-macro-create",
        "POST",
        "/admin/macros/new",
        admin_only(302),
        form={
            "title": "Ask for logs",
            "body": "Please send the logs.",
            "priority": "P2",
        },
        writes=True,
    ),
    Case("admin-macro-edit-page", "GET", "/admin/macros/{macro}", admin_only(200)),
    Case(
        "admin-macro-save",
        "POST",
        "/admin/macros/{macro}",
        admin_only(302),
        form={"title": "Renamed macro", "status": "pending"},
        writes=True,
    ),
    Case(
        "admin-macro-delete",
        "POST",
        "/admin/macros/{macro}/delete",
        admin_only(302),
        form={"confirm": "1"},
        writes=True,
    ),
    # Unconfirmed, a deletion only asks, changing nothing.
    Case(
        "admin-macro-delete-unconfirmed",
        "POST",
        "/admin/macros/{macro}/delete",
        admin_only(200),
    ),
    Case(
        "ticket-macro-apply",
        "POST",
        "/tickets/{ticket}/macros",
        ticket_action(302, customer=403),
        form={"macro_id": "{macro}"},
        writes=True,
    ),
    Case("api-macro-list", "GET", "/api/v1/macros", staff_only(200)),
    Case(
        "api-macro-create",
        "POST",
        "/api/v1/macros",
        admin_only(201) | {"anonymous": LOGIN},
        json={"title": "From the API", "line": 2},
        writes=True,
    ),
    Case("api-macro-get", "GET", "/api/v1/macros/{macro}", staff_only(200)),
    Case(
        "api-macro-patch",
        "PATCH",
        "/api/v1/macros/{macro}",
        admin_only(200) | {"anonymous": LOGIN},
        json={"priority": "P2"},
        writes=True,
    ),
    Case(
        "api-macro-delete",
        "DELETE",
        "/api/v1/macros/{macro}",
        admin_only(204) | {"anonymous": LOGIN},
        writes=True,
    ),
    Case(
        "api-macro-preview",
        "POST",
        "/api/v1/tickets/{ticket}/macro-previews",
        # the requester's colleague sees no ticket of theirs (a contact would)
        staff_only(200) | {"other_customer": 404, "org_member": 404},
        json={"macro_id": "{macro}"},
    ),
    Case(
        "api-macro-apply",
        "POST",
        "/api/v1/tickets/{ticket}/macros",
        ticket_action(200, customer=403),
        json={"macro_id": "{macro}"},
        writes=True,
    ),
    # --- imports and exports
    Case("admin-imports", "GET", "/admin/imports", admin_only(200)),
    Case(
        "admin-import-upload",
        "POST",
        "/admin/imports",
        admin_only(302),
        form=lambda w: {"kind": "users", "file": (io.BytesIO(IMPORT_CSV), "users.csv")},
        writes=True,
    ),
    Case("admin-import-page", "GET", "/admin/imports/{import}", admin_only(200)),
    Case(
        "admin-import-status", "GET", "/admin/imports/{import}/status", admin_only(200)
    ),
    Case(
        "admin-import-mapping",
        "POST",
        "/admin/imports/{import}/mapping",
        admin_only(302),
        form={"column-0": "email", "column-1": "name"},
        writes=True,
    ),
    Case(
        "admin-import-confirm",
        "POST",
        "/admin/imports/{import}/confirm",
        admin_only(302),
        writes=True,
    ),
    Case(
        "admin-import-template",
        "GET",
        "/admin/imports/templates/tickets.xlsx",
        admin_only(200),
    ),
    # Exports are audited.
    Case(
        "queue-export-csv",
        "GET",
        "/queue/export.csv",
        staff_only(200),
        may_change=AUDITED,
    ),
    Case(
        "queue-export-xlsx",
        "GET",
        "/queue/export.xlsx",
        staff_only(200),
        may_change=AUDITED,
    ),
    Case(
        "search-export-csv",
        "GET",
        "/search/export.csv?q=printer",
        staff_only(200),
        may_change=AUDITED,
    ),
    Case(
        "search-export-xlsx",
        "GET",
        "/search/export.xlsx?status=new",
        staff_only(200),
        may_change=AUDITED,
    ),
    # --- the API
    Case(
        "api-auth-token",
        "POST",
        "/api/v1/auth/token",
        # Each actor asks with its own password (anonymous: the customer's);
        # customers' tokens are off unless API_TOKENS_FOR_CUSTOMERS is set.
        everyone(201) | {"anonymous": 403} | dict.fromkeys(CUSTOMERS, 403),
        json=lambda w: {"email": (w.user or w.customer).email, "password": PASSWORD},
        writes=True,
    ),
    Case("api-me", "GET", "/api/v1/me", logged_in(200)),
    Case("api-my-tokens", "GET", "/api/v1/me/tokens", logged_in(200)),
    Case(
        "api-token-revoke-customers-token",
        "DELETE",
        "/api/v1/me/tokens/{token}",
        dict.fromkeys(ACTORS, 404) | {"anonymous": LOGIN, "customer": 204},
        writes=True,
    ),
    Case("api-categories", "GET", "/api/v1/categories", logged_in(200)),
    Case("api-ticket-list", "GET", "/api/v1/tickets", logged_in(200)),
    Case(
        "api-ticket-create",
        "POST",
        "/api/v1/tickets",
        logged_in(201),
        json=NEW_TICKET,
        writes=True,
    ),
    Case("api-ticket-get", "GET", "/api/v1/tickets/{ticket}", ticket_read(200)),
    Case(
        "api-ticket-patch",
        "PATCH",
        "/api/v1/tickets/{ticket}",
        ticket_action(200, customer=403),
        json={"priority": "P1"},
        writes=True,
    ),
    Case(
        "api-ticket-patch-assigned-agent",
        "PATCH",
        "/api/v1/tickets/{ticket}",
        ticket_action(200, customer=403) | {"line1": 200, "line3": 200},
        json={"priority": "P1"},
        writes=True,
        **ASSIGNED,
    ),
    Case(
        "api-comment-list",
        "GET",
        "/api/v1/tickets/{ticket}/comments",
        ticket_read(200),
    ),
    Case(
        "api-reply",
        "POST",
        "/api/v1/tickets/{ticket}/comments",
        ticket_action(201, customer=201),
        json={"body": "Any news?"},
        writes=True,
    ),
    Case(
        "api-reply-assigned-agent",
        "POST",
        "/api/v1/tickets/{ticket}/comments",
        ticket_action(201, customer=201) | {"line1": 201, "line3": 201},
        json={"body": "Any news?"},
        writes=True,
        **ASSIGNED,
    ),
    Case(
        "api-internal-note",
        "POST",
        "/api/v1/tickets/{ticket}/comments",
        ticket_action(201, customer=403),
        json={"body": "Customer is on the old VPN client.", "internal": True},
        writes=True,
    ),
    Case("api-event-list", "GET", "/api/v1/tickets/{ticket}/events", ticket_read(200)),
    Case(
        "api-merge",
        "POST",
        "/api/v1/tickets/{ticket}/merges",
        ticket_action(201, customer=403),
        json=lambda w: {"into": w.survivor.id},
        writes=True,
    ),
    Case(
        "api-resolve",
        "POST",
        "/api/v1/tickets/{ticket}/transitions",
        ticket_action(201, customer=201, contact=403),
        json={"status": "resolved"},
        writes=True,
    ),
    Case(
        "api-set-pending",
        "POST",
        "/api/v1/tickets/{ticket}/transitions",
        ticket_action(201, customer=403),
        json={"status": "pending"},
        writes=True,
    ),
    Case(
        "api-set-pending-assigned-agent",
        "POST",
        "/api/v1/tickets/{ticket}/transitions",
        ticket_action(201, customer=403) | {"line1": 201, "line3": 201},
        json={"status": "pending"},
        writes=True,
        **ASSIGNED,
    ),
    Case(
        "api-follow-up",
        "POST",
        "/api/v1/tickets/{ticket}/follow-ups",
        requester_only(201),
        json={"body": "It broke again."},
        writes=True,
        setup={"ticket_status": TicketStatus.CLOSED},
    ),
    Case(
        "api-rating",
        "POST",
        "/api/v1/tickets/{ticket}/ratings",
        requester_only(201),
        json={"score": 5},
        writes=True,
        setup={"ticket_status": TicketStatus.RESOLVED},
    ),
    # --- undo and presence: an undo is its doer's (another agent here) or an
    # admin's; the others are told why not (409), requesters see none (404).
    Case(
        "undo",
        "POST",
        "/undo/{undo}",
        staff_only(409) | dict.fromkeys(CUSTOMERS, 404) | {"admin": 302},
        writes=("admin",),
    ),
    Case(
        "api-undo",
        "POST",
        "/api/v1/undo/{undo}",
        staff_only(409) | dict.fromkeys(CUSTOMERS, 404) | {"admin": 200},
        writes=("admin",),
    ),
    # --- API parity: what the pages do, for programs
    Case(
        "api-attachment-list",
        "GET",
        "/api/v1/tickets/{ticket}/attachments",
        ticket_read(200),
    ),
    Case(
        "api-attachment-upload",
        "POST",
        "/api/v1/tickets/{ticket}/attachments",
        # line 1 and 3 may read the line-2 ticket, not add to it
        ticket_read(201) | {"line1": 403, "line3": 403},
        form=lambda w: {"attachment": (io.BytesIO(b"a log\n"), "log.txt")},
        writes=True,
    ),
    Case(
        "api-attachment-get",
        "GET",
        "/api/v1/attachments/{attachment}",
        ticket_read(200),
    ),
    Case(
        "api-attachment-content",
        "GET",
        "/api/v1/attachments/{attachment}/content",
        ticket_read(200),
    ),
    Case(
        "api-bulk-update",
        "POST",
        "/api/v1/tickets/bulk-updates",
        # as the page: the ticket is skipped for line 1 and 3 (not their
        # line) and for the admin (no agent to assign)
        staff_only(201),
        json=lambda w: {"ticket_ids": [w.ticket.id], "action": "assign_me"},
        writes=("line2", "manager"),
    ),
    Case("api-views", "GET", "/api/v1/me/views", staff_only(200)),
    Case(
        "api-view-create",
        "POST",
        "/api/v1/me/views",
        staff_only(201),
        json={"name": "Mine", "filters": {"priority": "P1"}},
        writes=True,
    ),
    Case("api-view-delete", "DELETE", "/api/v1/me/views/999", staff_only(404)),
    Case(
        "api-me-patch",
        "PATCH",
        "/api/v1/me",
        logged_in(200),
        json={"name": "Renamed"},
        writes=True,
    ),
    Case("api-my-notifications", "GET", "/api/v1/me/notifications", logged_in(200)),
    Case(
        "api-my-notifications-put",
        "PUT",
        "/api/v1/me/notifications",
        logged_in(200),
        json={"notices": []},
        writes=True,
    ),
    Case("api-users", "GET", "/api/v1/users?q=Requester", staff_only(200)),
    # Line staff register callers (customers); an admin must name the role.
    Case(
        "api-user-create",
        "POST",
        "/api/v1/users",
        staff_only(201) | {"admin": 422},
        json={"name": "Caller", "email": "caller@example.test"},
        writes=True,
    ),
    Case(
        "api-user-get",
        "GET",
        "/api/v1/users/{user}",
        logged_in(200) | {"other_customer": 404, "org_contact": 404, "org_member": 404},
    ),
    Case(
        "api-user-patch",
        "PATCH",
        "/api/v1/users/{user}",
        admin_only(200),
        json={"name": "Renamed"},
        writes=True,
    ),
    Case(
        "api-user-notifications",
        "GET",
        "/api/v1/users/{user}/notifications",
        admin_only(200),
    ),
    Case(
        "api-user-notifications-put",
        "PUT",
        "/api/v1/users/{user}/notifications",
        admin_only(200),
        json={"notices": []},
        writes=True,
    ),
    Case("api-imports", "GET", "/api/v1/imports", admin_only(200)),
    Case(
        "api-import-upload",
        "POST",
        "/api/v1/imports",
        admin_only(201),
        form=lambda w: {"kind": "users", "file": (io.BytesIO(IMPORT_CSV), "users.csv")},
        writes=True,
    ),
    Case("api-import-get", "GET", "/api/v1/imports/{import}", admin_only(200)),
    Case(
        "api-import-mapping",
        "POST",
        "/api/v1/imports/{import}/mappings",
        admin_only(201),
        json={"columns": {"email": "email", "name": "name"}},
        writes=True,
    ),
    Case(
        "api-import-confirm",
        "POST",
        "/api/v1/imports/{import}/confirmations",
        admin_only(201),
        writes=True,
    ),
    Case(
        "api-viewers",
        "POST",
        "/api/v1/tickets/{ticket}/viewers",
        staff_only(200) | {"other_customer": 404, "org_member": 404},
        json={"activity": "replying"},
        writes=True,
    ),
    *ORGANISATION_CASES,
    *WATCHER_CASES,
]


# --- arrangement ------------------------------------------------------------


def _world_of(case: Case) -> dict:
    return {
        "ticket_status": case.setup.get("ticket_status", TicketStatus.OPEN),
        "assign_actor": case.setup.get("assign_actor", False),
        "survivor": "merge" in case.path,
        "attachment": "{attachment}" in case.path,
        "token": "{token}" in case.path,
        "session": "{session}" in case.path,
        "quarantine": "{quarantine}" in case.path,
        "import": "{import}" in case.path,
        "undo": "{undo}" in case.path,
        "macro": "macro" in case.name,
        "watcher": case.setup.get("watcher", False),
        "actor_watches": case.setup.get("actor_watches", False),
        "field": "{field}" in case.path or "/fields" in case.path,
    }


def make_undoable_change(ticket):
    """Another agent's priority change, still undoable."""
    doer = make_user(role=Role.LINE2, name="Doer")
    target, now = (
        db.session.get(Ticket, ticket.id),
        datetime(2026, 11, 23, 9, tzinfo=UTC),
    )
    action = undo.begin(
        UndoKind.UPDATE, [target], actor=doer, now=now, settings=current_app.config
    )
    ticket_service.update_ticket(target, {"priority": Priority.P1}, actor=doer, now=now)
    return undo.finish(action)


def make_quarantined():
    return quarantine(
        b"Subject: broken\r\n\r\nx",
        QuarantineReason.MALFORMED,
        detail="test",
        now=datetime(2026, 11, 23, 9, tzinfo=UTC),
    )


IMPORT_CSV = "email,name\nivan@example.test,Иван\n".encode()


def make_import_job(uploader):
    """An uploaded, checked users file waiting for confirmation."""
    actor, now = (
        db.session.get(User, uploader.id),
        datetime(2026, 11, 23, 9, tzinfo=UTC),
    )
    job = jobs.create_job(
        "users", "users.csv", IMPORT_CSV, strict=False, actor=actor, now=now
    )
    jobs.check(job, actor=actor, now=now)
    return job


def _watch(ticket, user) -> TicketWatcher:
    row = TicketWatcher(
        ticket_id=ticket.id,
        user_id=user.id,
        created_at=datetime(2026, 11, 23, 9, tzinfo=UTC),
    )
    db.session.add(row)
    db.session.flush()
    return row


def _arrange(setup: dict, actor: str, fx) -> SimpleNamespace:
    given = fx.given
    category = given(make_category, "access")
    customer = make_requester(given)
    user = make_actor(given, actor, customer)
    ticket = given(
        make_ticket,
        requester=customer,
        line=TICKET_LINE,
        status=setup["ticket_status"],
        assignee_id=user.id if setup["assign_actor"] and user else None,
    )
    world = SimpleNamespace(customer=customer, user=user, ticket=ticket)
    # Another plain member of the requester's organisation (added as a
    # watcher), and a customer of no organisation (who joins one).
    world.colleague = given(
        make_user, name="Colleague", organisation=REQUESTERS_ORGANISATION
    )
    world.outsider = given(make_user, name="Outsider")
    world.organisation = given(organisation_of, customer)
    world.watcher_row = (
        given(_watch, ticket, world.colleague) if setup["watcher"] else None
    )
    if setup["actor_watches"] and user is not None:
        given(_watch, ticket, user)
    world.survivor = (
        given(make_ticket, requester=customer, line=TICKET_LINE)
        if setup["survivor"]
        else None
    )
    world.attachment = (
        given(make_attachment, ticket, uploader=customer)
        if setup["attachment"]
        else None
    )
    world.token = fx.bearer.token(customer) if setup["token"] else None
    world.signin = given(make_session, customer) if setup["session"] else None
    world.quarantine = given(make_quarantined) if setup["quarantine"] else None
    world.job = given(make_import_job, customer) if setup["import"] else None
    world.undo = given(make_undoable_change, ticket) if setup["undo"] else None
    world.macro = (
        given(make_macro, title="Escalation check", body="On it.", priority="P1")
        if setup["macro"]
        else None
    )
    world.field = given(make_field, "asset_tag") if setup["field"] else None
    world.ids = {
        "ticket": ticket.id,
        "category": category.id,
        "attachment": world.attachment.id if world.attachment else 0,
        "token": world.token.id if world.token else 0,
        "session": world.signin.id if world.signin else 0,
        "user": customer.id,
        "quarantine": world.quarantine.id if world.quarantine else 0,
        "import": world.job.id if world.job else 0,
        "undo": world.undo.id if world.undo else 0,
        "macro": world.macro.id if world.macro else 0,
        "field": world.field.id if world.field else 0,
        "reset_link": _reset_link(fx.app, customer),
        "organisation": world.organisation.id,
        "watcher": world.colleague.id,
        "watcher_row": world.watcher_row.id if world.watcher_row else 0,
        "me": user.id if user else 0,
    }
    return world


def organisation_of(user):
    return db.session.get(User, user.id).organisation


def _reset_link(app, customer) -> str:
    with app.app_context():
        user = db.session.get(User, customer.id)
        return password_links.make_token(user, password_links.LinkKind.RESET)


def _core_route(rule) -> bool:
    """The core's routes; the packages keep their own matrices."""
    return not (
        # tests/knowledge_base/test_permissions.py
        rule.endpoint.startswith("knowledge_base")
        # tests/sla/test_admin.py
        or rule.rule.startswith(("/sla", "/api/v1/sla"))
        # tests/routing/test_permissions.py (its /routing pages, /api/v1/routing
        # and /api/v1/tickets/{id}/escalations)
        or rule.endpoint.startswith("routing")
        # tests/reports/test_permissions.py
        or rule.endpoint.startswith(("reports.", "reports_api."))
    )


MATRIX = Matrix(cases=CASES, arrange=_arrange, owns=_core_route, world_of=_world_of)


# --- tests ------------------------------------------------------------------


@pytest.mark.parametrize(("case", "actor"), MATRIX.cells())
def test_permission_matrix(case: Case, actor: str, permission_check):
    permission_check(MATRIX, case, actor)


def test_every_route_is_in_the_matrix(app):
    """A new route fails here until ``CASES`` says who may call it."""
    MATRIX.assert_covers(app)


# --- rules the matrix states only by example ----------------------------------


@pytest.mark.parametrize(
    ("start", "target", "expected"),
    [
        (TicketStatus.NEW, TicketStatus.OPEN, 403),
        (TicketStatus.NEW, TicketStatus.PENDING, 403),
        (TicketStatus.NEW, TicketStatus.CLOSED, 403),
        (TicketStatus.RESOLVED, TicketStatus.CLOSED, 403),
        (TicketStatus.PENDING, TicketStatus.OPEN, 403),
        (TicketStatus.OPEN, TicketStatus.RESOLVED, 201),
        (TicketStatus.RESOLVED, TicketStatus.REOPENED, 201),
    ],
    ids=lambda v: v.value if isinstance(v, TicketStatus) else str(v),
)
def test_customers_may_only_resolve_or_reopen(
    start, target, expected, app, client, given, bearer
):
    """Every target is legal from ``start``: only the role can refuse it."""
    given(make_category, "access")
    customer = given(make_user, role=Role.CUSTOMER)
    ticket = given(make_ticket, requester=customer, status=start)
    headers = bearer(customer)
    before = db_state(app)

    response = client.post(
        f"/api/v1/tickets/{ticket.id}/transitions",
        headers=headers,
        json={"status": target.value},
    )

    assert response.status_code == expected, response.json
    if expected == 403:
        assert error_of(response)["code"] == "forbidden"
        assert_unchanged(app, before)
    else:
        assert response.json["status"] == target.value


@pytest.mark.parametrize(
    ("actor_role", "actor_assigned", "assignee_role", "expected"),
    [
        pytest.param(Role.LINE2, False, Role.LINE2, 200, id="line2-to-line2-colleague"),
        pytest.param(Role.LINE2, False, "self", 200, id="line2-to-self"),
        pytest.param(Role.LINE2, False, Role.LINE1, 403, id="line2-to-line1-agent"),
        pytest.param(Role.LINE2, False, Role.LINE3, 403, id="line2-to-line3-agent"),
        pytest.param(Role.LINE2, False, Role.MANAGER, 403, id="line2-to-manager"),
        pytest.param(Role.LINE1, False, "self", 403, id="line1-to-self-off-line"),
        pytest.param(Role.LINE1, True, Role.LINE2, 200, id="line1-assignee-to-line2"),
        pytest.param(Role.LINE1, True, Role.LINE1, 403, id="line1-assignee-to-line1"),
        pytest.param(Role.LINE3, False, Role.LINE2, 403, id="line3-to-line2-off-line"),
        pytest.param(Role.MANAGER, False, Role.LINE3, 200, id="manager-to-line3"),
        pytest.param(Role.MANAGER, False, Role.MANAGER, 200, id="manager-to-manager"),
        pytest.param(Role.ADMIN, False, Role.LINE1, 200, id="admin-to-line1"),
        pytest.param(Role.MANAGER, False, Role.CUSTOMER, 422, id="manager-to-customer"),
        pytest.param(Role.MANAGER, False, Role.ADMIN, 422, id="manager-to-admin"),
        pytest.param(Role.MANAGER, False, "inactive", 422, id="manager-to-inactive"),
    ],
)
def test_agents_assign_only_within_the_tickets_line(
    actor_role, actor_assigned, assignee_role, expected, app, client, given, bearer
):
    given(make_category, "access")
    customer = given(make_user, role=Role.CUSTOMER)
    actor = given(make_user, role=actor_role)
    if assignee_role == "self":
        assignee = actor
    elif assignee_role == "inactive":
        assignee = given(make_user, role=Role.LINE2, active=False)
    else:
        assignee = given(make_user, role=assignee_role)
    ticket = given(
        make_ticket,
        requester=customer,
        line=TICKET_LINE,
        assignee_id=actor.id if actor_assigned else None,
    )
    headers = bearer(actor)
    before = db_state(app)

    response = client.patch(
        f"/api/v1/tickets/{ticket.id}", headers=headers, json={"assignee": assignee.id}
    )

    assert response.status_code == expected, response.json
    if expected == 200:
        assert response.json["assignee"]["id"] == assignee.id
    else:
        error_of(response)
        assert_unchanged(app, before)


def test_assign_to_me_on_the_page_is_refused_off_line(app, client, given, login):
    given(make_category, "access")
    customer = given(make_user, role=Role.CUSTOMER)
    agent = given(make_user, role=Role.LINE3)
    ticket = given(make_ticket, requester=customer, line=TICKET_LINE)
    login(agent)
    before = db_state(app)

    response = client.post(
        f"/tickets/{ticket.id}/properties", data={"assignee": str(agent.id)}
    )

    assert response.status_code == 403
    assert_unchanged(app, before)

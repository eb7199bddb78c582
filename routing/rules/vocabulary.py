"""The words rules are made of: triggers, fields and their operators, actions
and their parameters, and the values a database allows (``Vocabulary``)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field


class Trigger(enum.StrEnum):
    TICKET_CREATED = "ticket_created"
    TICKET_UPDATED = "ticket_updated"
    CUSTOMER_REPLIED = "customer_replied"
    SLA_WARNING = "sla_warning"
    SLA_BREACH = "sla_breach"
    UNASSIGNED = "unassigned_for_minutes"


class Match(enum.StrEnum):
    ALL = "all"
    ANY = "any"


# --- the vocabulary -----------------------------------------------------------

CHOICE_OPS = ("eq", "ne", "in", "not_in")
TEXT_OPS = (
    "eq",
    "ne",
    "in",
    "not_in",
    "contains",
    "not_contains",
    "contains_any",
    "regex",
    "is_empty",
    "is_set",
)
NUMBER_OPS = ("eq", "ne", "in", "not_in", "gt", "lt")
USER_OPS = ("eq", "ne", "is_empty", "is_set")
# A ticket's tags: "contains" is "has this tag", not a substring.
TAG_OPS = ("contains", "not_contains", "contains_any", "is_empty", "is_set")
LIST_OPS = frozenset({"in", "not_in", "contains_any"})
NO_VALUE_OPS = frozenset({"is_empty", "is_set"})

# Field name -> kind. Choice fields take their values from the vocabulary.
FIELDS: dict[str, str] = {
    "category": "choice",
    "priority": "choice",
    "channel": "choice",
    "status": "choice",
    "sla_target": "choice",  # set only for the SLA triggers
    "line": "number",
    "organization": "text",  # the requester's organisation (its name)
    "plan": "text",  # the requester's organisation's plan
    "subject": "text",
    "description": "text",
    "text": "text",  # subject and description together
    "assignee": "user",
    "tags": "tags",  # the ticket's tags (lower-case)
}
OPS_BY_KIND = {
    "choice": CHOICE_OPS,
    "text": TEXT_OPS,
    "number": NUMBER_OPS,
    "user": USER_OPS,
    "tags": TAG_OPS,
}
TEXT_FIELDS = tuple(name for name, kind in FIELDS.items() if kind == "text")

# A ticket's custom field is named ``field:<key>`` (helpdesk.custom_fields);
# its operators follow the field's kind (the vocabulary knows each key's).
FIELD_PREFIX = "field:"
CUSTOM_OPS_BY_KIND = {
    "text": TEXT_OPS,
    "choice": ("eq", "ne", "in", "not_in", "is_empty", "is_set"),
    "number": ("eq", "ne", "in", "not_in", "gt", "lt", "is_empty", "is_set"),
    "date": ("eq", "ne", "gt", "lt", "is_empty", "is_set"),
    "checkbox": ("eq", "ne"),
}

# Action type -> its parameters (name -> kind). "line?" may be null: the ticket's line.
ACTIONS: dict[str, dict[str, str]] = {
    "set_line": {"line": "line"},
    "escalate": {},  # to the next line up
    "set_category": {"category": "category"},
    "set_priority": {"priority": "priority"},
    "assign_agent": {"user_id": "agent"},
    "assign_least_loaded": {"line": "line?"},
    "add_note": {"body": "note"},
    "notify_user": {"user_id": "staff"},
    "notify_line": {"line": "line?"},
    "notify_managers": {},
    # whoever they are on this ticket: its requester, its assignee
    "notify_requester": {},
    "notify_assignee": {},
    # a checklist: [{"title", "line" or "agent_id", "due_minutes"}]
    "start_process": {"tasks": "tasks"},
    # a non-empty list of tags, added to or removed from the ticket's
    "add_tags": {"tags": "tags"},
    "remove_tags": {"tags": "tags"},
}
LINES = (1, 2, 3)
MAX_CONDITIONS = 20
MAX_ACTIONS = 10
MAX_REGEX_LENGTH = 500
MAX_NOTE_LENGTH = 2000
MAX_UNASSIGNED_MINUTES = 30 * 24 * 60
MAX_TASKS = 20
MAX_TASK_TITLE_LENGTH = 200
MAX_DUE_MINUTES = 90 * 24 * 60
MAX_TAG_LENGTH = 40
MAX_TAGS = 20  # in one condition's or one action's list


@dataclass(frozen=True)
class Vocabulary:
    """What names and values a rule may use; the service fills it from the
    database and the core's enums."""

    categories: frozenset[str] = frozenset()
    priorities: frozenset[str] = frozenset({"P1", "P2", "P3", "P4"})
    channels: frozenset[str] = frozenset({"web", "phone", "api", "email"})
    statuses: frozenset[str] = frozenset(
        {
            "new",
            "open",
            "pending",
            "resolved",
            "reopened",
            "closed",
            "waiting_line3",
            "confirm_fix",
        }
    )
    sla_targets: frozenset[str] = frozenset(
        {"first_response", "next_response", "resolution"}
    )
    agents: frozenset[int] = frozenset()  # active users tickets may be assigned to
    staff: frozenset[int] = frozenset()  # active staff who may be notified
    # custom field key -> its kind, and a choice field's values (any category's)
    custom_fields: Mapping[str, str] = field(default_factory=dict)
    custom_choices: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def choices(self, field_name: str) -> frozenset[str]:
        return {
            "category": self.categories,
            "priority": self.priorities,
            "channel": self.channels,
            "status": self.statuses,
            "sla_target": self.sla_targets,
        }[field_name]

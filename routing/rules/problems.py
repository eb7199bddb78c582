"""What rule validation reports, and the checks both a rule's conditions and
its actions make (tags, integers)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from helpdesk.i18n import N_
from routing.rules.vocabulary import MAX_TAG_LENGTH


@dataclass(frozen=True)
class Problem:
    """One validation failure: where, and a message id with its parameters
    (translated at the edge)."""

    path: str
    message: str
    params: Mapping[str, Any] = field(default_factory=dict)


_TAG = re.compile(r"[^\W_]|[-_]")


def is_tag(value: Any) -> bool:
    """A tag: 1 to MAX_TAG_LENGTH lower-case letters, digits, "-" or "_"."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= MAX_TAG_LENGTH
        and value == value.lower()
        and all(_TAG.fullmatch(char) for char in value)
    )


def tag_problem(path: str, value: Any) -> Problem | None:
    if is_tag(value):
        return None
    return Problem(
        path,
        N_(
            "A tag is 1 to %(count)s lower-case letters, digits, “-” or “_”; "
            "not “%(value)s”."
        ),
        {"count": MAX_TAG_LENGTH, "value": value},
    )


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)

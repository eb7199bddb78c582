"""Custom fields in SLA policy conditions: ``{"field:<key>": ["value", ...]}``
accepts a ticket whose field has one of the values (as text: a choice's
value, a number, ``YYYY-MM-DD``, ``true``/``false``). Routing rules name
fields the same way, with operators (``routing.rules``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from helpdesk.custom_fields import values
from helpdesk.custom_fields.definitions import CONDITION_PREFIX, book


def is_field_condition(name: str) -> bool:
    return name.startswith(CONDITION_PREFIX)


def check_policy_conditions(conditions: dict[str, list[str]]) -> list[str]:
    """Check the ``field:<key>`` conditions against the fields' kinds and put
    each value in the form the ticket's fact takes (``5.0`` -> ``5``);
    answers the problems (messages), [] when all is well."""
    found = book()
    problems = []
    for name in [n for n in conditions if is_field_condition(n)]:
        key = name[len(CONDITION_PREFIX) :]
        spec = next((s for s in found.by_id.values() if s.key == key), None)
        if spec is None:
            problems.append(
                str(_l("No category has a field with the key “%(key)s”.", key=key))
            )
            continue
        choices = found.choices_of_key(key)
        normalized = []
        for text in conditions[name]:
            try:
                value = (
                    text
                    if spec.kind.value == "choice" and text in choices
                    else values.parse(spec, text)
                )
            except values.BadValue as bad:
                problems.append(str(bad.message))
                continue
            fact = values.to_json(value)
            normalized.append(
                ("true" if fact else "false") if isinstance(fact, bool) else str(fact)
            )
        conditions[name] = list(dict.fromkeys(normalized))
    return problems

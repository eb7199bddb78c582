"""Confirmation of the actions that cannot be undone (closing a ticket,
deleting a rule, a policy, a calendar, an article or a canned reply,
deactivating a user, marking a defect fixed).

The page's form carries ``confirm=1`` only once someone said yes: app.js asks
in a dialog and adds it; without JavaScript (or with a stray or replayed
form) the server answers the first POST with a confirmation page that says
what will happen and repeats the form with ``confirm=1``. So the server never
does such an action on a single unconfirmed submit. The API is not asked:
programs confirm by calling.

A view checks the input and the permission first, so the page never offers
what would then be refused, and asks last::

    if not confirm.confirmed():
        return confirm.ask(title=..., consequences=[...], button=..., back=...)
"""

from __future__ import annotations

from flask import render_template, request

CONFIRM_FIELD = "confirm"
# Never repeated as a hidden field: the page has its own CSRF token.
_NOT_CARRIED = frozenset({CONFIRM_FIELD, "csrf_token"})


def confirmed() -> bool:
    """Whether the submitted form says yes."""
    return request.form.get(CONFIRM_FIELD) == "1"


def ask(
    *,
    title: str,
    consequences: list[str],
    button: str,
    back: str,
    final: bool = True,
):
    """The confirmation page for this POST: ``title`` asks the question,
    ``consequences`` say what will happen, ``button`` does it (the same
    request again, with ``confirm=1``), and "Cancel" goes to ``back``.
    ``final``: the page adds that it cannot be undone."""
    action = request.path
    if request.query_string:
        action += "?" + request.query_string.decode("utf-8", "replace")
    fields = [
        (name, value)
        for name, values in request.form.lists()
        if name not in _NOT_CARRIED
        for value in values
    ]
    page = render_template(
        "confirm.html",
        title=title,
        consequences=consequences,
        button=button,
        back=back,
        action=action,
        fields=fields,
        final=final,
    )
    return page, 200

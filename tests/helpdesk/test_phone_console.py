"""The phone console, one screen for the whole call: it says where a
routing rule sent the call it just registered, and its blocks are the ones
the page swaps in place (the browser side is tests/e2e)."""

from __future__ import annotations

from helpdesk.vocabulary import Role
from tests.builders import make_category, make_user
from tests.routing.builders import make_rule


def test_a_call_a_rule_sends_to_line_2_says_so_instead_of_a_hidden_panel(
    client, given, login
):
    given(make_category, "hardware")
    given(
        make_rule, name="Printers to line 2", actions=[{"type": "set_line", "line": 2}]
    )
    caller = given(make_user, role=Role.CUSTOMER, name="Pavel")
    login(given(make_user, role=Role.LINE1))

    response = client.post(
        "/phone/tickets",
        data={
            "requester_id": caller.id,
            "subject": "Printer jams",
            "description": "Floor 3",
            "category": "hardware",
            "priority": "P3",
        },
        follow_redirects=True,
    )

    page = response.get_data(as_text=True)
    assert (
        "HD-000001 registered and sent to line 2 by rule “Printers to line 2”." in page
    )
    assert (
        "Sent to line 2 by rule “Printers to line 2”: line 2 takes it from here."
        in page
    )
    assert 'id="routing-phone-escalation"' not in page  # not theirs to escalate now


def test_a_call_no_rule_moves_is_just_registered_with_the_escalation_at_hand(
    client, given, login
):
    given(make_category, "hardware")
    caller = given(make_user, role=Role.CUSTOMER)
    login(given(make_user, role=Role.LINE1))

    page = client.post(
        "/phone/tickets",
        data={
            "requester_id": caller.id,
            "subject": "Printer jams",
            "description": "Floor 3",
            "category": "hardware",
        },
        follow_redirects=True,
    ).get_data(as_text=True)

    assert "HD-000001 registered." in page and "by rule" not in page
    assert 'id="routing-phone-escalation"' in page
    assert '<div id="phone-console" data-swap-root>' in page

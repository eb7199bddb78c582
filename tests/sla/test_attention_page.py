"""The SLA dashboard shows managers the clocks the sweep cannot compute."""

from __future__ import annotations

from datetime import timedelta

from helpdesk.extensions import db
from helpdesk.vocabulary import Role
from sla.models import BusinessCalendar
from sla.service.sweep import sweep_due_clocks
from tests.builders import make_ticket, make_user
from tests.sla.builders import make_policy


def test_the_dashboard_lists_clocks_that_need_attention(
    app, client, given, login, clock
):
    policy = given(make_policy, first_response_minutes=60)
    ticket = given(make_ticket)
    with app.app_context():
        db.session.get(
            BusinessCalendar, policy.calendar_id
        ).timezone = "Mars/Olympus_Mons"
        sweep_due_clocks(now=clock.now() + timedelta(hours=2), settings={})
        db.session.commit()
    login(given(make_user, role=Role.MANAGER))
    page = client.get("/sla").get_data(as_text=True)
    assert "Clocks that need attention" in page
    assert ticket.number in page

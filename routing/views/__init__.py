"""Routing's pages: the rules (managers, admins), escalation from the ticket
page, the phone console and the queue, availability, process tasks, and
line 3's defects.

One blueprint, ``bp``: it lives in ``common`` with the helpers the pages
share, so that each page module takes it from there and none imports this
package back; importing the package attaches every page to it.

Forms go through the API's load schemas; a failed submit re-renders the
form with the messages (422) and stores nothing.
"""

from routing.views import defects, escalation, rules, tasks  # noqa: F401
from routing.views.common import bp

__all__ = ["bp"]

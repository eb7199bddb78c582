"""The core's signals: the only way other packages learn what happened.

Receivers run inside the sender's transaction: they may add and flush rows,
never commit and never do network I/O. Each signal is sent with the ticket as
sender and these keyword arguments:

- ``ticket_created``: ``actor``, ``now``
- ``ticket_status_changed``: ``actor``, ``now``, ``old``, ``new`` (TicketStatus)
- ``public_reply_added``: ``actor``, ``now``, ``comment``, ``by_agent`` (bool)
- ``ticket_priority_changed``: ``actor``, ``now``, ``old``, ``new`` (Priority)
- ``ticket_category_changed``: ``actor``, ``now``, ``old``, ``new`` (category code)
- ``ticket_assigned``: ``actor``, ``now``, ``old``, ``new`` (user id or None)
- ``ticket_line_changed``: ``actor``, ``now``, ``old``, ``new`` (line 1–3),
  ``reason`` (text), ``cause`` (``manual``, ``rule``, ``sla_warning``, ``sla_breach``,
  ``defect_fixed``)
- ``ticket_fields_changed``: ``actor``, ``now``, ``keys`` (the custom fields'
  keys whose values an agent changed; see ``helpdesk.custom_fields``)

``actor`` is None when the system acted (a rule, the SLA sweep).

``tickets_imported`` is sent once per batch of an import from a legacy
system, with ``None`` as sender, ``items`` (a list of
``helpdesk.imports.ticket_writer.ImportedTicket``: the ticket, its first
agent reply, resolution and pause instants, whether it was imported before)
and ``now``. It replaces the signals above for history: nobody is mailed and
no rule runs for what happened long ago.
"""

from blinker import Namespace

_signals = Namespace()

ticket_created = _signals.signal("ticket-created")
ticket_status_changed = _signals.signal("ticket-status-changed")
public_reply_added = _signals.signal("public-reply-added")
ticket_priority_changed = _signals.signal("ticket-priority-changed")
ticket_category_changed = _signals.signal("ticket-category-changed")
ticket_assigned = _signals.signal("ticket-assigned")
ticket_line_changed = _signals.signal("ticket-line-changed")
ticket_fields_changed = _signals.signal("ticket-fields-changed")
tickets_imported = _signals.signal("tickets-imported")

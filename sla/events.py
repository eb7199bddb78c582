"""Signals of the SLA engine, for routing's escalation rules.

Sent inside the sweep's transaction with the ticket as sender and keyword
arguments ``clock`` (SlaClock), ``percent`` (int; 100 for a breach), ``now``
and ``escalate`` (bool: the policy asks for escalation on this alert).
Receivers may flush, never commit, never do network I/O.
"""

from blinker import Namespace

_signals = Namespace()

sla_warning = _signals.signal("sla-warning")
sla_breached = _signals.signal("sla-breached")

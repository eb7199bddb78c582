"""Signals of the SLA engine, for routing's rules on SLA triggers.

Sent inside the sweep's transaction, after the policy's own actions (its
e-mails and its escalation) are done, with the ticket as sender and keyword
arguments ``clock`` (SlaClock), ``percent`` (int; 100 for a breach) and ``now``.
Receivers may flush, never commit, never do network I/O.
"""

from blinker import Namespace

_signals = Namespace()

sla_warning = _signals.signal("sla-warning")
sla_breached = _signals.signal("sla-breached")

"""Rules engine, escalation between lines, assignment, defects for line 3.

Arrives with the routing issue; it will subscribe to ``helpdesk.events``.
"""

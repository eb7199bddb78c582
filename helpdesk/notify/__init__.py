"""Telling people about a ticket by e-mail, in each recipient's language.

Written in the transaction of the change that caused them and delivered
after commit by the outbox job, so a mail server that is down delays mail and
loses nothing. ``audience`` names people by their relation to a ticket,
``mail`` renders and queues, ``preferences`` says who turned what off, and
``subscribers`` decides, from the core's signals, who is told what. ``sla``
and ``routing`` address people through ``audience`` and ``mail`` too.
"""

"""Organisations: the customers' companies as records (name, e-mail domains,
phone, SLA plan, notes), their members and designated contacts.

A customer belongs to at most one organisation; its designated contacts see
and follow all of its tickets in the portal (``helpdesk.service.access``).
A ticket carries its requester's organisation (``Ticket.organisation_id``,
kept by ``service.set_membership``), so every list by organisation is an
index walk.
"""

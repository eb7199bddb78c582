"""Watchers (CC) of a ticket: people besides its requester who follow it.

A watcher is a customer of the requester's organisation or a member of
staff, added by the requester or an agent on the ticket page or through the
API, or copied (Cc) by the requester on the ticket's mail. Watchers get the
ticket's public mails, may reply (in the portal and by mail) and see the
ticket in their portal list. A merge carries them over to the ticket that
goes on.
"""

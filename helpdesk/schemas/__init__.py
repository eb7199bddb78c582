"""Marshmallow schemas at the HTTP edge, split by direction and audience:
``common`` (the building blocks, paging and the error body), ``tickets``
and ``accounts``.

Messages are static English msgids marked with ``N_`` so pybabel extracts
them; the edge translates each one with gettext when it answers.
"""

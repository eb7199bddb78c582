"""Routing's use cases: the only code of the package that changes state.

Services take plain data, an ``actor`` and ``now``; they flush, never commit,
and raise ``DomainError``s. ``engine`` runs the rules; ``lines`` moves tickets
between lines; ``assignment`` picks agents; ``rulebook`` keeps the rules;
``defects`` files defects for line 3.
"""

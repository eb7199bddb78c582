"""Knowledge-base use cases: the only code here that changes state.

As in the core, services take loaded data, an ``actor`` and ``now``; they
flush, never commit, and raise ``DomainError``s. The edge commits.
"""

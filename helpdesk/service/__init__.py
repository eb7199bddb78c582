"""Use cases of the core: the only code that changes state.

Services take plain data, an ``actor`` and ``now``; they flush, never commit,
and raise ``DomainError``s. The edge (view, API, CLI, job) commits.
"""

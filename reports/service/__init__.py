"""The reports' use cases: ``rollups`` (the per-zone daily roll-ups and how
they are read), one module per report (``volume``, ``csat``, ``agents``,
``flow``, ``kb``), ``tables`` (the same figures as rows for CSV and XLSX)
and ``summary`` (the subscribed managers' e-mail)."""

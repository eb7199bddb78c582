"""The SLA's use cases, the only code that writes SLA rows: ``clocks`` (per
ticket), ``sweep`` (warnings and breaches), ``setup`` (calendars, holidays,
policies), ``dashboard`` and ``export`` (read-only figures in SQL).
"""

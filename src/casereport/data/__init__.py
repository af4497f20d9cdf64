"""The case as data: its record formats, dates, quotes, loading and validation, schedules, reference tables."""

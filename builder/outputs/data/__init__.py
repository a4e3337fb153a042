"""The data files: exports (CSV, XLSX, JSON) and feeds (Atom, iCalendar)."""

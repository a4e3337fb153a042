"""Stage 3b, what time adds to the validated plan: its history in git (history), the yearly bilan (bilan), freshness
and reminders (relances)."""

"""What every output shows, computed once from the models: a fiche's facts, the tableau de bord, the charts, Markdown
to safe HTML."""

"""Stage 4, the outputs, each read from the same `Projet` and `Settings`: the intranet site (site/), the PDFs (pdf/),
the data files (data/); `folder` owns the output folder (what a build may replace)."""

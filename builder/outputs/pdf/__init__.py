"""The PDFs (WeasyPrint): the plan (plan), the brochure (brochure), one PDF per fiche (fiche), the merging of tagged
PDFs (assemble), print colours (cmyk), what a PDF may point to (urls) and the checks on every PDF (check)."""

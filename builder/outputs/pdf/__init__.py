"""The PDFs (WeasyPrint): the plan (plan), laid out by parts and assembled (parts, assemble), the brochure
(brochure), one PDF per fiche (fiche), print colours (cmyk), what a PDF may point to (urls) and the checks on every
PDF (check)."""

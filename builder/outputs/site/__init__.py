"""The intranet site: pages generated from the models (pages), then a real MkDocs build (mkdocs_site, its hooks, its
search)."""

"""fiches: publishes a collectivité's projet d'administration from one validated source.

The pipeline, in the order of the folders: `content/` (load → validate → model), `living/` (history, bilan,
relances), `render/` (what every output shows), `outputs/` (site, pdf, data), run by `build` (the orchestrator)
with one `settings` object; `commands/` and `cms/` are the other commands; `cli` parses the command line. At the
foot, used by every stage: `text` (folding, slugs, French typography), `fr` (dates, numbers), `errors`,
`processes`, `resources`.
"""

__version__ = "0.1.0"

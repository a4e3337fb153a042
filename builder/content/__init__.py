"""Stages 1–3, content: read the files of `content/` (files, load), check them (validate, the cross-file rules, the
Markdown bodies' rules), into the typed models (model) whose JSON Schema is generated (schema)."""

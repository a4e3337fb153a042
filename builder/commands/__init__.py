"""The commands that are more than a build: `serve` (and its PDFs), `new`, `import`, `init` (scaffold), `stats`."""

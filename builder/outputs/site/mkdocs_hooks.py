"""MkDocs hooks registered by the generated config (`builder.outputs.site.mkdocs_site.write_config`): the French
typography of `builder.text` applied to every page MkDocs writes, once, on the final HTML (text nodes only).

It runs after the search plugin has read each page, so the search index keeps the words as editors typed them.
"""

from __future__ import annotations

from typing import Any

from builder.text import typeset_html


def on_post_page(output: str, page: Any, config: Any) -> str:
    return typeset_html(output)


def on_post_template(output_content: str, template_name: str, config: Any) -> str:
    return typeset_html(output_content) if template_name.endswith(".html") else output_content

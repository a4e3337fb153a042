"""`fiches init`: a ready repository for a plan of one's own — starter (or demo) content, site identity, CI
templates for GitLab and Forgejo/Gitea, a theme folder for local overrides, a README for the plan's editors."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from builder.errors import BuildError
from builder.resources import demo_dir, theme_dir

# template in theme/init/ → path in the new project
LAYOUT: dict[str, str] = {
    "mkdocs.yml": "mkdocs.yml",
    "gitignore": ".gitignore",
    "README.md": "README.md",
    "gitlab-ci.yml": ".gitlab-ci.yml",
    "forgejo/fiches.yml": ".forgejo/workflows/fiches.yml",
    "theme/LISEZMOI.md": "theme/LISEZMOI.md",
    "theme/site/stylesheets/extra.css": "theme/site/stylesheets/extra.css",
}
STARTER = "content"  # theme/init/content: the starter plan, rendered with the project's years
DEFAULT_COLLECTIVITE = "Ma collectivité"
DEFAULT_SITE_URL = "https://intranet.exemple.fr/projet-administration/"


def fiches_version() -> str:
    try:
        return version("fiches")
    except PackageNotFoundError:  # pragma: no cover - running from a checkout that was never installed
        from builder import __version__

        return __version__


def init_project(
    target: Path,
    demo: bool = False,
    collectivite: str | None = None,
    site_url: str | None = None,
    today: dt.date | None = None,
) -> list[Path]:
    """Create the project in `target` (absent or empty), whole or not at all; the files written, relative."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BuildError(
            f"{target} existe déjà et n'est pas un dossier vide : rien n'y est écrit ; choisissez un "
            "dossier absent ou vide"
        )
    today = today or dt.date.today()
    if demo and collectivite is None:
        collectivite = _demo_collectivite()
    collectivite = " ".join((collectivite or DEFAULT_COLLECTIVITE).split())
    context = {
        "collectivite": collectivite,
        "site_name": f"Projet d'administration — {collectivite}",
        "site_url": site_url or DEFAULT_SITE_URL,
        "version": fiches_version(),
        "today": today.isoformat(),
        "debut": today.year,
        "fin": today.year + 5,
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".fiches-init-{target.name}-", dir=target.parent) as tmp:
        staging = Path(tmp) / "project"
        written = _write(staging, context, demo)
        if target.exists():
            target.rmdir()  # empty, checked above
        os.rename(staging, target)
    return written


def _write(staging: Path, context: dict, demo: bool) -> list[Path]:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    templates = theme_dir() / "init"
    env = Environment(
        loader=FileSystemLoader(templates), undefined=StrictUndefined, keep_trailing_newline=True, autoescape=False
    )
    env.filters["yaml_str"] = lambda value: json.dumps(str(value), ensure_ascii=False)
    written: list[Path] = []

    def put(relative: str, text: str) -> None:
        path = staging / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(Path(relative))

    for template, relative in LAYOUT.items():
        put(relative, env.get_template(template).render(**context))
    if demo:
        shutil.copytree(demo_dir(), staging / "content")
        written += sorted(p.relative_to(staging) for p in (staging / "content").rglob("*") if p.is_file())
    else:
        for path in sorted((templates / STARTER).rglob("*")):
            if path.is_file():
                relative = path.relative_to(templates).as_posix()
                put(relative, env.get_template(relative).render(**context))
    return written


def _demo_collectivite() -> str:
    from builder.content.load import load_content
    from builder.errors import Report

    content = load_content(demo_dir(), Report())
    data = content.plan.data if content.plan is not None else None
    name = data.get("collectivite") if isinstance(data, dict) else None
    return str(name) if name else DEFAULT_COLLECTIVITE

"""`fiches new`: create a valid fiche file from the model, refusing an existing id or an unknown objectif."""

from __future__ import annotations

import json
from pathlib import Path

from builder.content.files import Refused, write_text
from builder.content.load import Content, load_content, load_fiche_file
from builder.content.model import Plan
from builder.content.rules import existing_fiches, missing_objectif, objectif_of, unknown_code, valid_id
from builder.content.validate import validate
from builder.content.write import fiche_file_name
from builder.errors import ContentError, Problem, Report
from builder.resources import theme_dir

THEME = theme_dir()


def checked_plan(content: Content, loaded: Report) -> Plan:
    """The plan of `content`, validated as `fiches check` does; its errors (and only its own) raise `ContentError`."""
    if content.plan is None:  # plan.yml missing or unreadable: `loaded` says why
        raise ContentError(Report(loaded.sorted().errors))
    report = Report([p for p in loaded.errors if p.path == content.plan.path])
    plan_alone = validate(Content(content.root, content.plan, []), report)
    if plan_alone is None or report.errors:
        raise ContentError(Report(report.sorted().errors))  # warnings of a plan without fiches are not relevant
    return plan_alone.plan


def new_fiche(content_dir: Path, fiche_id: str, titre: str, pilote: str | None) -> Path:
    loaded = Report()
    content = load_content(content_dir, loaded)
    plan = checked_plan(content, loaded)
    projet = validate(content, Report())  # problems in other fiches do not prevent adding one
    report = Report()
    valid = valid_id(fiche_id)
    shown = json.dumps(fiche_id if len(fiche_id) <= 40 else fiche_id[:40] + "…", ensure_ascii=False)[1:-1]
    path_display = f"fiches/{fiche_id if valid else shown}"
    objectifs = [o.numero for a in plan.axes for o in a.objectifs]
    directions = [d.code for d in plan.directions]
    if not valid:
        report.error(
            path_display,
            None,
            "id",
            f"« {shown} » : attendu un numéro de la forme N.M.K, en chiffres, "
            "sans zéro en tête ni espace ou retour à la ligne (ex. 2.3.1)",
        )
        raise ContentError(report)
    missing = missing_objectif(fiche_id, objectifs)
    if missing:
        report.error(path_display, None, "id", missing)
    existing = existing_fiches(content_dir, content)
    if fiche_id in existing:
        report.error(path_display, None, "id", f"la fiche {fiche_id} existe déjà : {existing[fiche_id]}")
    if pilote is None:
        siblings = projet.fiches_of_objectif(objectif_of(fiche_id)) if projet else []
        pilote = siblings[0].pilote if siblings else (directions[0] if directions else "")
    elif problem := unknown_code(pilote, directions, "direction"):
        report.error(path_display, None, "pilote", problem)
    if not titre.strip():
        report.error(path_display, None, "titre", "le titre ne doit pas être vide")
    if report.errors:
        raise ContentError(report)

    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(loader=FileSystemLoader(THEME / "new"), undefined=StrictUndefined, keep_trailing_newline=True)
    env.filters["yaml_str"] = lambda v: json.dumps(v, ensure_ascii=False)
    text = env.get_template("fiche.md.j2").render(id=fiche_id, titre=titre.strip(), pilote=pilote)
    path = content_dir / "fiches" / fiche_file_name(fiche_id, titre)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        write_text(path, text, content_dir)
    except Refused as exc:
        raise ContentError(Report([Problem(path_display, None, None, str(exc))])) from None
    check = Report()
    if load_fiche_file(path, check) is None or check.errors:  # pragma: no cover - the template is tested
        path.unlink()
        raise ContentError(check)
    return path

"""`fiches new`: create a valid fiche file from the model, refusing an existing id or an unknown objectif."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

from builder.errors import ContentError, Report
from builder.load import load_content, load_fiche_file
from builder.model import ID_PATTERN
from builder.validate import validate

THEME = Path(__file__).resolve().parent.parent / "theme"


def slugify(text: str, max_words: int = 6) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    stop = {"de", "des", "du", "la", "le", "les", "l", "d", "et", "a", "au", "aux", "en", "un", "une", "pour"}
    kept = [w for w in words if w not in stop] or words
    return "-".join(kept[:max_words]) or "fiche"


def new_fiche(content_dir: Path, fiche_id: str, titre: str, pilote: str | None) -> Path:
    report = Report()
    content = load_content(content_dir, report)
    projet = validate(content, Report())  # existing problems elsewhere do not prevent adding a fiche
    if content.plan is None or content.plan.data is None:
        raise ContentError(report)
    plan_data = content.plan.data
    path_display = f"fiches/{fiche_id}"
    objectifs = [str(o.get("numero")) for a in plan_data.get("axes", []) for o in a.get("objectifs", []) or []]
    directions = [str(d.get("code")) for d in plan_data.get("directions", [])]
    if not re.match(ID_PATTERN, fiche_id):
        report.error(path_display, None, "id", f"« {fiche_id} » : attendu un numéro de la forme N.M.K (ex. 2.3.1)")
    elif fiche_id.rsplit(".", 1)[0] not in objectifs:
        report.error(path_display, None, "id", f"l'objectif {fiche_id.rsplit('.', 1)[0]} n'existe pas dans plan.yml ; "
                     f"objectifs existants : {', '.join(objectifs)}")
    existing = {str(s.data.get("id")): s.path for s in content.fiches if isinstance(s.data, dict)}
    existing.update({p.name.split("-")[0].removesuffix(".md"): str(p)
                     for p in (content_dir / "fiches").glob(f"{fiche_id}*.md")})
    if fiche_id in existing:
        report.error(path_display, None, "id", f"la fiche {fiche_id} existe déjà : {existing[fiche_id]}")
    if pilote is None:
        siblings = projet.fiches_of_objectif(fiche_id.rsplit(".", 1)[0]) if projet else []
        pilote = siblings[0].pilote if siblings else (directions[0] if directions else "")
    elif pilote not in directions:
        report.error(path_display, None, "pilote", f"« {pilote} » n'est pas un code de direction de plan.yml ; "
                     f"codes possibles : {', '.join(directions)}")
    if not titre.strip():
        report.error(path_display, None, "titre", "le titre ne doit pas être vide")
    if report.errors:
        raise ContentError(report)

    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(loader=FileSystemLoader(THEME / "new"), undefined=StrictUndefined, keep_trailing_newline=True)
    env.filters["yaml_str"] = lambda v: json.dumps(v, ensure_ascii=False)
    text = env.get_template("fiche.md.j2").render(id=fiche_id, titre=titre.strip(), pilote=pilote)
    path = content_dir / "fiches" / f"{fiche_id}-{slugify(titre)}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    check = Report()
    if load_fiche_file(path, check) is None or check.errors:  # pragma: no cover - the template is tested
        path.unlink()
        raise ContentError(check)
    return path

"""The form editor: its configuration from the models, the local backend (merging, checking, naming, git, path
safety) on real files, the editor published for a forge, and one real Chromium session on `fiches serve` of a copy
of the demo plan driving Decap CMS itself."""

from __future__ import annotations

import hashlib
import json
import os
import queue
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from lxml import html as lxml_html

from builder.cms import api as cms_api
from builder.cms import bundle as cms_bundle
from builder.cms import config as cms
from builder.content.load import load_fiche_file, load_yaml_file
from builder.errors import BuildError, Report
from tests.conftest import CHROMIUM_ARGS, DEMO, MINI, ROOT, require_tool, run_fiches, serve_static, serving

SCHEMAS = ROOT / "schema"


# --- the configuration --------------------------------------------------------------------------


def _schema_paths(schema: dict, node: dict, prefix: str = "") -> set[str]:
    """Every field of a JSON Schema, as dotted paths (`indicateurs.mesures.date`), read from the schema alone."""
    paths: set[str] = set()
    for choice in node.get("anyOf", []) + node.get("allOf", []):
        paths |= _schema_paths(schema, choice, prefix)
    if "$ref" in node:
        return paths | _schema_paths(schema, schema["definitions"][node["$ref"].rsplit("/", 1)[1]], prefix)
    if "items" in node:
        paths |= _schema_paths(schema, node["items"], prefix)
    for name, sub in node.get("properties", {}).items():
        paths.add(prefix + name)
        paths |= _schema_paths(schema, sub, prefix + name + ".")
    if isinstance(node.get("additionalProperties"), dict):  # statuts: {code: {libelle, couleur}}
        paths |= _schema_paths(schema, node["additionalProperties"], prefix)
    return paths


def _config_paths(fields: list[dict], prefix: str = "", skip: frozenset[str] = frozenset()) -> set[str]:
    paths: set[str] = set()
    for f in fields:
        name = prefix + f["name"]
        paths.add(name)
        sub = f.get("fields") or []
        if f["name"] in skip:  # statuts: one object per statut code, each with the same fields
            for group in sub:
                paths |= _config_paths(group["fields"], name + ".")
        else:
            paths |= _config_paths(sub, name + ".")
    return paths


def test_the_configuration_names_every_field_of_the_schemas(mini_copy: Path) -> None:
    config = cms.cms_config(DEMO)
    fiches, plan = config["collections"]
    fiche_schema = json.loads((SCHEMAS / "fiche.schema.json").read_text(encoding="utf-8"))
    plan_schema = json.loads((SCHEMAS / "plan.schema.json").read_text(encoding="utf-8"))
    assert _config_paths(fiches["fields"]) == _schema_paths(fiche_schema, fiche_schema) | {"body"}
    # the brochure's format is A4 or A5 (a select), or {largeur, hauteur} when the plan has a format of its own
    custom = {"brochure.format.largeur", "brochure.format.hauteur"}
    assert (
        _config_paths(plan["files"][0]["fields"], skip=frozenset({"statuts"}))
        == _schema_paths(plan_schema, plan_schema) - custom
    )
    (mini_copy / "plan.yml").write_text(
        (mini_copy / "plan.yml").read_text(encoding="utf-8") + "brochure:\n  format: {largeur: 210, hauteur: 210}\n",
        encoding="utf-8",
    )
    plan = cms.cms_config(mini_copy)["collections"][1]
    assert _config_paths(plan["files"][0]["fields"], skip=frozenset({"statuts"})) == _schema_paths(
        plan_schema, plan_schema
    )


def test_every_field_has_a_french_label_and_its_description_as_hint() -> None:
    from builder.content.model import Fiche, Plan

    seen = set()

    def walk(model):  # noqa: ANN001
        for name, (shape, _) in cms.model_fields(model).items():
            seen.add(name)
            for inner in (shape, shape.item) + shape.options:
                if inner is not None and inner.kind == "model" and inner.model not in done:
                    done.add(inner.model)
                    walk(inner.model)

    done: set = set()
    walk(Fiche)
    walk(Plan)
    assert seen - set(cms.LABELS) == set()
    fields = {f["name"]: f for f in cms.cms_config(DEMO)["collections"][0]["fields"]}
    assert fields["valeur_initiale"]["label"] if "valeur_initiale" in fields else True
    assert fields["resume"]["label"] == "Résumé" and fields["referent"]["label"] == "Référent"
    assert fields["resume"]["hint"] == Fiche.model_fields["resume"].description


def test_selects_come_from_the_plan_and_dates_have_a_pattern(mini_copy: Path) -> None:
    plan = mini_copy / "plan.yml"
    plan.write_text(plan.read_text(encoding="utf-8") + "statuts:\n  realisee: {libelle: Terminée}\n", encoding="utf-8")
    fields = {f["name"]: f for f in cms.cms_config(mini_copy)["collections"][0]["fields"]}
    statut = {o["value"]: o["label"] for o in fields["statut"]["options"]}
    assert statut["realisee"] == "Terminée" and statut["en_cours"] == "En cours" and len(statut) == 6
    assert [o["value"] for o in fields["pilote"]["options"]] == ["DRH", "DSI"]
    assert fields["contributeurs"]["multiple"] and [o["value"] for o in fields["contributeurs"]["options"]] == [
        "DRH",
        "DSI",
    ]
    assert [o["value"] for o in fields["collectivites"]["options"]] == ["VILLE", "CCAS"]
    assert fields["prioritaire"]["widget"] == "boolean" and fields["body"]["widget"] == "markdown"
    date = {f["name"]: f for f in fields["calendrier"]["fields"]}["debut"]
    assert (
        date["widget"] == "string"
        and re.match(date["pattern"][0], "2025-03")
        and re.match(date["pattern"][0], "2025")
        and re.match(date["pattern"][0], "2025-03-15")
    )
    assert not re.match(date["pattern"][0], "15/03/2025")
    jalons, suivi = fields["jalons"], fields["suivi"]
    assert jalons["widget"] == suivi["widget"] == "list" and jalons["default"] == []
    mesures = {f["name"]: f for f in fields["indicateurs"]["fields"]}["mesures"]
    assert mesures["widget"] == "list" and {f["name"] for f in mesures["fields"]} == {"date", "valeur"}
    # the configuration follows the plan: a direction added to plan.yml is offered at once
    plan.write_text(
        plan.read_text(encoding="utf-8").replace(
            "directions:\n", "directions:\n  - code: DFIN\n    nom: Direction des finances\n"
        ),
        encoding="utf-8",
    )
    fields = {f["name"]: f for f in cms.cms_config(mini_copy)["collections"][0]["fields"]}
    assert "DFIN" in [o["value"] for o in fields["pilote"]["options"]]


def test_cms_config_prints_the_configuration() -> None:
    result = run_fiches("cms-config", "--content", str(DEMO))
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load(result.stdout) == cms.cms_config(DEMO)
    forge = run_fiches("cms-config", "--forge", "--content", str(DEMO))
    assert forge.returncode == 1 and "l'éditeur en ligne n'est pas configuré" in forge.stderr
    assert "Traceback" not in forge.stderr


# --- the local backend on real files -------------------------------------------------------------

TRICKY = """---
# une fiche écrite à la main, avec des commentaires
id: 1.1.1
titre: Créer un livret d'accueil
statut: en_cours   # à mettre à jour chaque trimestre
avancement: 50
prioritaire: oui
pilote: DRH
calendrier: {debut: 2024-09, fin: 2025-3}
jalons:
  - date: 2024-12-01
    libelle: Maquette validée
    fait: oui
indicateurs:
  - nom: Livrets remis
    type: activite
    valeur_initiale: 0
    cible: 120
    mesures:
      - {date: 2025-01, valeur: 40}
budget: 4 500
etp: 0,3
liens: [1.10.1]

# le suivi, du plus ancien au plus récent
suivi:
  - date: 2025-01-15
    texte: Première version **diffusée**.
---

## Contexte

Texte *écrit* à la main,   avec des espaces.
"""


def _as_decap(entry_text: str, change) -> str:  # noqa: ANN001
    """What Decap CMS sends back: the front matter it was given, parsed, changed, and written again (PyYAML here,
    independent of the backend's own reader and writer)."""
    _, front, body = entry_text.split("---\n", 2)
    data = yaml.safe_load(front)
    change(data)
    return "---\n" + yaml.safe_dump(data, allow_unicode=True, sort_keys=False) + "---\n" + body


def _persist(backend: cms_api.LocalBackend, path: str, raw: str, new: bool = False) -> object:
    return backend.answer(
        {
            "action": "persistEntry",
            "params": {
                "dataFiles": [{"path": path, "slug": Path(path).stem, "raw": raw}],
                "assets": [],
                "options": {"newEntry": new, "collectionName": "fiches"},
            },
        }
    )


def _loaded(path: Path):  # noqa: ANN202
    report = Report()
    source = load_fiche_file(path, report)
    assert source is not None and not report.errors, report.errors
    return source


def _files(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_a_save_keeps_what_did_not_change(mini_copy: Path) -> None:
    fiche = mini_copy / "fiches" / "1.1.1-livret-accueil.md"
    fiche.write_text(TRICKY, encoding="utf-8")
    backend = cms_api.LocalBackend(mini_copy)
    entry = backend.answer({"action": "getEntry", "params": {"path": "fiches/1.1.1-livret-accueil.md"}})
    form = yaml.safe_load(entry["data"].split("---\n")[1])
    assert form["liens"] == ["1.10.1"] and form["calendrier"]["fin"] == "2025-03" and form["prioritaire"] is True
    assert form["etp"] == 0.3 and form["budget"] == 4500  # typed for the form

    before = _loaded(fiche)

    def change(data: dict) -> None:
        data["statut"] = "realisee"
        data["suivi"].append({"date": "2025-06-20", "texte": "Livret imprimé."})
        data["indicateurs"][0]["mesures"].append({"date": "2025-06", "valeur": 110})

    _persist(backend, "fiches/1.1.1-livret-accueil.md", _as_decap(entry["data"], change))
    after = _loaded(fiche)
    assert after.body == before.body
    changed = {k for k in before.data if before.data[k] != after.data.get(k)} | (set(after.data) - set(before.data))
    assert changed == {"statut", "suivi", "indicateurs"}
    assert after.data["statut"] == "realisee"
    assert after.data["suivi"] == before.data["suivi"] + [{"date": "2025-06-20", "texte": "Livret imprimé."}]
    assert after.data["indicateurs"][0]["mesures"] == before.data["indicateurs"][0]["mesures"] + [
        {"date": "2025-06", "valeur": "110"}
    ]
    text = fiche.read_text(encoding="utf-8")
    # untouched values keep their text, untouched lines their comments, the body its spaces
    for kept in (
        "calendrier: {debut: 2024-09, fin: 2025-3}",
        "liens: [1.10.1]",
        "etp: 0,3",
        "budget: 4 500",
        "prioritaire: oui",
        "# une fiche écrite à la main, avec des commentaires",
        "# le suivi, du plus ancien au plus récent",
        "Texte *écrit* à la main,   avec des espaces.",
    ):
        assert kept in text
    assert "statut: realisee" in text and "# à mettre à jour" not in text  # the changed line's comment goes
    assert run_fiches("check", "--content", str(mini_copy)).returncode == 0


def test_an_unchanged_save_writes_nothing_and_the_whole_demo_reads_back(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(DEMO, content)
    before = _files(content)
    backend = cms_api.LocalBackend(content)
    entries = backend.answer(
        {"action": "entriesByFolder", "params": {"folder": "fiches", "extension": "md", "depth": 1}}
    )
    assert len(entries) == len(list((DEMO / "fiches").glob("*.md")))
    for entry in entries + backend.answer({"action": "entriesByFiles", "params": {"files": [{"path": "plan.yml"}]}}):
        path = entry["file"]["path"]
        raw = entry["data"] if path == "plan.yml" else _as_decap(entry["data"], lambda data: None)
        if path == "plan.yml":
            raw = yaml.safe_dump(yaml.safe_load(raw), allow_unicode=True, sort_keys=False)
        assert _persist(backend, path, raw) == {"message": "aucun changement"}, path
    assert _files(content) == before


def test_a_new_fiche_is_named_as_fiches_new_names_it(mini_copy: Path) -> None:
    backend = cms_api.LocalBackend(mini_copy)
    raw = (
        "---\nid: '2.1.2'\ntitre: Créer une école interne des managers\nstatut: a_venir\npilote: DSI\n"
        "prioritaire: false\nresume: ''\ncalendrier:\n  debut: ''\n  fin: ''\njalons: []\n---\n## Contexte\n"
    )
    _persist(backend, "fiches/2-1-2-creer-une-ecole-interne-des-managers.md", raw, new=True)
    created = mini_copy / "fiches" / "2.1.2-creer-ecole-interne-managers.md"
    assert created.is_file() and not (mini_copy / "fiches" / "2-1-2-creer-une-ecole-interne-des-managers.md").exists()
    data = _loaded(created).data
    assert data == {
        "id": "2.1.2",
        "titre": "Créer une école interne des managers",
        "statut": "a_venir",
        "pilote": "DSI",
        "prioritaire": False,
    }  # the form's empty fields are not written
    # the form asks for the entry under the name it made: it gets the file
    entry = backend.answer(
        {"action": "getEntry", "params": {"path": "fiches/2-1-2-creer-une-ecole-interne-des-managers.md"}}
    )
    assert "Créer une école interne des managers" in entry["data"]
    again = raw.replace("Créer une école", "Autre école")
    with pytest.raises(cms_api.Refused, match="la fiche 2.1.2 existe déjà"):
        _persist(backend, "fiches/2-1-2-autre-ecole.md", again, new=True)
    assert run_fiches("check", "--content", str(mini_copy)).returncode == 0


def test_a_new_number_renames_the_file(mini_copy: Path) -> None:
    backend = cms_api.LocalBackend(mini_copy)
    entry = backend.answer({"action": "getEntry", "params": {"path": "fiches/2.1.1-parapheur.md"}})
    _persist(backend, "fiches/2.1.1-parapheur.md", _as_decap(entry["data"], lambda d: d.update(id="2.1.4")))
    assert not (mini_copy / "fiches" / "2.1.1-parapheur.md").exists()
    assert _loaded(mini_copy / "fiches" / "2.1.4-parapheur.md").data["id"] == "2.1.4"


def test_a_save_that_adds_an_error_is_refused_in_french_and_writes_nothing(mini_copy: Path) -> None:
    before = _files(mini_copy)
    backend = cms_api.LocalBackend(mini_copy)
    entry = backend.answer({"action": "getEntry", "params": {"path": "fiches/2.1.1-parapheur.md"}})
    with pytest.raises(cms_api.Refused) as refused:
        _persist(backend, "fiches/2.1.1-parapheur.md", _as_decap(entry["data"], lambda d: d.update(pilote="DXX")))
    assert refused.value.status == 422
    assert "fiches/2.1.1-parapheur.md:5: pilote : « DXX » n'est pas un code de direction" in str(refused.value)
    assert _files(mini_copy) == before


def test_with_commit_each_save_is_a_git_commit_in_french(mini_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    require_tool("git")
    for kind in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{kind}_NAME", "Agent")
        monkeypatch.setenv(f"GIT_{kind}_EMAIL", "agent@example.org")

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=mini_copy, check=True, capture_output=True, text=True).stdout

    git("init", "-q")
    git("add", "-A")
    git("commit", "-qm", "départ")
    (mini_copy / "notes.txt").write_text("brouillon\n", encoding="utf-8")  # not committed by a save
    backend = cms_api.LocalBackend(mini_copy, commit=True)
    entry = backend.answer({"action": "getEntry", "params": {"path": "fiches/2.1.1-parapheur.md"}})
    _persist(backend, "fiches/2.1.1-parapheur.md", _as_decap(entry["data"], lambda d: d.update(statut="realisee")))
    assert git("log", "-1", "--format=%s") == "Fiche 2.1.1 : statut → Réalisée\n"
    assert git("show", "--name-only", "--format=", "HEAD").split() == ["fiches/2.1.1-parapheur.md"]
    assert git("status", "--porcelain").split() == ["??", "notes.txt"]
    entry = backend.answer({"action": "getEntry", "params": {"path": "fiches/2.1.1-parapheur.md"}})
    _persist(backend, "fiches/2.1.1-parapheur.md", _as_decap(entry["data"], lambda d: d.update(id="2.1.3")))
    assert git("log", "-1", "--format=%s") == "Fiche 2.1.1 → 2.1.3\n"
    assert sorted(git("show", "--name-status", "--format=", "-M", "HEAD").split()) == sorted(
        ["R100", "fiches/2.1.1-parapheur.md", "fiches/2.1.3-parapheur.md"]
    ) or "fiches/2.1.3-parapheur.md" in git("show", "--name-only", "--format=", "HEAD")
    assert git("status", "--porcelain").split() == ["??", "notes.txt"]


def test_commit_outside_git_is_refused_in_french(tmp_path: Path) -> None:
    shutil.copytree(MINI, tmp_path / "content")
    with pytest.raises(BuildError, match="n'est pas dans un dépôt git"):
        cms_api.LocalBackend(tmp_path / "content", commit=True)


# --- the editor published with the site ----------------------------------------------------------

FORGE_SETTINGS = {
    "site_name": "Projet",
    "site_url": "https://intranet.exemple.fr/projet/",
    "repo_url": "https://forge.exemple.fr/dgs/projet-administration",
    "extra": {"cms": {"backend": "gitlab", "app_id": "abc123"}},
}


def test_forge_settings_are_checked_in_french() -> None:
    forge = cms.forge_settings(FORGE_SETTINGS, ROOT / "content", ROOT)
    assert forge is not None and (forge.repo, forge.base_url, forge.api_root, forge.folder) == (
        "dgs/projet-administration",
        "https://forge.exemple.fr",
        "https://forge.exemple.fr/api/v4",
        "content",
    )
    assert forge.editorial_workflow and forge.branch == "main"
    assert cms.forge_settings({"extra": {}}, ROOT / "content", ROOT) is None
    bad = [
        ({"backend": "github", "app_id": "x"}, "n'est pas une forge connue"),
        ({"backend": "gitlab"}, "app_id : manquant"),
        ({"backend": "gitea", "app_id": "x", "editorial_workflow": True}, "qu'avec GitLab"),
    ]
    for settings, message in bad:
        with pytest.raises(BuildError, match=message):
            cms.forge_settings({**FORGE_SETTINGS, "extra": {"cms": settings}}, ROOT / "content", ROOT)
    gitea = cms.forge_settings(
        {**FORGE_SETTINGS, "extra": {"cms": {"backend": "forgejo", "app_id": "x"}}}, ROOT / "content", ROOT
    )
    assert gitea is not None and gitea.backend == "gitea" and gitea.api_root.endswith("/api/v1")
    assert not gitea.editorial_workflow


def test_the_editor_is_published_only_when_configured(tmp_path: Path) -> None:
    from builder.build import _render_admin
    from builder.settings import read_settings

    _render_admin(DEMO, tmp_path, read_settings(DEMO))  # the repository's mkdocs.yml configures no forge
    assert not (tmp_path / "admin").exists()


# --- one browser session on `fiches serve` -------------------------------------------------------

FICHE = "fiches/2.3.1-marque-employeur-recrutement.md"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, queue.Queue[str]]]:
    """`fiches serve` on a copy of the demo plan: its address, its content folder, its output lines."""
    if not cms_bundle.installed():
        message = "Decap CMS absent (python3 -m builder.cms.bundle, lancé par bash .ci/setup)"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    content = tmp_path_factory.mktemp("cms") / "content"
    shutil.copytree(DEMO, content)
    with serving(content) as (url, lines):
        yield url, content, lines


@pytest.fixture(scope="module")
def page(served: tuple[str, Path, queue.Queue[str]]) -> Iterator[tuple[object, list[str]]]:
    """One Chromium page for the whole session, logged in to /admin/, recording every request."""
    chromium = require_tool("chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        requests: list[str] = []
        context.on("request", lambda r: requests.append(r.url))
        tab = context.new_page()
        tab.on("dialog", lambda dialog: dialog.accept())  # « leave with unsaved changes? » after a refused save
        tab.goto(served[0] + "admin/")
        tab.get_by_role("button", name="Se connecter").click()
        yield tab, requests
        browser.close()


def _post(url: str, payload: object, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(
        url + "admin/api/v1",
        data=json.dumps(payload).encode(),
        method="POST",
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _version(url: str) -> str:
    with urllib.request.urlopen(url + "__fiches_version", timeout=10) as response:
        return response.read().decode()


def _wait_rebuilt(url: str, before: str) -> None:
    deadline = time.monotonic() + 90
    while _version(url) == before:
        assert time.monotonic() < deadline, "l'aperçu n'a pas été reconstruit"
        time.sleep(0.2)


def _newest(tab, prefix: str) -> str:  # noqa: ANN001
    """The input of the field most recently added to the form (Decap numbers its fields in order)."""
    ids = tab.eval_on_selector_all(f"[id^='{prefix}-field-']", "els => els.map(e => e.id)")
    return "#" + max(ids, key=lambda i: int(i.rsplit("-", 1)[1]))


def _publish(tab) -> None:  # noqa: ANN001
    tab.get_by_role("button", name="Publier").first.click()
    tab.get_by_text("Publier maintenant").click()


def _saved(lines: queue.Queue[str], name: str) -> str:
    """The line `fiches serve` prints for the save of file `name`."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            continue
        if line.startswith("Enregistré depuis le formulaire : ") and name in line:
            return line
    pytest.fail(f"{name} n'a pas été enregistré")


def _drain(lines: queue.Queue[str]) -> None:
    while not lines.empty():
        lines.get_nowait()


def _open_entry(tab, url: str, title: str) -> None:  # noqa: ANN001
    tab.goto(url + "admin/#/collections/fiches")
    tab.get_by_text(title, exact=False).first.click()
    tab.get_by_label("Statut", exact=True).wait_for()


def test_the_list_shows_every_fiche(page, served) -> None:  # noqa: ANN001
    tab, _ = page
    url, content, _ = served
    tab.goto(url + "admin/#/collections/fiches")
    ids = sorted(str(load_fiche_file(p, Report()).data["id"]) for p in (DEMO / "fiches").glob("*.md"))
    entries = tab.locator("a[href*='/collections/fiches/entries/']")
    entries.first.wait_for()
    shown = [re.match(r"\s*(\d+\.\d+\.\d+) — ", t).group(1) for t in entries.all_inner_texts()]
    assert sorted(shown) == ids and len(ids) == 50
    tab.screenshot(path=str(content.parent / "liste.png"))


def test_an_edit_in_the_form_changes_only_what_was_edited(page, served) -> None:  # noqa: ANN001
    tab, _ = page
    url, content, lines = served
    path = content / FICHE
    before = _loaded(path)
    _open_entry(tab, url, "2.3.1 — ")
    statut = tab.get_by_label("Statut", exact=True)
    statut.focus()
    tab.keyboard.type("Réalisée")
    tab.keyboard.press("Enter")
    tab.get_by_role("button", name="Ajouter entrée de suivi").click()
    tab.fill(_newest(tab, "date"), "2026-10-20")
    tab.fill(_newest(tab, "texte"), "Bilan présenté en comité de direction.")
    tab.get_by_role("button", name="Ajouter mesure").first.click()
    tab.fill(_newest(tab, "date"), "2026-10")
    tab.fill(_newest(tab, "valeur"), "65")
    version = _version(url)
    _drain(lines)
    _publish(tab)
    line = _saved(lines, path.name)
    assert "(Fiche 2.3.1 : statut → Réalisée ; 1 mesure ajoutée ; suivi : 1 entrée ajoutée)" in line
    after = _loaded(path)
    assert (
        path.read_text(encoding="utf-8").split("\n---\n", 1)[1]
        == (DEMO / FICHE).read_text(encoding="utf-8").split("\n---\n", 1)[1]
    )  # the body, byte for byte
    assert after.body == before.body
    others = {k: v for k, v in before.data.items() if k not in ("statut", "suivi", "indicateurs")}
    assert {k: after.data[k] for k in others} == others and set(after.data) == set(before.data)
    assert (before.data["statut"], after.data["statut"]) == ("en_cours", "realisee")
    assert after.data["suivi"] == before.data["suivi"] + [
        {"date": "2026-10-20", "texte": "Bilan présenté en comité de direction."}
    ]
    first, second = after.data["indicateurs"]
    assert first == {
        **before.data["indicateurs"][0],
        "mesures": before.data["indicateurs"][0]["mesures"] + [{"date": "2026-10", "valeur": "65"}],
    }
    assert second == before.data["indicateurs"][1]
    check = run_fiches("check", "--content", str(content))
    assert check.returncode == 0, check.stdout
    _wait_rebuilt(url, version)
    with urllib.request.urlopen(url + "fiches/2-3-1/", timeout=10) as response:
        tree = lxml_html.fromstring(response.read())
    assert "Réalisée" in " ".join(tree.xpath("//article//*[contains(@class, 'statut')]//text()"))


def test_a_fiche_created_in_the_form_is_valid_and_named_as_by_fiches_new(page, served) -> None:  # noqa: ANN001
    tab, _ = page
    url, content, lines = served
    tab.goto(url + "admin/#/collections/fiches/new")
    tab.get_by_label("Numéro", exact=True).fill("2.3.5")
    tab.get_by_label("Titre", exact=True).fill("Créer une école interne des managers")
    pilote = tab.get_by_label("Direction pilote", exact=True)
    pilote.focus()
    tab.keyboard.type("DRH")
    tab.keyboard.press("Enter")
    _drain(lines)
    _publish(tab)
    _saved(lines, "2.3.5-")
    created = content / "fiches" / "2.3.5-creer-ecole-interne-managers.md"  # « une », « des » dropped
    assert created.is_file()
    data = _loaded(created).data
    assert (data["id"], data["titre"], data["pilote"], data["statut"]) == (
        "2.3.5",
        "Créer une école interne des managers",
        "DRH",
        "a_venir",
    )
    check = run_fiches("check", "--content", str(content))
    assert check.returncode == 0, check.stdout


def test_an_invalid_save_is_prevented_or_refused_in_french(page, served) -> None:  # noqa: ANN001
    tab, _ = page
    url, content, _ = served
    before = _files(content)
    _open_entry(tab, url, "2.3.2 — ")
    pilote = tab.get_by_label("Direction pilote", exact=True)
    pilote.focus()
    tab.keyboard.type("DXX")  # typed by hand: the select offers nothing, Enter keeps the plan's code
    tab.keyboard.press("Enter")
    assert "Aucune option" in tab.locator("body").inner_text() or "No options" in tab.locator("body").inner_text()
    tab.keyboard.press("Escape")
    tab.get_by_label("Fin (optionnel)", exact=True).fill("2026-13")  # matches AAAA-MM, but no 13th month
    _publish(tab)
    error = tab.get_by_text("date impossible : « 2026-13 » (le mois 13 n'existe pas)", exact=False)
    error.wait_for()
    assert "Échec de l'enregistrement" in tab.locator("body").inner_text()
    tab.screenshot(path=str(content.parent / "refus.png"))
    assert _files(content) == before
    status, answer = _post(
        url,
        {
            "action": "persistEntry",
            "params": {
                "dataFiles": [
                    {
                        "path": "fiches/2.3.2-egalite-professionnelle.md",
                        "slug": "x",
                        "raw": (content / "fiches/2.3.2-egalite-professionnelle.md")
                        .read_text(encoding="utf-8")
                        .replace("pilote: DRH", "pilote: DXX"),
                    }
                ],
                "assets": [],
                "options": {},
            },
        },
    )
    assert status == 422 and "pilote : « DXX » n'est pas un code de direction de plan.yml" in answer["error"]
    assert _files(content) == before


def test_the_plan_is_edited_as_a_file(page, served) -> None:  # noqa: ANN001
    tab, _ = page
    url, content, lines = served
    plan = content / "plan.yml"
    before = plan.read_text(encoding="utf-8").split("\n")
    tab.goto(url + "admin/#/collections/plan")
    tab.get_by_text("Le plan (plan.yml)").first.click()
    field = tab.get_by_label("Sous-titre (optionnel)", exact=True)
    field.fill("Ensemble, pour les habitants")
    _drain(lines)
    _publish(tab)
    _saved(lines, "plan.yml")
    after = plan.read_text(encoding="utf-8").split("\n")
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert changed == [
        ('sous_titre: "Ensemble, au service des habitants du territoire"', "sous_titre: Ensemble, pour les habitants")
    ]
    report = Report()
    assert load_yaml_file(plan, report) is not None and not report.errors


def test_the_local_api_refuses_paths_outside_content(served) -> None:  # noqa: ANN001
    url, content, _ = served
    before = _files(content)
    link = content / "fiches" / "9.9.9-lien.md"
    os.symlink("/etc/hostname", link)
    outside = content.parent / "dehors.md"
    outside.write_text("---\nid: 1.1.9\n---\n", encoding="utf-8")
    for path in (
        "../dehors.md",
        str(outside),
        "/etc/hostname",
        "fiches/../../dehors.md",
        "fiches/9.9.9-lien.md",
        "../content/plan.yml",
        "fiches\\..\\plan.yml",
        "README.md",
        "fiches/sous-dossier/1.1.9-x.md",
    ):
        status, answer = _post(url, {"action": "getEntry", "params": {"path": path}})
        assert status == 403 and answer["error"].startswith("chemin refusé"), (path, answer)
        status, answer = _post(
            url,
            {
                "action": "persistEntry",
                "params": {
                    "dataFiles": [{"path": path, "slug": "x", "raw": "---\nid: 1.1.9\n---\n"}],
                    "assets": [],
                    "options": {"newEntry": True},
                },
            },
        )
        assert status == 403, (path, answer)
    assert _post(url, {"action": "entriesByFolder", "params": {"folder": "..", "extension": "md"}})[0] == 403
    host = urlsplit(url).netloc
    assert _post(url, {"action": "info"}, {"Origin": "http://autre.exemple"})[0] == 403
    assert _post(url, {"action": "info"}, {"Host": "autre.exemple"})[0] == 403
    assert _post(url, {"action": "info"}, {"Origin": f"http://{host}"})[0] == 200
    with urllib.request.urlopen(url + "admin/config.yml", timeout=10) as response:  # works whatever the preview
        assert response.status == 200 and "Fiches-actions" in response.read().decode()
    link.unlink()
    assert _files(content) == before and outside.read_text(encoding="utf-8") == "---\nid: 1.1.9\n---\n"


def test_the_published_editor_logs_in_to_the_forge(page, served, tmp_path: Path) -> None:  # noqa: ANN001
    tab, _ = page
    forge = cms.forge_settings(FORGE_SETTINGS, DEMO, ROOT)
    assert forge is not None
    admin = cms.write_admin(DEMO, tmp_path, forge, "Projet")
    config = yaml.safe_load((admin / "config.yml").read_text(encoding="utf-8"))
    assert config["backend"]["name"] == "gitlab" and config["backend"]["app_id"] == "abc123"
    assert config["backend"]["auth_type"] == "pkce" and config["publish_mode"] == "editorial_workflow"
    assert config["collections"][0]["folder"] == "content/fiches" and config["collections"][0]["create"] is False
    assert (admin / cms_bundle.SCRIPT).stat().st_size == (cms_bundle.bundle_dir() / cms_bundle.SCRIPT).stat().st_size
    server, url = serve_static(tmp_path)
    try:
        tab.goto(url + "admin/")
        tab.get_by_role("button", name="Se connecter avec GitLab").wait_for()
        tab.screenshot(path=str(tmp_path / "forge.png"))
    finally:
        server.shutdown()


def test_the_editor_made_no_request_to_another_host(page, served) -> None:  # noqa: ANN001
    _, requests = page
    host = urlsplit(served[0]).hostname  # the preview's, and the forge page's static server on the same host
    assert any(r.endswith("/admin/decap-cms.js") for r in requests)
    assert any(r.endswith("/admin/api/v1") for r in requests)
    assert [
        r for r in requests if urlsplit(r).scheme in ("http", "https", "ws", "wss") and urlsplit(r).hostname != host
    ] == []

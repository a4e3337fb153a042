"""The plan PDF assembled from cached parts, on real output: after each edit (a value, a body that grows by a page,
a renumbering that moves a fiche to another axe) the plan built with the previous build's cache has the bytes of a
plan built from an empty cache; every sommaire, annex and « p. N » number is the page where its target starts
(found here from the pages' text), every internal link lands there, the bookmarks nest axe → objectif → fiche,
the structure tree is one valid tree and the UA checks pass."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest
import yaml
from fontTools.ttLib import TTFont

from builder.build import load_checked
from builder.outputs.pdf.plan import CACHE_ENV, render_plan_whole, ua_check
from tests.conftest import MINI, require_tool, run_fiches

GROWTH = (
    "\n\n## Déroulement\n\n"
    + "\n\n".join(
        f"Étape {n} : une réunion avec les services, un compte rendu diffusé à tous les agents concernés et une mise "
        "à jour du livret quand une règle change."
        for n in range(1, 40)
    )
    + "\n"
)


def pages_text(path: Path) -> list[str]:
    require_tool("pdftotext")
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1]


def fiches_of(content: Path) -> list[dict]:
    """id and titre of each fiche, read from the files here (not by the builder)."""
    out = []
    for path in sorted((content / "fiches").glob("*.md")):
        meta = yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])
        out.append({"id": str(meta["id"]), "titre": meta["titre"].replace("'", "’")})
    return out


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00ad", "")).strip()


def starts_from_text(pages: list[str], fiches: list[dict], axes: list[str]) -> dict[str, int]:
    """The page (1-based) where each target starts, from what the pages say."""
    found: dict[str, int] = {}
    for number, text in enumerate(pages, 1):
        flat = _flat(text)
        for f in fiches:  # a fiche's first page: its number and title, then its facts
            if f["id"] not in found and f"{f['id']} {f['titre']}" in flat and "Dernier suivi" in flat:
                found[f["id"]] = number
        for axe in axes:
            if f"axe {axe}" not in found and re.search(rf"^\s*AXE {axe}\s*$", text, re.M) and number > 1:
                found[f"axe {axe}"] = number
        if (
            "annexes" not in found
            and "Fiches par direction pilote" in flat
            and re.search(r"^\s*Annexes\s*$", text, re.M)
        ):
            found["annexes"] = number
        if "tableau" not in found and "Fiches par statut et par axe" in flat:
            found["tableau"] = number
    return found


def _toc_numbers(text: str) -> list[tuple[str, int]]:
    """(what, page) of each dotted line of a page: a fiche id, « axe N », « annexes », « tableau »."""
    out = []
    label = None
    for line in text.splitlines():
        start = re.match(r"\s*(\d+\.\d+\.\d+)\s", line) or re.match(r"\s*Axe (\d+)\s", line)
        if start:
            label = start[1] if "." in start[1] else f"axe {start[1]}"
        elif re.match(r"\s*Annexes\s*\.", line):
            label = "annexes"
        elif re.match(r"\s*Tableau de bord\s*\.", line):
            label = "tableau"
        number = re.search(r"\. \.\s+(\d+)\s*$", line)
        if number and label:
            out.append((label, int(number[1])))
            label = None
    return out


def _leaders(text: str) -> str:
    """A page's text with the spaces before a line's final number collapsed (leaders may end a column apart)."""
    return re.sub(r" +(\d+)$", r" \1", text, flags=re.M)


def check_plan(pdf_path: Path, content: Path) -> None:
    """Every printed number, link and bookmark against the pages' text; the structure tree; the UA checks."""
    pages = pages_text(pdf_path)
    fiches = fiches_of(content)
    axes = sorted({f["id"].split(".")[0] for f in fiches})
    starts = starts_from_text(pages, fiches, axes)
    assert set(starts) == {f["id"] for f in fiches} | {f"axe {a}" for a in axes} | {"annexes", "tableau"}
    total = len(pages)
    for number, text in enumerate(pages, 1):  # the footer stamped at assembly
        assert (f"Page {number} / {total}" in text) == (number > 1), number
    sommaire = next(t for t in pages if re.search(r"^\s*Sommaire\s*$", t, re.M))
    toc = _toc_numbers(sommaire)
    assert {label for label, _ in toc} == set(starts)
    for label, number in toc:
        assert number == starts[label], (label, number)
    annexes = "".join(pages[starts["annexes"] - 1 :])
    annex = _toc_numbers(annexes)
    assert len(annex) >= len(fiches)  # each fiche by its direction, plus the prioritaires and en retard lists
    for label, number in annex:
        assert number == starts[label], (label, number)
    refs = re.findall(r"fiche\s+(\d+\.\d+\.\d+),\s*p\.\s*(\d+)", _flat(" ".join(pages)))
    assert refs
    for fid, number in refs:
        assert int(number) == starts[fid], (fid, number)
    slug_of = {f"fiche-{f['id'].replace('.', '-')}": f["id"] for f in fiches}
    with pikepdf.open(pdf_path) as pdf:
        index = {page.objgen: n + 1 for n, page in enumerate(pdf.pages)}
        names = pdf.Root.Names.Dests.Names
        dests = {str(names[i]): index[names[i + 1][0].objgen] for i in range(0, len(names), 2)}
        links = 0
        for page in pdf.pages:
            for annot in page.get("/Annots", []):
                assert "fiches-part:" not in str(annot.get("/A", {}).get("/URI", ""))
                if "/Dest" in annot:
                    name = str(annot.Dest)
                    target = slug_of.get(name) or name.replace("-", " ")
                    if target in starts:
                        assert dests[name] == starts[target], name
                        links += 1
        assert links >= 2 * len(fiches)
        with pdf.open_outline() as outline:
            axes_items = [i for i in outline.root if i.title.startswith("Axe ")]
            seen = {}
            for axe_item in axes_items:
                for objectif in axe_item.children:
                    assert objectif.title.lower().startswith("objectif ")
                    for fiche in objectif.children:
                        fid = fiche.title.split()[0]
                        seen[fid] = (axe_item.title.split()[1], objectif.title.split()[1])
                        assert index[fiche.destination[0].objgen] == starts[fid]
            assert seen == {f["id"]: (f["id"].split(".")[0], ".".join(f["id"].split(".")[:2])) for f in fiches}
        programs: dict[str, set] = {}  # each font embedded once, whatever the number of parts
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor":
                font = TTFont(io.BytesIO(obj.FontFile3.read_bytes()), lazy=True)
                programs.setdefault(font["name"].getDebugName(6), set()).add(obj.FontFile3.objgen)
        assert programs and all(len(streams) == 1 for streams in programs.values()), programs
        tree = pdf.Root.StructTreeRoot
        nums = tree.ParentTree.Nums
        keys = {int(nums[i]) for i in range(0, len(nums), 2)}
        for page in pdf.pages:
            assert int(page.StructParents) in keys
    assert ua_check(pdf_path) == []


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("plan-parts")
    shutil.copytree(MINI, root / "content")
    return root


def _plan(root: Path, cache: Path, name: str) -> Path:
    target = root / f"{name}.pdf"
    result = run_fiches(
        "pdf", "plan", "--content", str(root / "content"), "-o", str(target), env={CACHE_ENV: str(cache)}
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "non revendiqué" not in result.stderr
    return target


def _edit(content: Path, name: str, old: str, new: str) -> None:
    path = content / "fiches" / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_incremental_plans_are_cold_plans_with_exact_numbers(project):
    content, cache = project / "content", project / "cache"
    first = _plan(project, cache, "initial")
    check_plan(first, content)
    # the same text, page by page, as the plan laid out in one WeasyPrint document (dotted lines aside)
    whole = project / "whole.pdf"
    render_plan_whole(load_checked(content), whole)
    assert [_leaders(t) for t in pages_text(first)] == [_leaders(t) for t in pages_text(whole)]
    counts = [len(pikepdf.open(first).pages)]

    # (a) one value
    _edit(content, "1.1.1-livret-accueil.md", "avancement: 50", "avancement: 65")
    # (b) a body that grows by a page or more: every later page moves
    # (c) a renumbering: 1.10.1 becomes 2.1.2 (another axe), the references to it follow
    for step in ("valeur", "corps", "numero"):
        if step == "corps":
            path = content / "fiches" / "1.1.1-livret-accueil.md"
            path.write_text(path.read_text(encoding="utf-8") + GROWTH, encoding="utf-8")
        elif step == "numero":
            for path in (content / "fiches").glob("*.md"):
                path.write_text(path.read_text(encoding="utf-8").replace("1.10.1", "2.1.2"), encoding="utf-8")
            (content / "fiches" / "1.10.1-plan-formation.md").rename(content / "fiches" / "2.1.2-plan-formation.md")
        before = set((cache / "plan-parts").glob("*.pdf"))
        incremental = _plan(project, cache, f"{step}-incremental")
        laid_out = set((cache / "plan-parts").glob("*.pdf")) - before
        if step == "valeur":  # an avancement shows on the cover, the tableau de bord, its axe opener, its fiche
            assert 1 <= len(laid_out) <= 4, sorted(p.name for p in laid_out)
        cold = _plan(project, project / f"cache-{step}", f"{step}-cold")
        assert incremental.read_bytes() == cold.read_bytes(), step
        check_plan(incremental, content)
        counts.append(len(pikepdf.open(incremental).pages))
    assert counts[2] > counts[1]  # the body really grew by a page

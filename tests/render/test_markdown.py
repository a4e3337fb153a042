"""Markdown bodies in bounded time and depth, and `fiches check` running every rule the build would fail on
(issue 11, findings 5 and 7)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import markdown as stock_markdown
import pytest

from builder.cli import main
from builder.project import load_projet
from builder.render import markdown as ours
from tests.conftest import DEMO, MINI, ROOT, run_fiches

FICHE = "1.1.1-livret-accueil.md"
IMAGE = (
    "image non publiée : le site et les PDF n'affichent pas d'images (intranet sans accès à Internet) ; seule "
    "sa description entre crochets reste, décrivez-la dans le texte"
)


def _plan(tmp_path: Path, name: str, body_extra: str) -> tuple[Path, int]:
    """The mini plan with `body_extra` appended to the fiche 1.1.1's body; also the line it starts on."""
    content = tmp_path / name
    shutil.copytree(MINI, content)
    path = content / "fiches" / FICHE
    text = path.read_text(encoding="utf-8").rstrip("\n") + "\n\n"
    path.write_text(text + body_extra, encoding="utf-8")
    return content, text.count("\n") + 1


def _clean(result: subprocess.CompletedProcess | Ran) -> str:
    output = result.stdout + result.stderr
    assert "Traceback" not in output and "Erreur interne" not in output, output
    return output


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def fiches(capsys: pytest.CaptureFixture, *args: str) -> Ran:
    """The command line in this process (the commands that render nothing: no interpreter start-up to pay)."""
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return Ran(code, out, err)


def test_unmatched_brackets_take_linear_time() -> None:
    """`crochets_ouverts`: 16,000 `[` (and 16,000 `[a](`) convert in well under the timeout (minutes before)."""
    code = (
        "from builder.render.markdown import to_html\n"
        "assert '[[[' in to_html('[' * 16000)\n"
        "assert to_html('[a](' * 16000 + ')').count('[a](') == 16000\n"
        "to_html('[[[[' * 4000 + ']]]]' * 4000)\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=20)


def test_bounded_link_scan_renders_texts_like_python_markdown() -> None:
    """The bounded processors give python-markdown's own HTML on every text of the demo plan and on links with
    nested brackets, parentheses, titles and references."""
    projet = load_projet(DEMO, history=False, bilan=False)
    texts = [f.body for f in projet.fiches] + [s.texte for f in projet.fiches for s in f.suivi]
    texts += [
        "[a](x) [b][r] ![c](i.png) [[n]](y) [r] [t](u \"ti)tle\") [p](a(b)c) [q](<z w> 't')\n\n[r]: http://e.org/",
        "- a\n    - b\n        - c",
        "> > cité\n\n1. un\n2. deux",
    ]
    stock = stock_markdown.Markdown(
        extensions=ours.EXTENSIONS, extension_configs=ours.EXTENSION_CONFIGS, output_format="html"
    )
    for text in texts:
        ours._BRACKETS.budget = ours.LINK_BUDGET
        assert ours._converter().reset().convert(text) == stock.reset().convert(text)


def test_deep_nesting_is_rendered_flat_and_warned(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """`listes_imbriquees`: a 1.6 KB line of nested list markers: a warning at its line from `check`, a site
    built (the levels beyond the bound shown as text), no RecursionError."""
    line = "- " * 800 + "fin"
    content, first = _plan(tmp_path, "listes_imbriquees", f"Avant.\n\n{line}\n")
    result = fiches(capsys, "check", "--content", str(content))
    _clean(result)
    assert result.returncode == 0
    assert result.stdout.splitlines()[0] == (
        f"{content}/fiches/{FICHE}:{first + 2}: plus de 24 niveaux de listes ou de citations sur une ligne : la "
        "suite de la ligne est affichée comme du texte [avertissement]"
    )
    html = str(ours.to_html(line))
    assert html.count("<ul>") == ours.MAX_NESTING and html.count("- ") == 800 - ours.MAX_NESTING


def test_relative_link_to_a_missing_page_fails_check_like_build(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """`lien_relatif_casse`: `check` reports the link at its line (it said 0 erreur); `build` stops on the same
    message before rendering anything (it failed after the PDFs, with no line)."""
    content, first = _plan(
        tmp_path, "lien_relatif_casse", "Voir [la fiche voisine](../1-1-2/) et [la formation](../1-10-1/).\n"
    )
    expected = (
        f"{content}/fiches/{FICHE}:{first}: lien « ../1-1-2/ » vers « fiches/1-1-2/ », une page qui "
        "n'existe pas sur le site (vouliez-vous dire « ../1-10-1/ » ?) ; une autre fiche s'écrit "
        "../<numéro avec des tirets>/ (ex. ../1-10-1/), sinon écrivez l'adresse complète"
    )
    check = fiches(capsys, "check", "--content", str(content))
    _clean(check)
    assert check.returncode == 1
    assert check.stdout.splitlines() == [expected, "3 fiches, 1 erreur, 0 avertissement"]
    out = tmp_path / "site"
    build = fiches(capsys, "build", "--content", str(content), "--out", str(out))
    _clean(build)
    assert build.returncode == 1
    assert build.stderr.splitlines() == [expected, "1 erreur dans le contenu : rien n'a été produit."]
    assert not out.exists()


@pytest.mark.parametrize("tag", ['<img src="photo.jpg" alt="La maquette">', "<IMG SRC=x>"])
def test_raw_img_tags_get_the_image_warning(tmp_path: Path, tag: str, capsys: pytest.CaptureFixture) -> None:
    """`image_html`: a raw `<img>` gets the same warning as a Markdown image, at its line."""
    content, first = _plan(tmp_path, "image_html", f"Texte.\n\n{tag}\n")
    result = fiches(capsys, "check", "--content", str(content))
    _clean(result)
    assert result.returncode == 0
    assert f"{content}/fiches/{FICHE}:{first + 2}: {IMAGE} [avertissement]" in result.stdout.splitlines()


def test_hostile_bodies_build_a_site_in_bounded_time(tmp_path: Path) -> None:
    """`corps_hostiles`: the brackets and the nested markers in one fiche: `build --only site` succeeds well
    inside its timeout."""
    content, _ = _plan(tmp_path, "corps_hostiles", "[" * 16000 + "\n\n" + "- " * 800 + "x\n\n" + "[a](" * 4000 + "\n")
    result = run_fiches(
        "build", "--content", str(content), "--out", str(tmp_path / "site"), "--only", "site", timeout=90
    )
    _clean(result)
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "site" / "fiches" / "1-1-1" / "index.html").read_text(encoding="utf-8")
    assert "[" * 1000 in page

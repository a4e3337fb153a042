"""Random front matter values and bodies fed to `fiches check` and `fiches build --only site` on a small plan:
never a traceback, never a hang (issue 11, property-based test)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builder.cli import main
from tests.conftest import MINI, run_fiches

FICHE = "1.1.1-livret-accueil.md"
FIELDS = (
    "titre",
    "resume",
    "statut",
    "avancement",
    "pilote",
    "referent",
    "budget",
    "etp",
    "prioritaire",
    "calendrier",
    "liens",
    "themes",
    "suivi",
    "jalons",
    "collectivites",
)
# what editors (and attackers) type: Markdown and YAML punctuation, brackets, quotes, controls, far Unicode
PIECES = st.sampled_from(
    list("ab é1-.:#[](){}<>*_`!|&'\"\\/@=+ \t\n")
    + ["\x00", "\x1b", "\r", "\u202e", "𝔸", "- ", "> ", "](", "<img ", "---"]
)
TEXT = st.lists(PIECES, max_size=30).map("".join)
SCALAR = st.one_of(TEXT, st.integers(-(10**6), 10**6), st.floats(allow_nan=True), st.booleans(), st.none())
VALUE = st.recursive(
    SCALAR, lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(TEXT, inner, max_size=3)), max_leaves=6
)
FRONT = st.dictionaries(st.sampled_from(FIELDS), VALUE, max_size=4)
BODY = st.one_of(
    TEXT,
    st.builds(
        lambda unit, n: unit * n, st.sampled_from(["[", "- ", "> ", "[a](", "*", "<span>"]), st.integers(0, 3000)
    ),
)


def _write(content: Path, front: dict, body: str, raw_front: str | None) -> None:
    """The mini plan's fiche 1.1.1 with some fields replaced (as JSON, which is YAML) or whole raw text."""
    path = content / "fiches" / FICHE
    original = (MINI / "fiches" / FICHE).read_text(encoding="utf-8")
    head, _, _ = original[4:].partition("\n---\n")
    lines: list[str] = []
    skipping = False
    for line in head.split("\n"):  # a replaced field goes with its indented lines
        if not line.startswith((" ", "-")):
            skipping = line.split(":")[0] in front
        if not skipping:
            lines.append(line)
    lines += [f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in front.items()]
    text = raw_front if raw_front is not None else "\n".join(lines)
    path.write_text(f"---\n{text}\n---\n{body}\n", encoding="utf-8")


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    content = tmp_path_factory.mktemp("proprietes") / "content"
    shutil.copytree(MINI, content)
    return content


def _check(content: Path, capsys: pytest.CaptureFixture) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["check", "--content", str(content)])
    out, err = capsys.readouterr()
    return code, out + err


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(front=FRONT, body=BODY, raw=st.one_of(st.none(), TEXT))
def test_check_never_fails_internally(
    plan: Path, capsys: pytest.CaptureFixture, front: dict, body: str, raw: str | None
) -> None:
    _write(plan, front, body, raw)
    code, output = _check(plan, capsys)
    assert code in (0, 1), output
    assert "Traceback" not in output and "Erreur interne" not in output, output
    assert "\x1b" not in output and "\r" not in output, repr(output)  # content reaches the terminal escaped


# A few examples built for real (a site build costs seconds): the hostile bodies and values of each kind.
BUILT = [
    (
        {"titre": "<script>alert(1)</script> \u202e « x »", "resume": "[a](javascript:alert(1)) {{ 7*7 }}"},
        "[" * 3000 + "\n\n" + "- " * 400 + "x",
    ),
    (
        {
            "suivi": [{"date": "2025-01-15", "texte": "=1+1 [lien](//hote/partage) <img src=x onerror=alert(1)>"}],
            "themes": ["a\\b", "é" * 40],
        },
        "> " * 300 + "cité\n\n" + "[a](" * 2000,
    ),
    (
        {"referent": "@SUM(A1)", "jalons": [{"date": "2025-02", "libelle": "J;\\,x\nDTSTART:1", "fait": False}]},
        "| a | b |\n|---|---|\n" + "| [ |\n" * 200,
    ),
]


@pytest.mark.parametrize("front, body", BUILT, ids=["scripts-crochets", "suivi-citations", "formules-tableau"])
def test_build_never_fails_internally(tmp_path: Path, front: dict, body: str) -> None:
    content = tmp_path / "content"
    shutil.copytree(MINI, content)
    _write(content, front, body, None)
    result = run_fiches(
        "build", "--content", str(content), "--out", str(tmp_path / "site"), "--only", "site", timeout=120
    )
    output = result.stdout + result.stderr
    assert "Traceback" not in output and "Erreur interne" not in output, output
    assert result.returncode == 0, output  # valid values: the site is built, the hostile parts made harmless
    page = (tmp_path / "site" / "fiches" / "1-1-1" / "index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page and "javascript:" not in page and "onerror" not in page

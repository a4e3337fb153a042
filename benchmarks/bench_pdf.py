"""Plan PDF speed and memory: our whole pipeline vs WeasyPrint alone on the same final HTML, and a cache hit;
then what PDF/X and the checks cost, as ratios to a render measured in the same run.

    python benchmarks/bench_pdf.py [N ...]      # default: 120 500
    python benchmarks/bench_pdf.py --checks [N ...]   # only the PDF/X and checker figures (default: 50 120)
    python benchmarks/bench_pdf.py --fiches [N|demo ...]   # what each fiche's own PDF adds (default: demo 120)
    python benchmarks/bench_pdf.py --parts [N|demo ...]   # the plan from parts vs one WeasyPrint render, an edit

Every measure runs in a fresh child process (wall time, peak memory from the child's ru_maxrss).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.synth import write_plan  # noqa: E402

FULL = """
import sys
from pathlib import Path
from builder.build import load_checked
from builder.outputs.pdf.plan import render_plan
render_plan(load_checked(Path(sys.argv[1])), Path(sys.argv[2]))
"""

PREPARE = """
import sys
from pathlib import Path
from builder.build import load_checked
from builder.outputs.pdf.plan import axe_css, plan_html
from builder.settings import Settings
projet = load_checked(Path(sys.argv[1]))
Path(sys.argv[2]).write_text(plan_html(projet, Settings.packaged()), encoding="utf-8")
Path(sys.argv[2] + ".css").write_text(axe_css(projet), encoding="utf-8")
"""

WEASYPRINT_ONLY = """
import sys
from pathlib import Path
from builder.outputs.pdf.plan import PLAN_CSS, write_pdf
from builder.settings import Settings
html = Path(sys.argv[1]).read_text(encoding="utf-8")
sheets = [Settings.packaged().theme_file(name) for name in PLAN_CSS]
write_pdf(html, Path(sys.argv[2]), sheets, Path(sys.argv[1] + ".css").read_text(encoding="utf-8"))
"""


CHECKS = """
import sys, time, shutil
from pathlib import Path
from builder.build import load_checked
from builder.outputs.pdf.brochure import render_brochure
from builder.outputs.pdf.plan import render_plan
from builder.outputs.pdf.check import check_pdf
content, work = Path(sys.argv[1]), Path(sys.argv[2])
projet = load_checked(content)
load_checked(content)  # warm: imports, fonts
def timed(f):
    start = time.perf_counter(); f(); return time.perf_counter() - start
plan = timed(lambda: render_plan(projet, work / "plan.pdf"))  # render + its PDF/UA check
ua_plan = timed(lambda: check_pdf(work / "plan.pdf", print_shop=False, ua=True))
screen = timed(lambda: render_brochure(projet, work / "ecran.pdf"))
ua_brochure = timed(lambda: check_pdf(work / "ecran.pdf", print_shop=False, ua=True))
printed_content = work / "content-imprimeur"
shutil.copytree(content, printed_content)
with (printed_content / "plan.yml").open("a", encoding="utf-8") as f:
    f.write("brochure:\\n  imprimeur: oui\\n")
printed = load_checked(printed_content)
imprimeur = timed(lambda: render_brochure(printed, work / "imprimeur.pdf"))  # PDF/X + CMYK + preflight
preflight = timed(lambda: check_pdf(work / "imprimeur.pdf", print_shop=True))
print("RESULT", plan, ua_plan, screen, ua_brochure, imprimeur, preflight)
"""

PLAN_AND_FICHES = """
import sys
from pathlib import Path
from builder.build import load_checked
from builder.outputs.pdf.fiche import FichePdfs, workers_for
from builder.outputs.pdf.plan import render_plan
projet = load_checked(Path(sys.argv[1]))
# as `fiches build` does: the fiches on the core(s) the plan leaves free
fiches = FichePdfs(projet, Path(sys.argv[2]) / "fiches", workers=max(1, workers_for(len(projet.fiches)) - 1))
render_plan(projet, Path(sys.argv[2]) / "plan.pdf")
fiches.wait()
"""

FICHES_ONLY = """
import sys
from pathlib import Path
from builder.build import load_checked
from builder.outputs.pdf.fiche import render_fiche_pdfs
render_fiche_pdfs(load_checked(Path(sys.argv[1])), Path(sys.argv[2]))
"""

BUILD = """
import sys
from pathlib import Path
from builder.build import build
build(Path(sys.argv[1]), Path(sys.argv[2]))
"""

PEAK = """
import re
print("VmHWM", re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read())[1])
"""


def child(code: str, *args: str, env: dict[str, str]) -> tuple[float, float]:
    """Wall time (s) and peak memory (MB) of one Python child process.

    The peak is the child's own `VmHWM`: `ru_maxrss` would also count the benchmark process it was forked from
    (its size before `exec`), which grows once it has read a large PDF."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code + PEAK, *args], cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f"échec du processus de mesure ({proc.returncode}) : {proc.stderr[-2000:]}")
    return wall, int(proc.stdout.split("VmHWM")[-1].split()[0]) / 1024


def pages(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(pdf).pages)


def bench(n: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as tmp:
        work = Path(tmp)
        content = write_plan(work / "content", n)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "FICHES_PDF_CACHE": str(work / "cache")}
        full, full_mem = child(FULL, str(content), str(work / "plan.pdf"), env=env)
        count = pages(work / "plan.pdf")
        child(PREPARE, str(content), str(work / "plan.html"), env=env)
        alone, alone_mem = child(WEASYPRINT_ONLY, str(work / "plan.html"), str(work / "alone.pdf"), env=env)
        hit, hit_mem = child(FULL, str(content), str(work / "again.pdf"), env=env)
        same = (work / "plan.pdf").read_bytes() == (work / "alone.pdf").read_bytes()
        overhead = (full - alone) / alone
        print(
            f"{n:>4} fiches, {count} pages | plan PDF : {full:6.1f} s, {full_mem:5.0f} Mo, "
            f"{count / full:4.1f} pages/s | WeasyPrint seul : {alone:6.1f} s, {alone_mem:5.0f} Mo, "
            f"{count / alone:4.1f} pages/s | notre part : {overhead:+.0%} | "
            f"2e construction (cache) : {hit:4.2f} s, {hit_mem:4.0f} Mo | octets identiques : {same}"
        )


def tree_child(code: str, *args: str, env: dict[str, str]) -> tuple[float, float]:
    """Wall time (s) and peak memory (MB) of a child process and all its descendants together (the plan's part
    workers are children of a forkserver, itself a child of the process): their summed RSS, sampled every 0.1 s."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss(proc.pid))
        time.sleep(0.1)
    wall = time.perf_counter() - start
    _, err = proc.communicate()
    if proc.returncode:
        raise SystemExit(f"échec du processus de mesure ({proc.returncode}) : {err[-2000:]}")
    return wall, peak / 1024


def _tree_rss(root: int) -> int:
    """Summed resident memory (KB) of `root` and its descendants (Linux /proc)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            status = (entry / "status").read_text()
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        found = [line for line in status.splitlines() if line.startswith("VmRSS:")]
        rss[int(entry.name)] = int(found[0].split()[1]) if found else 0
    tree, frontier = {root}, [root]
    while frontier:
        current = frontier.pop()
        for pid, parent in parents.items():
            if parent == current and pid not in tree:
                tree.add(pid)
                frontier.append(pid)
    return sum(rss.get(pid, 0) for pid in tree)


def _edit_one_field(content: Path) -> str:
    """One fiche's `avancement` changed (the first fiche that has one): the editor's smallest edit."""
    for path in sorted((content / "fiches").rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        match = re.search(r"^avancement: (\d+)", text, re.M)
        if match:
            value = (int(match[1]) + 5) % 100
            path.write_text(text.replace(match[0], f"avancement: {value}", 1), encoding="utf-8")
            return path.name
    raise SystemExit("aucune fiche n'a d'avancement à modifier")


def bench_parts(n: str) -> None:
    """The plan assembled from parts (cold cache) vs WeasyPrint alone on the whole plan's HTML, in the same run;
    then a one-field edit of one fiche (cache of the cold build); peak memory of the process tree; sizes."""
    with tempfile.TemporaryDirectory(prefix="bench-parts-") as tmp:
        work = Path(tmp)
        if n == "demo":
            content = work / "content"
            shutil.copytree(ROOT / "content", content)
        else:
            content = write_plan(work / "content", int(n))
        env = {**os.environ, "PYTHONPATH": str(ROOT), "FICHES_PDF_CACHE": str(work / "cache")}
        cold, cold_mem = tree_child(FULL, str(content), str(work / "plan.pdf"), env=env)
        count = pages(work / "plan.pdf")
        child(PREPARE, str(content), str(work / "plan.html"), env=env)
        alone, alone_mem = tree_child(WEASYPRINT_ONLY, str(work / "plan.html"), str(work / "alone.pdf"), env=env)
        edited = _edit_one_field(content)
        edit, edit_mem = tree_child(FULL, str(content), str(work / "edit.pdf"), env=env)
        cold_env = {**env, "FICHES_PDF_CACHE": str(work / "cache-cold-edit")}
        child(FULL, str(content), str(work / "edit-cold.pdf"), env=cold_env)
        same = (work / "edit.pdf").read_bytes() == (work / "edit-cold.pdf").read_bytes()
        parts_size, alone_size = (work / "plan.pdf").stat().st_size, (work / "alone.pdf").stat().st_size
        print(
            f"{n:>4} fiches, {count} pages (une seule mise en page : {pages(work / 'alone.pdf')}) | "
            f"plan par parties à froid : {cold:6.1f} s, {count / cold:4.1f} pages/s, {cold_mem:5.0f} Mo | "
            f"WeasyPrint seul : {alone:6.1f} s, {count / alone:4.1f} pages/s, {alone_mem:5.0f} Mo | "
            f"rapport : {cold / alone:.2f} (objectif ≤ 0,6) | un champ de {edited} : {edit:5.1f} s, "
            f"{edit_mem:5.0f} Mo (= {edit / alone:.2f} × WeasyPrint seul), octets = à froid : {same} | "
            f"taille : {parts_size / 1024:6.0f} Ko par parties, {alone_size / 1024:6.0f} Ko d'un tenant "
            f"({parts_size / alone_size - 1:+.0%})"
        )


def bench_checks(n: int) -> None:
    """PDF/X and the checks against a render, in one child process (same warm state for every figure)."""
    with tempfile.TemporaryDirectory(prefix="bench-checks-") as tmp:
        work = Path(tmp)
        content = write_plan(work / "content", n)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "FICHES_PDF_CACHE": str(work / "cache")}
        proc = subprocess.run(
            [sys.executable, "-c", CHECKS, str(content), str(work)], cwd=ROOT, env=env, capture_output=True, text=True
        )
        if proc.returncode:
            raise SystemExit(f"échec du processus de mesure ({proc.returncode}) : {proc.stderr[-2000:]}")
        plan, ua_plan, screen, ua_brochure, printed, preflight = (
            float(v) for v in proc.stdout.split("RESULT")[-1].split()
        )
        count = pages(work / "plan.pdf")
        print(
            f"{n:>4} fiches, plan {count} pages : rendu {plan:5.1f} s ; contrôle PDF/UA {ua_plan:4.2f} s "
            f"({ua_plan / plan:.1%} du rendu) | brochure écran {screen:4.1f} s, contrôle PDF/UA {ua_brochure:4.2f} s "
            f"({ua_brochure / screen:.1%}) | brochure imprimeur (PDF/X-4, CMJN, contrôle compris) {printed:4.1f} s "
            f"= {printed / screen:.2f} × l'écran ; contrôle d'impression {preflight:4.2f} s "
            f"({preflight / printed:.1%} de son rendu)"
        )


def bench_fiches(n: str) -> None:
    """Each fiche's PDF: the plan alone vs the plan with every fiche's PDF laid out meanwhile (cold caches), every
    fiche's PDF alone, a cold `fiches build`, and what the fiche PDFs add to that build."""
    with tempfile.TemporaryDirectory(prefix="bench-fiches-") as tmp:
        work = Path(tmp)
        content = ROOT / "content" if n == "demo" else write_plan(work / "content", int(n))
        base = {**os.environ, "PYTHONPATH": str(ROOT), "NO_MKDOCS_2_WARNING": "1"}

        def env(name: str) -> dict[str, str]:
            return {**base, "FICHES_PDF_CACHE": str(work / f"cache-{name}")}  # each measure from an empty cache

        plan, plan_mem = child(FULL, str(content), str(work / "plan.pdf"), env=env("plan"))
        (work / "both").mkdir()
        both, both_mem = child(PLAN_AND_FICHES, str(content), str(work / "both"), env=env("both"))
        alone, alone_mem = child(FICHES_ONLY, str(content), str(work / "alone"), env=env("alone"))
        cold, cold_mem = child(BUILD, str(content), str(work / "site"), env=env("build"))
        files = sorted((work / "alone").glob("*.pdf"))
        count = sum(pages(f) for f in files)
        size = sum(f.stat().st_size for f in files)
        added = both - plan
        print(
            f"{n:>4} fiches | plan seul : {plan:5.1f} s, {plan_mem:4.0f} Mo | plan + PDF des fiches en parallèle : "
            f"{both:5.1f} s (+{added:4.1f} s) | PDF des fiches seuls : {alone:5.1f} s, {count} pages, "
            f"{count / alone:4.1f} pages/s, {size / len(files) / 1024:4.0f} Ko par fiche | fiches build à froid : "
            f"{cold:5.1f} s, {cold_mem:4.0f} Mo (mémoire du processus principal) | part des PDF des fiches dans "
            f"la construction : {added / (cold - added):+.0%} (objectif ≤ +15 %)"
        )


def main() -> None:
    args = sys.argv[1:]
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cœurs")
    if args and args[0] == "--checks":
        for n in [int(a) for a in args[1:]] or [50, 120]:
            bench_checks(n)
        return
    if args and args[0] == "--parts":
        for n in args[1:] or ["demo", "120"]:
            bench_parts(n)
        return
    if args and args[0] == "--fiches":
        for n in args[1:] or ["demo", "120"]:
            bench_fiches(n)
        return
    for n in [int(a) for a in args] or [120, 500]:
        bench(n)


if __name__ == "__main__":
    main()

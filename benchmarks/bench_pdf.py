"""Plan PDF speed and memory: our whole pipeline vs WeasyPrint alone on the same final HTML, and a cache hit.

    python benchmarks/bench_pdf.py [N ...]      # default: 120 500

Every measure runs in a fresh child process (wall time, peak memory from the child's ru_maxrss).
"""

from __future__ import annotations

import os
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
from builder.pdf import render_plan
render_plan(load_checked(Path(sys.argv[1])), Path(sys.argv[2]))
"""

PREPARE = """
import sys
from pathlib import Path
from builder.build import load_checked
from builder.pdf import axe_css, plan_html
projet = load_checked(Path(sys.argv[1]))
Path(sys.argv[2]).write_text(plan_html(projet), encoding="utf-8")
Path(sys.argv[2] + ".css").write_text(axe_css(projet), encoding="utf-8")
"""

WEASYPRINT_ONLY = """
import sys
from pathlib import Path
from builder.pdf import PLAN_CSS, write_pdf
html = Path(sys.argv[1]).read_text(encoding="utf-8")
write_pdf(html, Path(sys.argv[2]), PLAN_CSS, Path(sys.argv[1] + ".css").read_text(encoding="utf-8"))
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
    proc = subprocess.run([sys.executable, "-c", code + PEAK, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True)
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
        print(f"{n:>4} fiches, {count} pages | plan PDF : {full:6.1f} s, {full_mem:5.0f} Mo, "
              f"{count / full:4.1f} pages/s | WeasyPrint seul : {alone:6.1f} s, {alone_mem:5.0f} Mo, "
              f"{count / alone:4.1f} pages/s | notre part : {overhead:+.0%} | "
              f"2e construction (cache) : {hit:4.2f} s, {hit_mem:4.0f} Mo | octets identiques : {same}")


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [120, 500]
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cœurs")
    for n in sizes:
        bench(n)


if __name__ == "__main__":
    main()

"""Speed of `fiches build --only site` against a plain `mkdocs build` of the same generated pages.

    python benchmarks/bench_build.py [N ...]      # default: 100 1000

Each figure is the median of 3 whole-process runs (start-up included). The plain MkDocs build uses the config
and the Markdown pages `fiches` generates (written once, outside the timing), so the difference is our part:
loading and validating the content, generating the pages, publishing the output.
Goals (issue 3): 1,000 fiches in under 15 s on 2 cores; our part at most 30 % of MkDocs' own time.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.synth import write_plan  # noqa: E402

GENERATE = r"""
import sys
from pathlib import Path
from builder.build import load_checked
from builder.outputs.site.mkdocs_site import write_config
from builder.settings import read_settings
from builder.outputs.site.pages import write_pages
content, work = Path(sys.argv[1]), Path(sys.argv[2])
settings = read_settings(content)
pages = write_pages(load_checked(content), work / "docs", settings)
write_config(pages, work / "site", work / "mkdocs.yml", settings)
"""


def timed(cmd: list[str], runs: int = 3) -> float:
    times = []
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(sizes: list[int]) -> None:
    print(f"{'fiches':>7} | {'fiches build --only site':>24} | {'mkdocs build (mêmes pages)':>26} | {'notre part':>10}")
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            content, work = write_plan(Path(tmp) / "content", n), Path(tmp) / "gen"
            ours = timed(
                [
                    sys.executable,
                    "-m",
                    "builder",
                    "build",
                    "--content",
                    str(content),
                    "--out",
                    str(Path(tmp) / "out" / "site"),
                    "--only",
                    "site",
                ]
            )
            subprocess.run([sys.executable, "-c", GENERATE, str(content), str(work)], check=True, cwd=ROOT)
            plain = timed([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", str(work / "mkdocs.yml")])
            share = (ours - plain) / plain * 100
            print(f"{n:>7} | {ours:>22.2f} s | {plain:>24.2f} s | {share:>+8.0f} %", flush=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100, 1000])

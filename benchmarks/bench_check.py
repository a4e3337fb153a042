"""Speed of `fiches check` against its floor (reading the files and parsing their YAML, nothing else).

    python benchmarks/bench_check.py [N ...]      # default: 1000 10000

Each figure is the median of 3 whole-process runs (start-up included, as an editor pays it).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.synth import write_plan  # noqa: E402

FLOOR = r"""
import sys, yaml
from pathlib import Path
root = Path(sys.argv[1])
yaml.load((root / "plan.yml").read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
for path in sorted((root / "fiches").glob("*.md")):
    text = path.read_text(encoding="utf-8")
    front = text.split("\n---\n", 1)[0][4:]
    yaml.load(front, Loader=yaml.CSafeLoader)
"""


def timed(cmd: list[str], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(sizes: list[int]) -> None:
    print(f"{'fiches':>7}  {'fiches check':>12}  {'plancher':>9}  {'rapport':>7}")
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            root = write_plan(Path(tmp) / "content", n)
            check = timed([sys.executable, "-m", "builder", "check", "--content", str(root)])
            floor = timed([sys.executable, "-c", FLOOR, str(root)])
            print(f"{n:>7}  {check:>11.2f}s  {floor:>8.2f}s  {check / floor:>6.2f}×", flush=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1000, 10000])

"""Size of the search index and query time in real Chromium, for a synthetic plan of N fiches.

    python benchmarks/bench_search.py [N]      # default: 1000

Builds the site once (`fiches build --only site`), then in headless Chromium (Debian's) measures:
- the index: `search/search_index.json`, raw and gzip-compressed (what an intranet server sends);
- the time Material's search worker takes to build its lunr index from the JSON (once per page load);
- per query, the median of 5 answers of that worker (the same messages the search box sends), for a plain
  word (the anchor, measured in the same run), folded words (« egalite », « ÉGALITÉ »), a direction code,
  a fiche number and two words.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.synth import write_plan  # noqa: E402

QUERIES = ("formation", "egalite", "ÉGALITÉ", "DRH", "1.2.3", "qualite service")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


# Material's own search worker, started by hand: SETUP (0) with the index, READY (1), QUERY (2), RESULT (3).
_WORKER = """async ([queries, runs]) => {
  const config = JSON.parse(document.getElementById("__config").textContent);
  const worker = new Worker(new URL(config.search, document.baseURI));
  const ask = message => new Promise(done => { worker.onmessage = ev => done(ev.data); worker.postMessage(message); });
  const index = await (await fetch(new URL("search/search_index.json", new URL(config.base, document.baseURI)))).json();
  let start = performance.now();
  await ask({type: 0, data: {...index, options: {suggest: false}}});
  const setup = performance.now() - start, out = {setup, queries: {}};
  for (const q of queries) {
    const times = []; let result;
    for (let i = 0; i < runs; i++) { start = performance.now(); result = await ask({type: 2, data: q});
      times.push(performance.now() - start); }
    times.sort((a, b) => a - b);
    out.queries[q] = {ms: times[Math.floor(runs / 2)], groups: result.data.items.length};
  }
  worker.terminate();
  return out;
}"""


def main(n: int) -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        content, site = Path(tmp) / "content", Path(tmp) / "site"
        write_plan(content, n)
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "builder", "build", "--content", str(content), "--out", str(site), "--only", "site"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        build_s = time.perf_counter() - started
        index = (site / "search" / "search_index.json").read_bytes()
        print(
            f"{n} fiches: site built in {build_s:.1f} s; index {len(index) / 1e6:.2f} MB, "
            f"{len(gzip.compress(index)) / 1e6:.2f} MB gzip"
        )
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"http://127.0.0.1:{server.server_port}/", wait_until="load")
            measured = page.evaluate(_WORKER, [list(QUERIES), 5])
            print(f"  worker ready (lunr index built from the JSON, in the browser): {measured['setup']:.0f} ms")
            for query, m in measured["queries"].items():
                print(f"  « {query} »: {m['ms']:.1f} ms (median of 5 in the worker), {m['groups']} pages found")
            browser.close()
        server.shutdown()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)

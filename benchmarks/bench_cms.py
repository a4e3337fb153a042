"""The form editor on the demo plan: the size of its bundle, and the time from a save to the refreshed preview.

    python benchmarks/bench_cms.py [RUNS]      # default: 5

`fiches serve` runs on a copy of the demo plan. A save is the request Decap CMS sends (persistEntry, the fiche's
statut changed); the preview is refreshed when `/__fiches_version` changes and the fiche's page shows the new
statut. The anchor, measured in the same run, is the same change written straight into the file (an editor
saving in a text editor): the ratio is what the form adds.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from builder.cms import bundle as cms_bundle  # noqa: E402

FICHE = "fiches/2.3.1-marque-employeur-recrutement.md"
STATUTS = [("en_cours", "En cours"), ("realisee", "Réalisée")]


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read().decode("utf-8")


def _post(url: str, payload: dict) -> dict:
    request = urllib.request.Request(
        url + "admin/api/v1",
        data=json.dumps(payload).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def _refreshed(url: str, before: str, libelle: str, started: float) -> float:
    while True:
        if _get(url + "__fiches_version") != before and f"{libelle}</" in _get(url + "fiches/2-3-1/"):
            return time.perf_counter() - started
        time.sleep(0.05)


def main(runs: int) -> None:
    if not cms_bundle.installed():
        sys.exit("Decap CMS absent : python3 -m builder.cms.bundle")
    files = cms_bundle.bundle_files()
    script = cms_bundle.bundle_dir() / cms_bundle.SCRIPT
    print(
        f"Decap CMS {cms_bundle.VERSION} : {len(files)} fichiers, {cms_bundle.bundle_size() / 1e6:.2f} Mo "
        f"(dont {cms_bundle.SCRIPT} {script.stat().st_size / 1e6:.2f} Mo)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        content = Path(tmp) / "content"
        shutil.copytree(ROOT / "content", content)
        process = subprocess.Popen(
            [sys.executable, "-m", "builder", "serve", "--port", "0", "--content", str(content)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
        try:
            url = None
            while url is None:
                if match := re.search(r"Aperçu : (http://127\.0\.0\.1:\d+/)", lines.get(timeout=180)):
                    url = match.group(1)
            form, text = [], []
            for run in range(2 * runs):
                code, libelle = STATUTS[(run + 1) % 2]
                other = STATUTS[run % 2][0]
                before = _get(url + "__fiches_version")
                if run % 2 == 0:  # through the form
                    entry = _post(url, {"action": "getEntry", "params": {"path": FICHE}})
                    raw = entry["data"].replace(f'"statut": "{other}"', f'"statut": "{code}"', 1)
                    started = time.perf_counter()
                    _post(
                        url,
                        {
                            "action": "persistEntry",
                            "params": {
                                "dataFiles": [{"path": FICHE, "slug": "x", "raw": raw}],
                                "assets": [],
                                "options": {},
                            },
                        },
                    )
                    form.append(_refreshed(url, before, libelle, started))
                else:  # the anchor: the same change, written in the file
                    path = content / FICHE
                    changed = path.read_text(encoding="utf-8").replace(f"statut: {other}", f"statut: {code}", 1)
                    started = time.perf_counter()
                    path.write_text(changed, encoding="utf-8")
                    text.append(_refreshed(url, before, libelle, started))
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(60)
    f, t = statistics.median(form), statistics.median(text)
    print(
        f"enregistrement → aperçu à jour : formulaire {f:.2f} s, fichier écrit à la main {t:.2f} s "
        f"(médianes de {runs}) ; rapport {f / t:.2f}×"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)

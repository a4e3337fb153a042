"""`fiches serve`: the plan PDF and each fiche's PDF kept current in the background, after the site.

After each successful site build the preview asks for the PDFs; one `fiches build --only plan` runs at a time, in a
child process at a lower priority (the site's rebuilds stay fast), into the served folder (the build's lock
serialises it with the site's builds); a request made while it runs starts one more build when it ends. Only what
changed is laid out again: the fiche PDFs of unchanged fiches, and the plan when nothing it shows changed, come
from the cache. The page says where the PDFs stand (`STATUS_PATH`).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

STATUS_PATH = "/__fiches_pdf"
# a small notice in the corner of every served page: « PDF à jour » or « PDF en cours de mise à jour… »
STATUS_SCRIPT = (
    "<script>(function(){var b=document.createElement('p');b.id='fiches-pdf-etat';b.setAttribute('role','status');"
    "b.style.cssText='position:fixed;right:.5rem;bottom:.5rem;margin:0;padding:.2rem .5rem;font:12px sans-serif;"
    "background:#fff;color:#1e2328;border:1px solid #8a939c;border-radius:.2rem;z-index:10';"
    "document.body.appendChild(b);function f(){fetch('" + STATUS_PATH + "',{cache:'no-store'})"
    ".then(function(r){return r.text()}).then(function(t){b.textContent=t}).catch(function(){})}"
    "f();setInterval(f,2000)})();</script>"
)


class PdfKeeper:
    """Runs `fiches build --only plan` for `content` into `out` when asked, one at a time, in the background."""

    def __init__(self, content: Path, out: Path) -> None:
        self.content, self.out = content, out
        self.state = "PDF : en attente du site"
        self._wanted = threading.Event()
        self._stopping = False
        self._process: subprocess.Popen[str] | None = None
        self._thread = threading.Thread(target=self._loop, name="fiches-pdf", daemon=True)
        self._thread.start()

    def outdated(self) -> None:
        """A file changed: the site is being rebuilt, the PDFs will follow."""
        self.state = "PDF en attente du site…"

    def request(self) -> None:
        """The site was rebuilt: bring the PDFs up to date with it."""
        self.state = "PDF en cours de mise à jour…"
        self._wanted.set()

    def stop(self) -> None:
        self._stopping = True
        self._wanted.set()
        process = self._process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        self._thread.join(15)

    def _loop(self) -> None:
        while True:
            self._wanted.wait()
            if self._stopping:
                return
            self._wanted.clear()
            self.state = "PDF en cours de mise à jour…"
            started = time.perf_counter()
            code, errors = self._build()
            if self._stopping:
                return
            if self._wanted.is_set():
                continue  # the content changed meanwhile: once more
            if code == 0:
                self.state = f"PDF à jour (plan et fiches, {time.strftime('%H:%M:%S')})"
                print(f"PDF du plan et des fiches à jour en {time.perf_counter() - started:.1f} s", flush=True)
            else:
                last = errors.strip().splitlines()[-1] if errors.strip() else f"code {code}"
                self.state = f"PDF non mis à jour : {last}"
                print(f"PDF non mis à jour : {errors.strip() or last}", flush=True)

    def _build(self) -> tuple[int, str]:
        command = [
            sys.executable,
            "-m",
            "builder",
            "build",
            "--only",
            "plan",
            "--content",
            str(self.content.resolve()),
            "--out",
            str(self.out.resolve()),
        ]
        try:
            self._process = subprocess.Popen(
                command, text=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=_lower_priority
            )
            _, errors = self._process.communicate()
            return self._process.returncode, errors or ""
        except OSError as exc:
            return 1, str(exc)
        finally:
            self._process = None


def _lower_priority() -> None:
    try:
        os.nice(10)
    except OSError:
        pass

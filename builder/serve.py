"""`fiches serve`: live preview for editors.

Builds the site into a temporary folder, serves it on 127.0.0.1, watches `content/` and `theme/` (watchdog) and
rebuilds on every change; open pages reload by themselves. A content error is printed in the terminal and shown
in the browser instead of a stale site.
"""

from __future__ import annotations

import functools
import html
import http.server
import tempfile
import threading
import time
from pathlib import Path

from builder.errors import BuildError, ContentError

ROOT = Path(__file__).resolve().parent.parent
VERSION_PATH = "/__fiches_version"
RELOAD_SCRIPT = (
    "<script>(function(){var v=null;setInterval(function(){fetch('" + VERSION_PATH + "',{cache:'no-store'})"
    ".then(function(r){return r.text()}).then(function(t){if(v===null){v=t}else if(t!==v){location.reload()}})"
    ".catch(function(){})},1000)})();</script>"
)


class Preview:
    """The state shared by the watcher and the HTTP server: build number and last error."""

    def __init__(self, content: Path, out: Path) -> None:
        self.content, self.out = content, out
        self.version = 0
        self.error: str | None = None
        self.lock = threading.Lock()

    def rebuild(self) -> None:
        from builder.build import build

        with self.lock:
            started = time.perf_counter()
            try:
                build(self.content, self.out, only=("site",))
                self.error = None
                print(f"Site reconstruit en {time.perf_counter() - started:.1f} s")
            except ContentError as exc:
                lines = [str(p) for p in exc.report.errors]
                self.error = "\n".join(lines) or str(exc)
                print("Erreurs dans le contenu :\n" + self.error)
            except BuildError as exc:
                self.error = str(exc)
                print(f"Erreur : {exc}")
            self.version += 1

    def error_page(self) -> bytes:
        body = (f"<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Erreur de construction"
                f"</title></head><body style=\"font-family:sans-serif;max-width:60rem;margin:2rem auto\">"
                f"<h1>Le site n’a pas pu être construit</h1><p>Corrigez le contenu : la page se rechargera "
                f"d’elle-même.</p><pre style=\"white-space:pre-wrap;background:#fde8e7;padding:1rem\">"
                f"{html.escape(self.error or '')}</pre>{RELOAD_SCRIPT}</body></html>")
        return body.encode("utf-8")


class _Handler(http.server.SimpleHTTPRequestHandler):
    preview: Preview

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        if self.path == VERSION_PATH:
            return self._send(str(self.preview.version).encode(), "text/plain")
        if self.preview.error is not None:
            return self._send(self.preview.error_page(), "text/html; charset=utf-8", 500)
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if path.suffix == ".html" and path.is_file():
            page = path.read_text(encoding="utf-8").replace("</body>", RELOAD_SCRIPT + "</body>", 1)
            return self._send(page.encode("utf-8"), "text/html; charset=utf-8")
        return super().do_GET()

    def _send(self, data: bytes, kind: str, status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)


def serve(content: Path, port: int = 8000) -> None:
    """Build, serve on http://127.0.0.1:<port>/, rebuild on changes until Ctrl+C."""
    from watchdog.events import FileSystemEventHandler
    from watchdog.observers import Observer

    with tempfile.TemporaryDirectory(prefix="fiches-serve-") as tmp:
        preview = Preview(content, Path(tmp) / "site")
        preview.rebuild()
        handler = type("Handler", (_Handler,), {"preview": preview})
        server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", port), functools.partial(handler, directory=str(preview.out)))
        pending = threading.Event()

        class Changed(FileSystemEventHandler):
            def on_any_event(self, event) -> None:  # type: ignore[no-untyped-def]
                if not event.is_directory and not str(event.src_path).endswith(("~", ".swp", ".tmp")):
                    pending.set()

        observer = Observer()
        for folder in (content, ROOT / "theme", ROOT / "mkdocs.yml"):
            if folder.is_dir():
                observer.schedule(Changed(), str(folder), recursive=True)
        observer.start()
        threading.Thread(target=server.serve_forever, daemon=True).start()
        print(f"Aperçu : http://127.0.0.1:{server.server_port}/ (Ctrl+C pour arrêter)")
        try:
            while True:
                if pending.wait(0.5):
                    time.sleep(0.3)  # let an editor finish writing
                    pending.clear()
                    # the served folder is replaced by the build: point the handler at the same path again
                    preview.rebuild()
        except KeyboardInterrupt:
            print("\nAperçu arrêté.")
        finally:
            observer.stop()
            observer.join()
            server.shutdown()

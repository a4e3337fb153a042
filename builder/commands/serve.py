"""`fiches serve`: live preview for editors.

Binds the port first (a busy port fails at once, before the slow first build), builds the site into a temporary
folder, serves it on 127.0.0.1, watches `content/`, `theme/` and `mkdocs.yml` (watchdog) and rebuilds on every
change; open pages reload by themselves. A content error, and any other failure of a build, is printed in the
terminal and shown in the browser instead of a stale site; the preview keeps running.
"""

from __future__ import annotations

import errno
import functools
import html
import http.server
import os
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

from watchdog.events import (
    EVENT_TYPE_CLOSED,
    EVENT_TYPE_CREATED,
    EVENT_TYPE_DELETED,
    EVENT_TYPE_MODIFIED,
    EVENT_TYPE_MOVED,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

from builder.cms import api as cms_api
from builder.commands import serve_pdf
from builder.errors import BuildError, ContentError, oserror_fr, shown

VERSION_PATH = "/__fiches_version"
RELOAD_SCRIPT = (
    "<script>(function(){var v=null;setInterval(function(){fetch('" + VERSION_PATH + "',{cache:'no-store'})"
    ".then(function(r){return r.text()}).then(function(t){if(v===null){v=t}else if(t!==v){location.reload()}})"
    ".catch(function(){})},1000)})();</script>"
)


# what a change to a file looks like; a file merely read (opened, closed without writing) is not a change: the
# build reads every watched file, and reacting to that would rebuild forever
CHANGES = (EVENT_TYPE_CREATED, EVENT_TYPE_DELETED, EVENT_TYPE_MODIFIED, EVENT_TYPE_MOVED, EVENT_TYPE_CLOSED)
EDITOR_TEMP_FILES = ("~", ".swp", ".swx", ".tmp")


class Preview:
    """The state shared by the watcher and the HTTP server: build number and last error."""

    def __init__(self, content: Path, out: Path, debug: bool = False) -> None:
        self.content, self.out, self.debug = content, out, debug
        self.version = 0
        self.error: str | None = None
        self.hint = ""
        self.lock = threading.Lock()

    def rebuild(self) -> None:
        """Build the site; whatever goes wrong is shown (terminal and page) and the preview goes on."""
        from builder.build import build

        with self.lock:
            started = time.perf_counter()
            try:
                build(self.content, self.out, only=("site",))
                self.error = None
                print(f"Site reconstruit en {time.perf_counter() - started:.1f} s")
            except ContentError as exc:
                lines = [str(p) for p in exc.report.errors]
                self._failed("\n".join(lines) or str(exc), "Corrigez le contenu", "Erreurs dans le contenu :\n")
            except BuildError as exc:
                self._failed(f"Erreur : {exc}")
            except OSError as exc:  # a file that cannot be read or written, a full disk…
                self._failed(f"Erreur : {oserror_fr(exc)}")
            except Exception as exc:  # an internal bug must not stop the preview
                details = "" if self.debug else " ; relancez avec --debug pour les détails"
                self._failed(f"Erreur interne : {type(exc).__name__} : {exc}{details}")
            self.version += 1

    def _failed(self, message: str, hint: str = "", intro: str = "") -> None:
        trace = traceback.format_exc() if self.debug and not hint else ""
        self.error = message + (f"\n\n{trace}" if trace else "")
        self.hint = hint
        print(intro + self.error, flush=True)

    def error_page(self) -> bytes:
        hint = (
            f"{self.hint} : la page se rechargera d’elle-même."
            if self.hint
            else (
                "La page se rechargera d’elle-même à la prochaine construction réussie (enregistrez un fichier pour "
                "relancer la construction)."
            )
        )
        body = (
            f'<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Erreur de construction'
            f'</title></head><body style="font-family:sans-serif;max-width:60rem;margin:2rem auto">'
            f"<h1>Le site n’a pas pu être construit</h1><p>{hint}</p>"
            f'<pre style="white-space:pre-wrap;background:#fde8e7;padding:1rem">'
            f"{html.escape(self.error or '')}</pre>{RELOAD_SCRIPT}</body></html>"
        )
        return body.encode("utf-8")


class Changed(FileSystemEventHandler):
    """Raises `pending` when a watched file is written, created, deleted or renamed; `name` limits the watch of a
    folder to one file of it (`mkdocs.yml` in the repository's root)."""

    def __init__(self, pending: threading.Event, name: str | None = None) -> None:
        super().__init__()
        self.pending, self.name = pending, name

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory or event.event_type not in CHANGES:
            return
        paths = [os.fsdecode(p) for p in (event.src_path, getattr(event, "dest_path", "")) if p]
        if any(self._watched(os.path.basename(p)) for p in paths):
            self.pending.set()

    def _watched(self, name: str) -> bool:
        if self.name is not None:
            return name == self.name
        return not (name.endswith(EDITOR_TEMP_FILES) or name.startswith(".#"))


MAX_PATH = 2048  # characters of a request's path: longer ones are refused (no page of the site is that long)
_ERRORS_FR = {
    400: "Requête invalide",
    404: "Page introuvable",
    405: "Méthode non permise",
    414: "Adresse trop longue",
    500: "Erreur du serveur",
    501: "Méthode non prise en charge",
}


class _Server(http.server.ThreadingHTTPServer):
    """The preview's HTTP server: a client that hangs up is nobody's error; anything else that goes wrong in a
    request is one French line in the terminal (the Python trace only with --debug), never a traceback."""

    daemon_threads = True
    debug = False
    admin: cms_api.Admin  # the form editor's back end, set by `serve`
    pdfs: serve_pdf.PdfKeeper | None = None  # set by `serve --pdf`

    def handle_error(self, request: object, client_address: tuple) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | TimeoutError):
            return
        if self.debug:
            traceback.print_exc()
            return
        print(
            f"Aperçu : une requête a échoué ({type(exc).__name__} : {shown(exc)}) ; relancez avec --debug pour "
            "les détails",
            file=sys.stderr,
            flush=True,
        )


class _Handler(http.server.SimpleHTTPRequestHandler):
    preview: Preview
    server: _Server
    error_message_format = (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Erreur %(code)d'
        "</title></head><body><h1>Erreur %(code)d</h1><p>%(message)s.</p></body></html>\n"
    )
    error_content_type = "text/html; charset=utf-8"

    def log_message(self, *args: object) -> None:
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's error page, in French."""
        super().send_error(code, _ERRORS_FR.get(int(code), message), "")

    def _bad_path(self) -> bool:
        """A path no page has: too long, or with a control character once decoded (`/%00`): 400, nothing more."""
        from urllib.parse import unquote

        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if len(self.path) > MAX_PATH or any(ord(c) < 32 or ord(c) == 127 for c in unquote(path)):
            self.send_error(400)
            return True
        return False

    def do_HEAD(self) -> None:  # noqa: N802 (http.server's naming)
        if not self._bad_path():
            super().do_HEAD()

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        if self._bad_path():
            return
        try:
            self._get()
        except ConnectionError:  # the client left: nothing to answer, nobody to tell
            self.close_connection = True

    def _get(self) -> None:
        if cms_api.owns(self.path):  # the form editor works even when the content has errors
            return self._reply(self.server.admin.get(self.path))
        if self.path == VERSION_PATH:
            return self._send(str(self.preview.version).encode(), "text/plain")
        pdfs = getattr(self.server, "pdfs", None)
        if pdfs is not None and self.path == serve_pdf.STATUS_PATH:
            return self._send(pdfs.state.encode(), "text/plain; charset=utf-8")
        if self.preview.error is not None:
            return self._send(self.preview.error_page(), "text/html; charset=utf-8", 500)
        try:
            path = Path(self.translate_path(self.path))
            if path.is_dir():
                path = path / "index.html"
            page_file = path.suffix == ".html" and path.is_file()
        except (OSError, ValueError):  # a name the system refuses (too long, invalid): no such page
            return self.send_error(404)
        if page_file:
            scripts = RELOAD_SCRIPT + (serve_pdf.STATUS_SCRIPT if pdfs is not None else "")
            page = path.read_text(encoding="utf-8").replace("</body>", scripts + "</body>", 1)
            return self._send(page.encode("utf-8"), "text/html; charset=utf-8")
        return super().do_GET()

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        if not cms_api.owns(self.path):
            return self.send_error(405)
        body = cms_api.request_body(self.headers, self.rfile)
        if body is None:
            return self._reply(cms_api.too_large())
        return self._reply(self.server.admin.post(self.path, self.headers, body, self.server.server_port))

    def _reply(self, reply: cms_api.Reply) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", reply.kind)
        self.send_header("Content-Length", str(len(reply.data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(reply.data)

    def _send(self, data: bytes, kind: str, status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)


def serve(content: Path, port: int = 8000, debug: bool = False, commit: bool = False, pdf: bool = False) -> None:
    """Build, serve on http://127.0.0.1:<port>/, rebuild on changes until Ctrl+C. `debug` adds the Python trace of
    an internal error to the terminal and the page. The form editor is on /admin/; `commit` makes each of its
    saves a git commit; `pdf` keeps the plan's and the fiches' PDFs current in the background, after the site."""
    with tempfile.TemporaryDirectory(prefix="fiches-serve-") as tmp:
        preview = Preview(content, Path(tmp) / "site", debug)
        admin = cms_api.Admin(content, commit)
        server = bind(port, preview)  # before the first build, which takes a while: a busy port fails at once
        server.admin = admin
        pending = threading.Event()
        observer = serving = None
        pdfs = serve_pdf.PdfKeeper(content, preview.out) if pdf else None
        server.pdfs = pdfs
        try:
            observer = watch(content, content.resolve().parent, pending)
            preview.rebuild()
            if pdfs is not None and preview.error is None:
                pdfs.request()
            serving = threading.Thread(target=server.serve_forever, daemon=True)
            serving.start()
            print(f"Aperçu : http://127.0.0.1:{server.server_port}/ (Ctrl+C pour arrêter)", flush=True)
            print(
                f"Éditeur : http://127.0.0.1:{server.server_port}{cms_api.ADMIN}"
                + (" (chaque enregistrement est un commit git)" if commit else ""),
                flush=True,
            )
            while True:
                if pending.wait(0.5):
                    time.sleep(0.3)  # let an editor finish writing
                    pending.clear()
                    # the served folder is replaced by the build: the handler serves the same path again
                    if pdfs is not None:
                        pdfs.outdated()
                    preview.rebuild()
                    if pdfs is not None and preview.error is None:
                        pdfs.request()  # then the plan's and the fiches' PDFs, in the background
        except KeyboardInterrupt:
            print("\nAperçu arrêté.")
        finally:
            if pdfs is not None:
                pdfs.stop()
            if observer is not None:
                observer.stop()
                observer.join()
            if serving is not None:  # shutdown() waits for serve_forever() to return: only once it has started
                server.shutdown()
            server.server_close()


def bind(port: int, preview: Preview) -> _Server:
    """The HTTP server listening on 127.0.0.1:<port> (requests wait until it serves), or `BuildError` in French."""
    handler = type("Handler", (_Handler,), {"preview": preview})
    other = port + 1 if port < 65535 else 8001
    try:
        server = _Server(("127.0.0.1", port), functools.partial(handler, directory=str(preview.out)))
        server.debug = preview.debug
        return server
    except OverflowError as exc:
        raise BuildError(
            f"le port {port} n'existe pas : choisissez un nombre entre 1024 et 65535, par exemple --port 8000"
        ) from exc
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise BuildError(f"le port {port} est déjà utilisé : choisissez-en un autre avec --port {other}") from exc
        raise BuildError(
            f"impossible d'ouvrir le port {port} : {oserror_fr(exc)} ; choisissez-en un autre avec --port {other}"
        ) from exc


def watch(content: Path, root: Path, pending: threading.Event) -> BaseObserver:
    """A started watchdog observer of `content/` and `root`'s `theme/` and `mkdocs.yml`, raising `pending`."""
    observer = Observer()
    for folder in (content, root / "theme"):
        if folder.is_dir():
            observer.schedule(Changed(pending), str(folder), recursive=True)
    if (root / "mkdocs.yml").is_file():
        # a file: watch its folder, without subfolders, for this one name (editors often save by renaming)
        observer.schedule(Changed(pending, "mkdocs.yml"), str(root), recursive=False)
    observer.start()
    return observer

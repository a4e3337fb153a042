"""The orchestrator: load → validate → model → render (site, plan PDF, brochure), then publish atomically.

Read it top to bottom like a recipe. Every stage lives in its own module; renderers only read `Projet`.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from builder.content.model import Projet
from builder.errors import BuildError, oserror_fr
from builder.outputs.folder import (
    MARKER,
    copy_owned,
    is_fiches_output,
    is_staging_of,
    lock_path,
    sizes,
    staging_prefix,
    write_marker,
)
from builder.processes import Beside
from builder.project import load_projet
from builder.settings import Settings, read_settings

PARTS = ("site", "plan", "brochure")
DOWNLOADS = "telechargements"
__all__ = ["MARKER", "build", "build_pdf", "check_output", "load_checked", "render"]


def build(
    content: Path, out: Path, only: Iterable[str] | None = None, strict: bool = False, settings: Settings | None = None
) -> Path:
    """Build the selected parts of `content` into `out`; `out` changes only if everything succeeded. `settings`
    are those of the project that holds `content` unless given."""
    parts = tuple(only or PARTS)
    settings = settings or read_settings(content)
    check_output(content, out)
    projet = load_checked(content, strict)
    if settings.site_url is None and "brochure" in parts:
        print(
            "mkdocs.yml : pas de site_url ; la brochure est produite sans QR code vers l'intranet, le flux et "
            "les exports sans adresses complètes [avertissement]",
            file=sys.stderr,
        )
    with _exclusive(out):
        _remove_leftovers(out)
        with tempfile.TemporaryDirectory(prefix=staging_prefix(out), dir=out.parent) as tmp:
            staging = Path(tmp) / "out"
            staging.mkdir(parents=True, exist_ok=True)
            if set(parts) != set(PARTS) and out.is_dir():
                _keep_other_parts(out, staging, parts)
            render(projet, content, staging, parts, settings)
            write_marker(staging)  # the files this output holds: the next build may replace it, keep them
            _swap(staging, out)
    print(f"Construit : {out}/ ({', '.join(parts)})")
    return out


def _keep_other_parts(out: Path, staging: Path, parts: tuple[str, ...]) -> None:
    """A partial build keeps the other parts as they were: the whole previous output when the site is not
    rebuilt, else only the PDFs that are not (the site's pages and data files are all written anew). Only the
    regular files the previous build wrote are copied, never through a symbolic link."""
    if "site" not in parts:
        copy_owned(out, staging, lambda rel: True)
        return
    kept = tuple(f"{DOWNLOADS}/{kind}-" for kind in ("plan", "brochure") if kind not in parts)
    fiches = f"{DOWNLOADS}/fiches/" if "plan" not in parts else None  # each fiche's PDF goes with the plan

    def wanted(rel: str) -> bool:
        if not rel.endswith(".pdf"):
            return False
        return (rel.startswith(kept) and rel.count("/") == 1) or (
            fiches is not None and rel.startswith(fiches) and rel.count("/") == 2
        )

    copy_owned(out, staging, wanted)


def check_output(content: Path, out: Path) -> None:
    """Refuse an output folder whose replacement would destroy something: the content, the current folder or
    one of its parents, or a non-empty folder that no build produced."""
    c, o, cwd = content.resolve(), out.resolve(), Path.cwd().resolve()
    if o == c or o in c.parents:
        raise BuildError(
            f"le dossier de sortie {out} contient le contenu ({content}) : il serait remplacé par le "
            "site ; choisissez un autre dossier avec --out (par défaut : site)"
        )
    if c in o.parents:
        raise BuildError(
            f"le dossier de sortie {out} est dans le contenu ({content}) ; choisissez un dossier à "
            "côté, avec --out (par défaut : site)"
        )
    if o == cwd or o in cwd.parents:
        raise BuildError(
            f"le dossier de sortie {out} contient le dossier courant : il serait remplacé par le site ; "
            "choisissez un sous-dossier avec --out (par défaut : site)"
        )
    if o.is_dir() and any(o.iterdir()) and not is_fiches_output(o):
        raise BuildError(
            f"le dossier de sortie {out} n'est pas une sortie de fiches : il n'est pas vide et n'a pas "
            f"été produit par fiches build (pas de fichier {MARKER}) ; rien n'y est touché ; choisissez "
            "un dossier vide ou absent avec --out"
        )


def _remove_leftovers(out: Path) -> None:
    """Staging folders of an interrupted build of `out` (we hold its lock: no other build is using them); those
    of another output (`site-x` next to `site`) are not touched."""
    for leftover in out.parent.glob(staging_prefix(out) + "*"):
        if is_staging_of(leftover.name, out) and leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)


def load_checked(content: Path, strict: bool = False) -> Projet:
    """The complete plan (`project.load_projet`), its warnings printed on standard error."""
    projet = load_projet(content, strict=strict)
    for warning in projet.warnings:
        print(f"{warning} [avertissement]", file=sys.stderr)
    return projet


def render(projet: Projet, content: Path, out: Path, parts: tuple[str, ...], settings: Settings) -> None:
    """Every renderer reads the same `Projet`. The data exports are written by a second process while the PDFs
    or the site's pages are rendered; the pages that list the downloads wait for them."""
    downloads = out / DOWNLOADS
    downloads.mkdir(parents=True, exist_ok=True)
    exports = (
        Beside("les fichiers à télécharger (exports, flux, agenda)", _render_data, projet, out, settings.site_url)
        if "site" in parts
        else None
    )
    try:
        fiche_pdfs = None
        if "plan" in parts:  # each fiche alone, laid out by a worker on the other core meanwhile
            from builder.outputs.pdf.fiche import FOLDER, FichePdfs, workers_for

            fiche_pdfs = FichePdfs(
                projet, downloads / FOLDER, workers=max(1, workers_for(len(projet.fiches)) - 1), settings=settings
            )
        try:
            if "plan" in parts:
                from builder.outputs.pdf.plan import render_plan

                render_plan(projet, downloads / f"plan-{projet.plan.edition}.pdf", settings)
            if "brochure" in parts:
                from builder.outputs.pdf.brochure import render_brochure

                render_brochure(projet, downloads / f"brochure-{projet.plan.edition}.pdf", settings)
        except BaseException:
            if fiche_pdfs is not None:
                fiche_pdfs.stop()
            raise
        if fiche_pdfs is not None:
            fiche_pdfs.wait()  # before the site: its pages give each fiche PDF's size
        if exports is not None:
            from builder.outputs.site.nav import Published
            from builder.outputs.site.pages import render_site

            def all_written() -> dict[str, int]:
                exports.wait()
                return sizes(out)

            render_site(projet, out, settings, Published(sizes(out), all_written))
            _render_admin(content, out, settings)
    finally:
        if exports is not None:
            exports.stop()  # a failed build: the exports must not go on writing in a folder being removed


def _render_admin(content: Path, out: Path, settings: Settings) -> None:
    """The form editor `/admin/`, only when `mkdocs.yml` configures a Git forge for it (off by default)."""
    from builder.cms.config import forge_settings, write_admin

    forge = forge_settings(settings.identity, content, settings.root)
    if forge is not None:
        write_admin(content, out, forge, settings.site_name)


def _render_data(projet: Projet, out: Path, site_url: str | None) -> None:
    """Feeds, calendars and data exports, written next to the site (later linked from it)."""
    from builder.outputs.data.export import write_downloads

    write_downloads(projet, out, site_url)


def build_pdf(
    kind: str, content: Path, output: Path | None, fiche_id: str | None = None, settings: Settings | None = None
) -> Path:
    """`fiches pdf plan|brochure|fiche ID`: one PDF outside the site, written whole or not at all."""
    settings = settings or read_settings(content)
    projet = load_checked(content)
    if kind == "fiche" and fiche_id not in projet.by_id:
        from builder.outputs.pdf.fiche import unknown_fiche

        raise BuildError(unknown_fiche(projet, fiche_id))
    if kind != "fiche" and fiche_id:
        raise BuildError(f"un numéro de fiche ({fiche_id}) ne va qu'avec « fiches pdf fiche »")
    target = output or Path(f"fiche-{fiche_id}.pdf" if kind == "fiche" else f"{kind}-{projet.plan.edition}.pdf")
    if not target.resolve().parent.is_dir():
        raise BuildError(f"{target.parent} : dossier introuvable ; créez-le ou choisissez un autre chemin avec -o")
    with tempfile.TemporaryDirectory(prefix=".fiches-", dir=target.resolve().parent) as tmp:
        partial = Path(tmp) / target.name
        if kind == "plan":
            from builder.outputs.pdf.plan import render_plan

            render_plan(projet, partial, settings)
        elif kind == "fiche":
            from builder.outputs.pdf.fiche import render_fiche_pdf

            render_fiche_pdf(projet, fiche_id or "", partial, settings)
        else:
            from builder.outputs.pdf.brochure import render_brochure

            render_brochure(projet, partial, settings)
        os.replace(partial, target)
    return target


@contextmanager
def _exclusive(out: Path) -> Iterator[None]:
    """One build at a time per output directory (a second one waits for the first)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    path = lock_path(out)
    try:  # never truncated, never through a symbolic link
        lock = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise BuildError(
            f"verrou impossible à ouvrir : {oserror_fr(exc)} ; supprimez-le s'il n'est pas un fichier ordinaire"
        ) from None
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
    finally:
        os.close(lock)


def _swap(staging: Path, out: Path) -> None:
    """Replace `out` by `staging`: one atomic exchange of the two folders where the system offers it
    (Linux `renameat2`), else two renames; readers see the old or the new site, never a mix."""
    if out.exists() and not out.is_dir():
        raise BuildError(f"{out} existe et n'est pas un dossier")
    if not out.exists():
        os.rename(staging, out)
    elif not _exchange(staging, out):
        old = staging.parent / "previous"
        os.rename(out, old)
        os.rename(staging, out)


_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically with renameat2(RENAME_EXCHANGE); False where unsupported."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError, TypeError):
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    return result == 0

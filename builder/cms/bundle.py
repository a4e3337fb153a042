"""The form editor's files (Decap CMS, a pinned release from the npm registry), installed with fiches.

They live in one folder of the package (`bundle_dir()`), filled at setup or packaging time by `fetch()`
(`python3 -m builder.cms.bundle`, run by `.ci/setup`) with the machine's npm: `npm pack` downloads the
published tarball, whose integrity is compared with the one pinned here, then the browser bundle is extracted.
Nothing is fetched at run time: `fiches serve` and `fiches build` only read this folder.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.resources
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "decap-cms"
VERSION = "3.16.3"
INTEGRITY = "sha512-hf+dPlCh7TJmWl8+6VRzHYOWhri5xgUknrZbDewaWe4s9B7xJ8PQugp2QHeSldMUKzav6+z0oIpwUYhUJDYtYw=="
SCRIPT = "decap-cms.js"
STAMP = "VERSION"


def bundle_dir() -> Path:
    """The folder of the editor's files inside the installed package (it may be empty: see `installed`)."""
    return Path(str(importlib.resources.files("builder"))) / "vendor" / PACKAGE


def installed() -> bool:
    """Whether the pinned release is in `bundle_dir()`."""
    folder = bundle_dir()
    stamp = folder / STAMP
    return (folder / SCRIPT).is_file() and stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == VERSION


def bundle_files() -> list[Path]:
    """The files served under /admin/ besides the page and the configuration."""
    folder = bundle_dir()
    return sorted(p for p in folder.iterdir() if p.is_file() and p.name != STAMP) if folder.is_dir() else []


def bundle_size() -> int:
    return sum(p.stat().st_size for p in bundle_files())


def _kept(name: str) -> bool:
    """The browser bundle and the chunks and WebAssembly files it loads; not the source maps, nor the copy named
    `cms.js`."""
    base = name.rsplit("/", 1)[-1]
    return (
        name.startswith("package/dist/")
        and "/" not in name.removeprefix("package/dist/")
        and (base == SCRIPT or base.endswith(("." + SCRIPT, ".wasm")) or base == SCRIPT + ".LICENSE.txt")
    )


def fetch(npm: str = "npm") -> Path:
    """Download the pinned release with npm, check it, and install its browser files into `bundle_dir()`."""
    target = bundle_dir()
    if installed():
        return target
    if shutil.which(npm) is None:
        raise SystemExit(f"npm est introuvable : installez Node.js et npm pour récupérer {PACKAGE} {VERSION}")
    with tempfile.TemporaryDirectory(prefix="fiches-cms-") as tmp:
        packed = subprocess.run(
            [npm, "pack", f"{PACKAGE}@{VERSION}", "--json", "--pack-destination", tmp],
            cwd=tmp,
            capture_output=True,
            text=True,
        )
        if packed.returncode != 0:
            raise SystemExit(f"npm pack {PACKAGE}@{VERSION} a échoué :\n{packed.stderr.strip()}")
        tarball = Path(tmp) / json.loads(packed.stdout)[0]["filename"]
        digest = "sha512-" + base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
        if digest != INTEGRITY:
            raise SystemExit(f"{tarball.name} : empreinte inattendue ({digest}) ; attendu {INTEGRITY}")
        staging = Path(tmp) / "bundle"
        staging.mkdir()
        with tarfile.open(tarball) as archive:
            for member in archive.getmembers():
                if member.isfile() and _kept(member.name):
                    source = archive.extractfile(member)
                    assert source is not None
                    (staging / Path(member.name).name).write_bytes(source.read())
        if not (staging / SCRIPT).is_file():
            raise SystemExit(f"{tarball.name} : {SCRIPT} absent de l'archive")
        (staging / "NOTICE.txt").write_text(
            f"{PACKAGE} {VERSION} (licence MIT), https://github.com/decaporg/decap-cms ; les licences des "
            f"bibliothèques qu'il contient sont dans {SCRIPT}.LICENSE.txt.\n",
            encoding="utf-8",
        )
        (staging / STAMP).write_text(VERSION + "\n", encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(staging), target)
    return target


if __name__ == "__main__":
    folder = fetch()
    print(
        f"{PACKAGE} {VERSION} : {len(bundle_files())} fichiers, {bundle_size() / 1e6:.1f} Mo dans {folder}",
        file=sys.stderr,
    )

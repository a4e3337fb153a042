"""`fiches serve` given hostile or clumsy requests (issue 11, finding 7): bad paths answer 400 or 404 in French,
a client that hangs up mid-response is silent, the terminal never shows a traceback."""

from __future__ import annotations

import queue
import re
import shutil
import socket
import struct
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from tests.conftest import MINI, serving


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[tuple[str, int], queue.Queue[str]]]:
    """`fiches serve` on the mini plan in a subprocess, started once: its address and its output lines."""
    content = tmp_path_factory.mktemp("serve") / "content"
    shutil.copytree(MINI, content)
    with serving(content) as (url, lines):
        parts = urlsplit(url)
        yield (parts.hostname, parts.port), lines


def _raw(address: tuple[str, int], path: str) -> tuple[int, str]:
    """One GET as bytes on a socket (urllib would refuse or rewrite these paths): status and body."""
    with socket.create_connection(address, timeout=10) as sock:
        sock.sendall(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode("latin-1"))
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body.decode("utf-8")


def _hang_up(address: tuple[str, int], path: str, after: int) -> None:
    """Ask for `path`, read `after` bytes of the answer, then reset the connection (SO_LINGER 0)."""
    sock = socket.create_connection(address, timeout=10)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    if after:
        sock.recv(after)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def _output(lines: queue.Queue[str], wait: float = 1.5) -> list[str]:
    time.sleep(wait)
    found = []
    while True:
        try:
            found.append(lines.get_nowait())
        except queue.Empty:
            return found


def test_bad_paths_answer_400_or_404_in_french_and_print_nothing(running) -> None:
    """`chemins_invalides`: a NUL byte, a climb out of the site, an overlong path, a name too long for the
    system, a control character."""
    address, lines = running
    _output(lines, 0)
    cases = {
        "/%00": 400,
        "/fiches/%00/index.html": 400,
        "/%1b[2J": 400,
        "/" + "a" * 5000: 400,
        "/..%2f..%2f..%2f..%2fetc%2fpasswd": 404,
        "/../../../../etc/passwd": 404,
        "/" + "a" * 300: 404,
        "/fiches/" + "é" * 200 + "/": 404,
    }
    for path, status in cases.items():
        code, body = _raw(address, path)
        assert code == status, (path, code, body)
        message = "Requête invalide" if status == 400 else "Page introuvable"
        assert f"<h1>Erreur {status}</h1><p>{message}.</p>" in body and 'lang="fr"' in body
        assert "root:" not in body
    assert _raw(address, "/")[0] == 200  # still serving
    assert _output(lines) == []


def test_a_client_that_hangs_up_is_silent(running) -> None:
    """`client_qui_raccroche`: twenty clients reset their connection at different moments of a large answer."""
    address, lines = running
    status, page = _raw(address, "/")
    assert status == 200
    big = re.search(r'src="(assets/javascripts/bundle[^"]+\.js)"', page)
    path = "/" + big.group(1) if big else "/assets/fonts/Inter-Regular.otf"
    _output(lines, 0)
    for i in range(20):
        _hang_up(address, path if i % 2 else "/", after=(0, 10, 2000, 20000)[i % 4])
    assert _raw(address, "/")[0] == 200  # still serving
    output = _output(lines)
    assert output == [], output

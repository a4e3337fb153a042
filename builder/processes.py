"""Second processes for the build: forked, so they share the validated models without copying them.

Forking is used only where it is safe (a `fork` start method, no other thread running: `fiches serve` has its
watcher and server threads) and useful (a second CPU).
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable
from typing import Any

from builder.errors import BuildError, oserror_fr


def can_fork() -> bool:
    """Whether a forked worker would run on another CPU, safely."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1 and usable_cpus() >= 2


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity where the system tells it: Linux), at least 1."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def worker_pool(
    count: int, initializer: Callable[..., None], initargs: tuple
) -> concurrent.futures.ProcessPoolExecutor:
    """`count` worker processes for the PDFs' layouts, started by a fork server (clean processes, no inherited
    threads) where the system has one, else spawned; `initializer(*initargs)` runs in each before its first job."""
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    return concurrent.futures.ProcessPoolExecutor(
        count, mp_context=multiprocessing.get_context(method), initializer=initializer, initargs=initargs
    )


class Beside:
    """`task(*args)` running in a forked process (or run at once where forking is not possible): `wait()` returns
    when it is done (`BuildError` if it failed), `stop()` ends it when the build fails meanwhile."""

    def __init__(self, what: str, task: Callable[..., None], *args: object) -> None:
        self.what = what
        self.process: multiprocessing.process.BaseProcess | None = None
        if not can_fork():
            task(*args)
            return
        context = multiprocessing.get_context("fork")
        self.reason, child = context.Pipe(duplex=False)
        self.process = context.Process(target=_run, args=(child, task, args), daemon=True)
        self.process.start()
        child.close()

    def wait(self) -> None:
        if self.process is None:
            return
        self.process.join()
        failed = self.process.exitcode != 0
        self.process = None
        if failed:
            reason = self.reason.recv() if self.reason.poll() else None
            raise BuildError(f"{self.what} n'ont pas pu être écrits" + (f" : {reason}" if reason else ""))

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.join()
            self.process = None


def _run(report: Any, task: Callable[..., None], args: tuple) -> None:
    """In the forked process: run `task`; a failure is sent to the parent in French (a full disk, a file that
    cannot be written…) and ends the process with status 1, without a Python trace on the terminal."""
    try:
        task(*args)
    except OSError as exc:
        reason = oserror_fr(exc)
    except BuildError as exc:
        reason = str(exc)
    except Exception as exc:  # a bug: named in one line, like the CLI does
        reason = f"erreur interne ({type(exc).__name__} : {exc})"
    else:
        return
    try:
        report.send(reason)
    except OSError:
        pass
    sys.exit(1)

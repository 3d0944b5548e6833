"""Rendering several figures, in order, optionally in worker processes.

See :func:`render_many`. Workers receive the jobs when they start (inherited under
``fork``, pickled under ``spawn``), ignore Ctrl-C, die with their parent (Linux) and
are shut down on every exit path.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from .render import render_figure

__all__ = ["Job", "render_many"]


# A render request: (figure, formats, size, caption, dpi) or with a dict of options.
Job = tuple[Any, ...]

_worker_jobs: list[Job] = []  # set in each worker process by _worker_start, never in the parent


def _render(job: Job) -> dict[str, bytes]:
    fig, formats, size, caption, dpi, *rest = job
    options = rest[0] if rest else {}
    return render_figure(fig, formats, size=size, caption=caption, dpi=dpi, **options)


def _die_with_parent(parent: int) -> None:
    """Ask Linux to kill this worker when its parent dies (no orphans after kill -9)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _worker_start(parent: int, jobs: list[Job]) -> None:
    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _worker_jobs[:] = jobs


def _worker_run(index: int) -> dict[str, bytes]:
    return _render(_worker_jobs[index])


def _context() -> Any:
    # fork shares the figures without pickling them (fast, Linux); elsewhere the
    # platform's default (spawn) pickles them to each worker once, at start.
    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def render_many(jobs: Iterable[Job], *, workers: int = 1) -> Iterator[dict[str, bytes]]:
    """Render several figures, in order, optionally in ``workers`` processes.

    Each job is ``(figure, formats, size, caption, dpi[, options])`` with ``options``
    keywords of :func:`render_figure`. Results come back in job order with the same
    bytes as :func:`render_figure`. With ``workers=n``, ``n - 1`` worker processes
    are started and this one renders too. The workers receive the jobs when they
    start (inherited under ``fork``, pickled under ``spawn``), ignore Ctrl-C, die
    with this process (Linux) and are shut down on every exit path.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> figs = [Figure() for _ in range(2)]
    >>> jobs = [(f, ["svg"], "4:3", None, 72) for f in figs]
    >>> [sorted(r) for r in render_many(jobs, workers=2)]
    [['svg'], ['svg']]
    """
    jobs = list(jobs)
    if workers <= 1 or len(jobs) < 2:
        for job in jobs:
            yield _render(job)
        return
    # ProcessPoolExecutor (not Pool): a worker that dies raises BrokenProcessPool
    # instead of hanging. This process is one of the ``workers``: its caches are warm
    # and it would otherwise sit idle. The workers take jobs from the front, this
    # process from the back (jobs no worker has started), until they meet.
    pool = ProcessPoolExecutor(
        max_workers=min(workers, len(jobs)) - 1,
        mp_context=_context(),
        initializer=_worker_start,
        initargs=(os.getpid(), jobs),
    )
    futures = []
    try:
        futures = [pool.submit(_worker_run, i) for i in range(len(jobs))]
        mine: dict[int, dict[str, bytes]] = {}
        back = len(jobs) - 1
        for i, future in enumerate(futures):
            while not future.done() and back > i and futures[back].cancel():
                mine[back] = _render(jobs[back])
                back -= 1
            yield mine.pop(i) if i in mine else future.result()
    finally:  # on an error, Ctrl-C or an early close: start nothing new, stop the workers
        for future in futures:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)

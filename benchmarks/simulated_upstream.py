"""The simulated YARN deployment of ``tests/unit/fake_upstream.py`` (Livy, the RM and Spark REST
behind its proxy, in real JSON shape) in a child process, so that its CPU is not counted as
Jupyter's. Every server binds 127.0.0.1 on a free port."""

from __future__ import annotations

import asyncio
import multiprocessing
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "unit"))

from fake_upstream import SimulatedCluster  # noqa: E402


def _serve(urls, stop, sessions: int, latency: float, spark_ui: bool) -> None:
    async def main() -> None:
        cluster = SimulatedCluster(sessions=sessions, latency=latency, spark_ui=spark_ui)
        async with cluster.serving() as served:
            urls.put(served)
            while not stop.is_set():
                await asyncio.sleep(0.1)

    asyncio.run(main())


@contextmanager
def simulated_upstream(sessions: int, latency: float, spark_ui: bool = True) -> Iterator[tuple[str, str]]:
    """Serves until the block ends; yields (Livy URL, ResourceManager URL)."""
    context = multiprocessing.get_context("spawn")  # no copy of the caller's event loop or sockets
    urls, stop = context.Queue(), context.Event()
    process = context.Process(target=_serve, args=(urls, stop, sessions, latency, spark_ui), daemon=True)
    process.start()
    try:
        yield urls.get(timeout=30)
    finally:
        stop.set()
        process.join(10)

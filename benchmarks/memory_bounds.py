"""Memory after the two cases that used to grow without bound: a Livy whose paging never ends and
a Livy answer with a 50 MB field. Refreshes a SessionCollector against a local fake Livy
(127.0.0.1, free port) and prints the process's RSS; asserts nothing.

    .venv/bin/python benchmarks/memory_bounds.py [--refreshes 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import time
from pathlib import Path

from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from jupyterlab_livy_capacity.sparkmagic_config import Endpoint  # noqa: E402
from jupyterlab_livy_capacity.sessions import SessionCollector  # noqa: E402
from jupyterlab_livy_capacity.upstream import Http  # noqa: E402


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def endless(request: web.Request) -> web.Response:
    """Every page is new and full, and the total never comes: paging that would never end."""
    start = int(request.query.get("from", 0))
    sessions = [{"id": i, "state": "idle", "log": ["x" * 200] * 10} for i in range(start, start + 100)]
    return web.json_response({"from": start, "total": 10**9, "sessions": sessions})


def one_session_named(megabytes: int):
    """A page whose one session has a name of ``megabytes`` MB, built once (the fake Livy shares
    this process: building it per request would be counted as the client's memory)."""
    body = json.dumps({"from": 0, "total": 1, "sessions": [
        {"id": 0, "state": "idle", "name": "n" * (megabytes * 1024 * 1024)}]}).encode()

    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="application/json")
    return handler


async def empty(request: web.Request) -> web.Response:
    return web.json_response({"from": 0, "total": 0, "sessions": []})


async def measure(name: str, sessions_handler, refreshes: int) -> None:
    """RSS before the refreshes (fake Livy's page included) and after them."""
    app = web.Application()
    app.router.add_get("/sessions", sessions_handler)
    app.router.add_get("/batches", empty)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    http = Http()
    collector = SessionCollector(http, ttl=0.0)
    endpoint = Endpoint(id="bench", url=f"http://127.0.0.1:{runner.addresses[0][1]}")
    try:
        before, started = rss_mib(), time.perf_counter()
        for _ in range(refreshes):
            snapshot = await collector.snapshot(endpoint)
        took = (time.perf_counter() - started) / refreshes
        kept = len(json.dumps(snapshot))
        outcome = snapshot["error"]["kind"] if snapshot["error"] else f"{len(snapshot['sessions'])} rows"
        print(f"{name:<34} {took:7.2f} s/refresh  {http.requests_sent // refreshes:>5} req/refresh  "
              f"snapshot {kept / 1024:8.1f} KiB  {outcome:<10} RSS {before:6.1f} -> {rss_mib():6.1f} MiB  "
              f"(peak {peak_mib():6.1f} MiB)")
    finally:
        await http.close()
        await runner.cleanup()


async def main(refreshes: int) -> None:
    await measure("endless paging (total 10^9)", endless, refreshes)
    await measure("15 MB name (under the body cap)", one_session_named(15), refreshes)
    await measure("50 MB name (over the body cap)", one_session_named(50), refreshes)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--refreshes", type=int, default=5)
    asyncio.run(main(parser.parse_args().refreshes))

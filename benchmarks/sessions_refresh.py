"""Refresh of N sessions against a simulated YARN deployment, each goal of issue 11 printed with its
limit and the ratio measured / limit (≤ 1 meets it), in the same run.

The simulated Livy, ResourceManager and Spark REST API (``tests/unit/fake_upstream.py``, real JSON
shape, every request answered after ``--rtt-ms``) run in a child process, so the CPU measured here
(``getrusage``: user + system time of this process) is Jupyter's alone. Three sources, as ``SessionCollector`` reads them:

- Livy only: Livy reports no Spark UI and no cluster URL is configured;
- YARN: the RM's one apps listing (and metrics) per refresh;
- Spark REST: one ``/executors`` call per application, all through the RM's proxy (one origin).

A refresh is timed as the request after ``invalidate`` sees it (the path a kill takes); the
environments fetched after the first refresh are waited out first. Also timed: the first request on
a cold server (it waits for Livy's listing only) and a request that arrives after the TTL (it waits
for nothing). Asserts nothing.

    .venv/bin/python benchmarks/sessions_refresh.py [--sessions 500] [--rtt-ms 50] [--refreshes 5] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import math
import resource
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulated_upstream import simulated_upstream  # noqa: E402

from jupyterlab_livy_capacity.sparkmagic_config import Endpoint  # noqa: E402
from jupyterlab_livy_capacity.sessions import SessionCollector  # noqa: E402
from jupyterlab_livy_capacity.upstream import Http, HttpSettings  # noqa: E402

SOURCES = {"Livy only": (False, False), "YARN RM": (True, True), "Spark REST": (True, False)}  # (spark UI, RM URL)
CPU_LIMIT_MS_PER_SESSION = 0.2
PROFILE_ORDER = "tottime"
SPARK_REST_SLOTS = 32  # the issue's ⌈N/32⌉: Spark REST calls in flight to the RM proxy at once


async def quiet(http: Http) -> None:
    """Until requests in the background (Spark environments) stop."""
    sent = -1
    while sent != http.requests_sent:
        sent = http.requests_sent
        await asyncio.sleep(0.2)


async def measure(source: str, sessions: int, rtt: float, refreshes: int, profile: bool) -> dict[str, float]:
    spark_ui, with_rm = SOURCES[source]
    with simulated_upstream(sessions, rtt, spark_ui) as (livy_url, rm_url):
        http = Http(HttpSettings(connect_timeout=5, request_timeout=30))
        collector = SessionCollector(http, ttl=3600)
        endpoint, yarn_url = Endpoint("bench", livy_url), rm_url if with_rm else ""
        try:
            started = time.perf_counter()
            cold = await collector.snapshot(endpoint, yarn_url=yarn_url)
            cold_s = time.perf_counter() - started
            assert len(cold["sessions"]) == sessions and cold["error"] is None, cold["error"]
            collector.invalidate(livy_url)
            await collector.snapshot(endpoint, yarn_url=yarn_url)
            await quiet(http)

            walls, cpus, kernel_cpus, sent = [], [], [], http.requests_sent
            profiler = cProfile.Profile(time.process_time) if profile else None  # CPU, not waits
            for _ in range(refreshes):
                collector.invalidate(livy_url)
                wall, cpu = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
                if profiler:
                    profiler.enable()
                snapshot = await collector.snapshot(endpoint, yarn_url=yarn_url)
                if profiler:
                    profiler.disable()
                spent = resource.getrusage(resource.RUSAGE_SELF)
                cpus.append(spent.ru_utime + spent.ru_stime - cpu.ru_utime - cpu.ru_stime)
                kernel_cpus.append(spent.ru_stime - cpu.ru_stime)  # mostly the loopback TCP stack
                walls.append(time.perf_counter() - wall)
            requests = (http.requests_sent - sent) / refreshes
            assert not snapshot["partial"] and snapshot["error"] is None and len(snapshot["sessions"]) == sessions
            usage = {row["usage"]["source"] for row in snapshot["sessions"]}

            collector.ttl = 0  # every request after this one is past the TTL
            started = time.perf_counter()
            stale = await collector.snapshot(endpoint, yarn_url=yarn_url)
            stale_s = time.perf_counter() - started
            assert stale["refreshing"]
            await collector.snapshot(endpoint, yarn_url=yarn_url)
            await quiet(http)
        finally:
            await http.close()
    if profiler:
        print(f"\ncProfile (CPU time) of {refreshes} refreshes, {source}, {sessions} sessions, top 25 by own time:")
        pstats.Stats(profiler).sort_stats(PROFILE_ORDER).print_stats(25)
    return {"refresh": statistics.median(walls), "cpu": statistics.median(cpus),
            "kernel cpu": statistics.median(kernel_cpus), "requests": requests,
            "cold": cold_s, "cold partial": cold["partial"], "stale": stale_s, "usage": "/".join(sorted(usage))}


def row(goal: str, measured: float, limit: float, unit: str, note: str = "") -> str:
    digits = 3 if limit < 1 else 1
    return (f"{goal:<52} {measured:>9.{digits}f} {unit:<3} {limit:>8.{digits}f} {unit:<3} {measured / limit:>6.2f}"
            f"  {note}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=500)
    parser.add_argument("--rtt-ms", type=float, default=50.0, help="latency of every upstream response")
    parser.add_argument("--refreshes", type=int, default=5, help="timed refreshes per source (median)")
    parser.add_argument("--profile", action="store_true", help="cProfile the Spark REST refreshes")
    args = parser.parse_args()
    n, rtt = args.sessions, args.rtt_ms / 1000
    results = {source: asyncio.run(measure(source, n, rtt, args.refreshes, args.profile and source == "Spark REST"))
               for source in SOURCES}

    print(f"\n{n} sessions, {args.rtt_ms:g} ms per upstream request, median of {args.refreshes} refreshes; "
          "ratio = measured / limit (≤ 1 meets the goal)")
    print(f"{'goal':<52} {'measured':>13} {'limit':>12} {'ratio':>6}")
    two_rtt = 2 * args.rtt_ms
    for source, result in results.items():
        rounds = 2 + (math.ceil(n / SPARK_REST_SLOTS) if source == "Spark REST" else 0)
        note = f"{result['requests']:.0f} requests, usage {result['usage']}, CPU {result['cpu'] * 1000:.0f} ms"
        print(row(f"refresh, {source}", result["refresh"] * 1000, 1.2 * rounds * args.rtt_ms, "ms", note))
    for source, result in results.items():  # the goal is Spark REST's (a call per session); the others make none
        print(row(f"Jupyter CPU per session per refresh, {source}", result["cpu"] * 1000 / n,
                  CPU_LIMIT_MS_PER_SESSION, "ms", f"{result['cpu'] * 1000:.0f} ms per refresh, "
                  f"{result['kernel cpu'] * 1000:.0f} ms of it in the kernel"))
    for source, result in results.items():
        shown = "listing first, usage follows" if result["cold partial"] else "complete"
        print(row(f"first request on a cold server, {source}", result["cold"] * 1000, 1.2 * two_rtt, "ms", shown))
    print(row("request after the TTL (served stale, refresh behind)", max(r["stale"] for r in results.values()) * 1000,
              1.0, "ms", "worst of the three sources"))


if __name__ == "__main__":
    main()

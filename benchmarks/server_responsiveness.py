"""Jupyter server /api/status latency while the extension works: proof that neither a hanging Livy
nor back-to-back refreshes of many sessions block the event loop.

Starts a real Jupyter server with the extension and measures /api/status (p50, p95, p99) before
and during one of two scenarios:

- ``hang``: the SparkMagic config points at the fault proxy in "hang" mode (it accepts
  connections and never answers); sessions requests stay in flight while ``--clients``
  browser-like clients poll the panel's routes;
- ``refresh``: the config points at the simulated YARN deployment of ``simulated_upstream.py``
  (``--sessions`` sessions, Spark REST through the RM proxy, 50 ms per request, in a child process)
  with ``snapshot_ttl`` 0, and ``--clients`` clients poll sessions every 0.5 s, so refreshes
  run back to back; /api/status is sampled every ``--interval-ms`` over several refreshes. The
  goal of issue 11: p99 ≤ 20 ms.

Prints figures; asserts nothing.

    .venv/bin/python benchmarks/server_responsiveness.py [--scenario hang|refresh] [--samples 200]
        [--hanging 8] [--clients 5] [--sessions 500]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from faultproxy import FaultProxy  # noqa: E402
from simulated_upstream import simulated_upstream  # noqa: E402

STATUS_P99_LIMIT_MS = 20.0

TOKEN = "bench-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, timeout: float = 60) -> float:
    started = time.perf_counter()
    request = urllib.request.Request(url, headers={"Authorization": f"token {TOKEN}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError:
        pass
    return (time.perf_counter() - started) * 1000


def get_quietly(url: str) -> None:
    try:
        get(url, timeout=120)
    except OSError:
        pass  # the server is stopped while these still hang


def percentile(ordered: list[float], share: float) -> float:
    return ordered[max(int(len(ordered) * share + 0.5) - 1, 0)]


def summary(name: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    return (f"{name:<46} p50 {statistics.median(ordered):6.1f} ms   p95 {percentile(ordered, 0.95):6.1f} ms   "
            f"p99 {percentile(ordered, 0.99):6.1f} ms   max {ordered[-1]:6.1f} ms")


def poll(urls: list[str], stop: threading.Event) -> None:
    """A browser tab: the panel's routes one after the other, every 0.5 s, until told to stop."""
    while not stop.is_set():
        for url in urls:
            get_quietly(url)
        stop.wait(0.5)


@contextmanager
def jupyter_server(livy_url: str, *options: str):
    """A Jupyter server with the extension whose SparkMagic config names ``livy_url``; yields its URL."""
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "config.json").write_text(json.dumps({"kernel_python_credentials": {"url": livy_url}}))
        port = free_port()
        env = {**os.environ, "SPARKMAGIC_CONF_DIR": tmp, "PYTHONPATH": str(ROOT)}
        server = subprocess.Popen(
            [sys.executable, "-m", "jupyter_server", f"--port={port}", "--ip=127.0.0.1", "--no-browser", "--allow-root",
             f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={tmp}",
             "--ServerApp.jpserver_extensions={'jupyterlab_livy_capacity': True}", *options],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    get(f"{base}/api/status", timeout=1)
                    break
                except OSError:
                    time.sleep(0.2)
            yield base
        finally:
            server.terminate()
            server.wait(10)


def refresh_scenario(args) -> None:
    with simulated_upstream(args.sessions, 0.05) as (livy_url, rm_url):
        with jupyter_server(livy_url, "--LivyCapacity.snapshot_ttl=0", "--LivyCapacity.request_timeout=30") as base:
            baseline = [get(f"{base}/api/status") for _ in range(args.samples)]
            sessions = f"{base}/livy-capacity/sessions?" + urllib.parse.urlencode({"endpoint": livy_url})
            started = time.perf_counter()
            first = json.loads(urllib.request.urlopen(urllib.request.Request(
                sessions, headers={"Authorization": f"token {TOKEN}"}), timeout=60).read())
            cold_ms = (time.perf_counter() - started) * 1000
            stop = threading.Event()
            # Browser tabs polling every 0.5 s: with snapshot_ttl 0 a refresh always runs (each takes ~1 s).
            pollers = [threading.Thread(target=poll, args=([sessions], stop), daemon=True)
                       for _ in range(args.clients)]
            for thread in pollers:
                thread.start()
            time.sleep(3.0)  # refreshes running back to back
            # Spread over several refreshes (each ~1 s), not bunched into the fraction of one.
            during = []
            for _ in range(args.samples):
                during.append(get(f"{base}/api/status"))
                time.sleep(args.interval_ms / 1000)
            stop.set()
            sessions_ms = [get(sessions) for _ in range(20)]
            last = json.loads(urllib.request.urlopen(urllib.request.Request(
                sessions, headers={"Authorization": f"token {TOKEN}"}), timeout=60).read())
        print(f"{len(first['sessions'])} sessions, first request on the cold server {cold_ms:.0f} ms "
              f"(partial: {first['partial']}); usage from {sorted({r['usage']['source'] for r in last['sessions']})}; "
              f"sessions requests: p50 {statistics.median(sessions_ms):.1f} ms")
        print(summary("/api/status, idle", baseline))
        print(summary(f"/api/status, refreshes back to back, {args.clients} polling", during))
        p99 = percentile(sorted(during), 0.99)
        print(f"{'p99 / limit':<46} {p99:.1f} ms / {STATUS_P99_LIMIT_MS:.0f} ms = {p99 / STATUS_P99_LIMIT_MS:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--hanging", type=int, default=8, help="sessions requests kept in flight")
    parser.add_argument("--clients", type=int, default=5, help="clients polling the panel's routes meanwhile")
    parser.add_argument("--scenario", choices=("hang", "refresh"), default="hang")
    parser.add_argument("--sessions", type=int, default=500, help="sessions of the refresh scenario")
    parser.add_argument("--interval-ms", type=float, default=25.0,
                        help="pause between /api/status samples while refreshes run (refresh scenario)")
    args = parser.parse_args()
    if args.scenario == "refresh":
        refresh_scenario(args)
        return
    with FaultProxy("http://127.0.0.1:9", hang_seconds=120) as proxy:
        proxy.mode = "hang"
        with jupyter_server(proxy.url, "--LivyCapacity.request_timeout=60", "--LivyCapacity.connect_timeout=5") as base:
            baseline = [get(f"{base}/api/status") for _ in range(args.samples)]
            sessions = f"{base}/livy-capacity/sessions?" + urllib.parse.urlencode({"endpoint": proxy.url})
            # All of them wait on the endpoint's one shared refresh, which hangs at the proxy.
            hanging = [threading.Thread(target=get_quietly, args=(sessions,), daemon=True)
                       for _ in range(args.hanging)]
            stop = threading.Event()
            pollers = [threading.Thread(target=poll, args=([f"{base}/livy-capacity/endpoints", sessions], stop),
                                        daemon=True) for _ in range(args.clients)]
            for thread in hanging + pollers:
                thread.start()
            time.sleep(1.0)
            in_flight = sum(1 for m, _ in proxy.requests if m == "GET")
            during = [get(f"{base}/api/status") for _ in range(args.samples)]
            stop.set()
            print(f"Livy requests hanging at the proxy while measuring: {in_flight}")
            print(summary("/api/status, Livy idle", baseline))
            print(summary(f"/api/status, Livy hangs, {args.hanging} + {args.clients} polling", during))

if __name__ == "__main__":
    main()

"""Jupyter server /api/status latency while Livy hangs: proof that no Livy call blocks the event loop.

Starts a real Jupyter server with the extension, whose SparkMagic config points at the fault
proxy in "hang" mode (it accepts connections and never answers), keeps sessions requests in
flight while ``--clients`` browser-like clients poll the panel's routes, and measures /api/status
meanwhile (p50, p95, p99). Prints figures; asserts nothing.

    .venv/bin/python benchmarks/server_responsiveness.py [--samples 200] [--hanging 8] [--clients 5]
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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from faultproxy import FaultProxy  # noqa: E402

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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--hanging", type=int, default=8, help="sessions requests kept in flight")
    parser.add_argument("--clients", type=int, default=5, help="clients polling the panel's routes meanwhile")
    args = parser.parse_args()
    with FaultProxy("http://127.0.0.1:9", hang_seconds=120) as proxy, tempfile.TemporaryDirectory() as tmp:
        proxy.mode = "hang"
        (Path(tmp) / "config.json").write_text(json.dumps({"kernel_python_credentials": {"url": proxy.url}}))
        port = free_port()
        env = {**os.environ, "SPARKMAGIC_CONF_DIR": tmp, "PYTHONPATH": str(ROOT)}
        server = subprocess.Popen(
            [sys.executable, "-m", "jupyter_server", f"--port={port}", "--ip=127.0.0.1", "--no-browser", "--allow-root",
             f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={tmp}",
             "--ServerApp.jpserver_extensions={'jupyterlab_livy_capacity': True}",
             "--LivyCapacity.request_timeout=60", "--LivyCapacity.connect_timeout=5"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    get(f"{base}/api/status", timeout=1)
                    break
                except OSError:
                    time.sleep(0.2)
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
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()

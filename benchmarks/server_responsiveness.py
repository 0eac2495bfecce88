"""Jupyter server /api/status latency while Livy hangs: proof that no Livy call blocks the event loop.

Starts a real Jupyter server with the extension, whose SparkMagic config points at the fault
proxy in "hang" mode (it accepts connections and never answers), keeps sessions requests in
flight, and measures /api/status meanwhile. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/server_responsiveness.py [--samples 50] [--hanging 8]
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


def summary(name: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(int(len(ordered) * 0.95) - 1, 0)]
    return f"{name:<38} p50 {statistics.median(ordered):7.1f} ms   p95 {p95:7.1f} ms   max {ordered[-1]:7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--hanging", type=int, default=8, help="sessions requests kept in flight")
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
            query = urllib.parse.urlencode({"endpoint": proxy.url})
            # Different source URLs make distinct snapshots, so each request hangs on its own refresh.
            hanging = [threading.Thread(target=get_quietly, args=(f"{base}/livy-capacity/sessions?{query}"
                                                          f"&sparkMasterUrl=http://127.0.0.1:{9000 + i}",), daemon=True)
                       for i in range(args.hanging)]
            for thread in hanging:
                thread.start()
            time.sleep(1.0)
            in_flight = sum(1 for m, _ in proxy.requests if m == "GET")
            during = [get(f"{base}/api/status") for _ in range(args.samples)]
            print(f"Livy requests hanging at the proxy while measuring: {in_flight}")
            print(summary("/api/status, Livy idle", baseline))
            print(summary(f"/api/status, {args.hanging} sessions requests hang", during))
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()

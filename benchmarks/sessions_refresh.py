"""Time to refresh N sessions, and upstream requests per refresh, against a simulated slow upstream.

The real local cluster hosts three sessions at most on this machine, so this benchmark serves N
sessions from a synthetic Livy whose sessions point at a synthetic Spark UI that answers after a
delay (a YARN-style deployment where every session has a Spark REST API). It prints figures; it
asserts nothing.

    .venv/bin/python benchmarks/sessions_refresh.py [--delay-ms 50] [--sizes 1,10,100]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jupyterlab_livy_capacity.config import Endpoint  # noqa: E402
from jupyterlab_livy_capacity.sessions import SessionCollector  # noqa: E402
from jupyterlab_livy_capacity.upstream import Http, HttpSettings  # noqa: E402


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the listen backlog: the default 5 drops concurrent SYNs (1 s retransmits)


def serve(handler_fn) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            body = json.dumps(handler_fn(self.path)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = _Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--delay-ms", type=float, default=50.0, help="latency of every Spark UI response")
    parser.add_argument("--sizes", default="1,10,100")
    args = parser.parse_args()
    delay = args.delay_ms / 1000
    state = {"n": 0}

    def spark(path: str):
        time.sleep(delay)
        if path.endswith("/environment"):
            return {"sparkProperties": [["spark.executor.memory", "4g"],
                                        ["spark.dynamicAllocation.maxExecutors", "4"]]}
        return [{"id": "driver", "isActive": True, "totalCores": 0},
                {"id": "1", "isActive": True, "totalCores": 4}, {"id": "2", "isActive": True, "totalCores": 4}]

    spark_server = serve(spark)
    spark_url = f"http://127.0.0.1:{spark_server.server_address[1]}"

    def livy(path: str):
        time.sleep(delay)
        if path.startswith("/batches"):
            return {"from": 0, "total": 0, "sessions": []}
        query = parse_qs(urlsplit(path).query)
        start, size = int(query.get("from", ["0"])[0]), int(query.get("size", ["100"])[0])
        ids = range(start, min(start + size, state["n"]))
        return {"from": start, "total": state["n"], "sessions": [
            {"id": i, "name": None, "appId": f"application_1_{i:04d}", "owner": "livy", "proxyUser": None,
             "state": "idle", "kind": "pyspark",
             "appInfo": {"sparkUiUrl": f"{spark_url}/proxy/application_1_{i:04d}", "driverLogUrl": None}}
            for i in ids]}

    livy_server = serve(livy)
    endpoint = Endpoint(id="bench", url=f"http://127.0.0.1:{livy_server.server_address[1]}")

    print(f"simulated upstream latency: {args.delay_ms:.0f} ms per response")
    print(f"{'sessions':>8} {'first refresh (s)':>18} {'warm refresh (s)':>17} {'upstream requests':>18} "
          f"{'cached read (ms)':>17}")

    async def run() -> None:
        for n in [int(s) for s in args.sizes.split(",")]:
            state["n"] = n
            http = Http(HttpSettings(connect_timeout=5, request_timeout=30))
            collector = SessionCollector(http, ttl=0.0)
            started = time.perf_counter()
            snapshot = await collector.snapshot(endpoint)
            first = time.perf_counter() - started
            assert len(snapshot["sessions"]) == n and snapshot["error"] is None, snapshot["error"]
            before = http.requests_sent
            started = time.perf_counter()
            await collector.snapshot(endpoint)  # /environment is cached per application by now
            warm = time.perf_counter() - started
            warm_requests = http.requests_sent - before
            collector.ttl = 60.0
            started = time.perf_counter()
            for _ in range(100):  # 100 tabs polling within one interval share one snapshot
                await collector.snapshot(endpoint)
            cached_ms = (time.perf_counter() - started) * 1000 / 100
            print(f"{n:>8} {first:>18.3f} {warm:>17.3f} {warm_requests:>18} {cached_ms:>17.3f}")

    asyncio.run(run())
    livy_server.shutdown()
    spark_server.shutdown()


if __name__ == "__main__":
    main()

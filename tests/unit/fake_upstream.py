"""Local stand-ins for Livy, Spark and YARN in unit tests: aiohttp servers on 127.0.0.1, free port."""

from __future__ import annotations

import asyncio
import json
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Awaitable, Callable

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@asynccontextmanager
async def serve(routes: dict[str, Handler]) -> AsyncIterator[str]:
    """Serves ``{path: handler}`` until the block ends; yields the base URL."""
    app = web.Application()
    for path, handler in routes.items():
        app.router.add_route("*", path, handler)
    # Handlers end when their client goes away, so hanging ones do not outlive the test.
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1, handler_cancellation=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


def reply(data: Any, status: int = 200) -> web.Response:
    """JSON as Livy writes it (Python's json also writes NaN, as a careless upstream may)."""
    return web.Response(status=status, text=json.dumps(data), content_type="application/json")


async def hang(request: web.Request) -> web.Response:
    """Accepts the request and never answers."""
    await asyncio.Event().wait()
    raise AssertionError("unreachable")


def livy_pages(sessions: list[dict[str, Any]], total: int | None = None, seen: list[str] | None = None) -> Handler:
    """GET /sessions or /batches paged with from/size, as Livy does; ``total`` may lie."""
    async def handler(request: web.Request) -> web.Response:
        if seen is not None:
            seen.append(request.path_qs)
        start, size = int(request.query.get("from", 0)), int(request.query.get("size", 100))
        page = sessions[start : start + size] if request.path == "/sessions" else []
        return reply({"from": start, "total": len(sessions) if total is None else total, "sessions": page})
    return handler


class SimulatedCluster:
    """A YARN deployment of Livy in real JSON shape: ``sessions`` interactive sessions and
    ``batches`` batches, each a running YARN application holding two executors, whose Spark UI is
    behind the ResourceManager's proxy (one origin for every Spark REST call, as on EMR or
    HDInsight). Livy and the RM listen on two origins; every request waits ``latency`` seconds and
    is recorded in ``requests`` (its path and query). With ``spark_ui=False`` Livy reports no Spark
    UI, as before an application starts."""

    def __init__(self, sessions: int, batches: int = 0, latency: float = 0.0, spark_ui: bool = True):
        self.sessions, self.batches, self.latency, self.spark_ui = sessions, batches, latency, spark_ui
        self.requests: list[str] = []
        self.rm_url = ""

    @asynccontextmanager
    async def serving(self) -> AsyncIterator[tuple[str, str]]:
        """Serves until the block ends; yields (Livy URL, ResourceManager URL)."""
        async with serve({"/ws/v1/cluster/metrics": self._delayed(self._metrics),
                          "/ws/v1/cluster/apps": self._delayed(self._apps),
                          "/proxy/{app}/api/v1/applications/{app_id}/{what}": self._delayed(self._spark)}) as rm_url:
            self.rm_url = rm_url
            async with serve({"/sessions": self._delayed(self._livy_page), "/batches": self._delayed(self._livy_page),
                              "/version": self._delayed(self._version)}) as livy_url:
                yield livy_url, rm_url

    def _delayed(self, handler: Callable[[web.Request], Any]) -> Handler:
        bodies: dict[tuple[str, int, int], str] = {}  # built once: a real upstream's own CPU is not measured

        async def delayed(request: web.Request) -> web.Response:
            self.requests.append(request.path_qs)
            arrived = time.monotonic()
            key = (request.path_qs, self.sessions, self.batches)
            if key not in bodies:
                bodies[key] = json.dumps(handler(request))
            # The latency is the whole answer time, building the body included (a real upstream
            # answers many requests at once; this one builds them one after another).
            await asyncio.sleep(max(self.latency - (time.monotonic() - arrived), 0.0))
            return web.Response(text=bodies[key], content_type="application/json")
        return delayed

    @staticmethod
    def app_id(kind: str, livy_id: int) -> str:
        return f"application_1700000000000_{(1 if kind == 'session' else 5000) + livy_id:04d}"

    def _livy_item(self, kind: str, livy_id: int) -> dict[str, Any]:
        app_id = self.app_id(kind, livy_id)
        ui = f"{self.rm_url}/proxy/{app_id}/" if self.spark_ui else None
        item = {"id": livy_id, "name": None, "appId": app_id, "owner": None, "proxyUser": f"user{livy_id % 40}",
                "state": "idle" if kind == "session" else "running",
                "appInfo": {"driverLogUrl": f"http://node{livy_id % 20}:8042/node/containerlogs/container_{app_id[12:]}"
                                            "_01_000001/livy", "sparkUiUrl": ui},
                "log": [f"stdout: 24/11/24 19:40:0{i} INFO Client: Application report for {app_id} (state: RUNNING)"
                        for i in range(5)]}
        if kind == "session":
            item.update(kind="pyspark", ttl=None, driverMemory="1000M", driverCores=1, executorMemory="4g",
                        executorCores=2, numExecutors=None, queue="default", heartbeatTimeoutInSecond=0,
                        conf={"spark.dynamicAllocation.enabled": "true", "spark.dynamicAllocation.maxExecutors": "4"},
                        archives=[], files=[], jars=[], pyFiles=[])
        return item

    def _livy_page(self, request: web.Request) -> dict[str, Any]:
        kind, count = ("session", self.sessions) if request.path == "/sessions" else ("batch", self.batches)
        start, size = int(request.query.get("from", 0)), int(request.query.get("size", 100))
        return {"from": start, "total": count,
                "sessions": [self._livy_item(kind, i) for i in range(start, min(start + size, count))]}

    @staticmethod
    def _version(request: web.Request) -> dict[str, Any]:
        return {"version": "0.8.0-incubating", "user": "livy", "revision": "abc", "branch": "master", "date": "2024"}

    def _metrics(self, request: web.Request) -> dict[str, Any]:
        return {"clusterMetrics": {"appsSubmitted": 9000, "appsRunning": self.sessions + self.batches,
                                   "totalMB": 4096 * 1024, "allocatedMB": 1024 * 1024, "availableMB": 3072 * 1024,
                                   "totalVirtualCores": 2048, "allocatedVirtualCores": 600,
                                   "containersAllocated": 3 * (self.sessions + self.batches), "containersPending": 0,
                                   "activeNodes": 100, "lostNodes": 0, "unhealthyNodes": 0}}

    def _apps(self, request: web.Request) -> dict[str, Any]:
        apps = [{"id": self.app_id(kind, i), "user": "livy", "name": f"livy-{kind}-{i}", "queue": "default",
                 "state": "RUNNING", "finalStatus": "UNDEFINED", "progress": 10.0, "trackingUI": "ApplicationMaster",
                 "trackingUrl": f"{self.rm_url}/proxy/{self.app_id(kind, i)}/", "applicationType": "SPARK",
                 "applicationTags": f"livy-{kind}-{i}-abcdefgh", "startedTime": 1700000000000 + i,
                 "finishedTime": 0, "elapsedTime": 60000, "allocatedMB": 9216, "allocatedVCores": 5,
                 "runningContainers": 3, "memorySeconds": 552960, "vcoreSeconds": 300,
                 "queueUsagePercentage": 0.2, "clusterUsagePercentage": 0.2,
                 "resourceRequests": [{"resourceName": "*", "numContainers": 0, "priority": {"priority": 1},
                                       "capability": {"memory": 4505, "vCores": 2}}]}
                for kind, count in (("session", self.sessions), ("batch", self.batches)) for i in range(count)]
        return {"apps": {"app": apps} if apps else None}

    @staticmethod
    def _spark(request: web.Request) -> Any:
        if request.match_info["what"] == "environment":
            return {"runtime": {"javaVersion": "17", "scalaVersion": "2.12.18"},
                    "sparkProperties": [["spark.dynamicAllocation.enabled", "true"],
                                        ["spark.dynamicAllocation.maxExecutors", "4"],
                                        ["spark.executor.memory", "4g"], ["spark.executor.cores", "2"],
                                        ["spark.app.name", "livy-session"]]}
        executor = {"isActive": True, "rddBlocks": 0, "memoryUsed": 0, "diskUsed": 0, "maxTasks": 2, "activeTasks": 0,
                    "failedTasks": 0, "completedTasks": 12, "totalTasks": 12, "totalDuration": 5000, "totalGCTime": 30,
                    "totalInputBytes": 0, "totalShuffleRead": 0, "totalShuffleWrite": 0, "isBlacklisted": False,
                    "maxMemory": 2223023308, "addTime": "2024-11-24T19:40:00.000GMT", "executorLogs": {},
                    "memoryMetrics": {"usedOnHeapStorageMemory": 0, "usedOffHeapStorageMemory": 0,
                                      "totalOnHeapStorageMemory": 2223023308, "totalOffHeapStorageMemory": 0},
                    "attributes": {}, "resources": {}, "resourceProfileId": 0, "isExcluded": False}
        return [{**executor, "id": "driver", "hostPort": "node1:40000", "totalCores": 0},
                {**executor, "id": "1", "hostPort": "node2:40001", "totalCores": 2},
                {**executor, "id": "2", "hostPort": "node3:40002", "totalCores": 2}]

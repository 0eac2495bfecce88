"""The session collector against fake upstreams: upstream requests per refresh for N sessions
(constant, plus N only where Spark's REST API is the source), and stale-while-revalidate: no
request waits for a refresh once a snapshot exists, a cold one waits for Livy's listing only, and
the request after a kill waits for a refresh that started after it."""

import asyncio
import json
import math
import re
import time
from collections import Counter

import pytest
from fake_upstream import SimulatedCluster, livy_pages, reply, serve

from jupyterlab_livy_capacity.sessions import SessionCollector
from jupyterlab_livy_capacity.sparkmagic_config import Endpoint
from jupyterlab_livy_capacity.upstream import Http, LivyClient

BATCHES = 1


def kind_of(path_qs: str) -> str:
    """What an upstream request was for: "sessions?from=100", "version", "rm apps", "spark executors"..."""
    if path_qs.startswith(("/sessions?", "/batches?")):
        return re.sub(r"&size=\d+", "", path_qs[1:])
    if path_qs.startswith("/proxy/"):
        return "spark " + path_qs.rsplit("/", 1)[1]
    if path_qs.startswith("/ws/v1/cluster/"):
        return "rm " + path_qs[len("/ws/v1/cluster/"):].split("?")[0]
    return path_qs.lstrip("/")


def livy_listing(n: int) -> Counter:
    pages = range(0, max(n, 1), LivyClient.PAGE_SIZE)
    return Counter([f"sessions?from={start}" for start in pages] + ["batches?from=0"])


async def settled(requests: list[str]) -> None:
    """Until background requests (Spark environments) stop coming."""
    count = -1
    while count != len(requests):
        count = len(requests)
        await asyncio.sleep(0.1)


@pytest.mark.parametrize("n", [1, 10, 250])
@pytest.mark.parametrize("source", ["livy only", "yarn", "spark rest"])
async def test_upstream_requests_per_refresh(n, source):
    cluster = SimulatedCluster(sessions=n, batches=BATCHES, spark_ui=source != "livy only")
    http = Http()
    collector = SessionCollector(http, ttl=3600)
    try:
        async with cluster.serving() as (livy_url, rm_url):
            endpoint = Endpoint("livy", livy_url)
            yarn_url = rm_url if source == "yarn" else ""
            refreshes = []
            for _ in range(3):
                collector.invalidate(livy_url)
                snapshot = await collector.snapshot(endpoint, yarn_url=yarn_url)
                await settled(cluster.requests)
                refreshes.append(Counter(map(kind_of, cluster.requests)))
                cluster.requests.clear()
    finally:
        await http.close()

    holders = n + BATCHES
    assert len(snapshot["sessions"]) == holders and snapshot["error"] is None and not snapshot["partial"]
    expected = livy_listing(n)
    if source == "yarn":
        expected.update({"rm metrics": 1, "rm apps": 1})
    elif source == "spark rest":
        expected.update({"spark executors": holders})
    first, *warm = refreshes
    # Livy's version once per endpoint; each application's Spark environment once, after its usage.
    once = Counter({"version": 1, "spark environment": holders if source != "livy only" else 0})
    assert first == expected + once
    assert warm == [expected, expected]
    assert {row["usage"]["source"] for row in snapshot["sessions"]} == {
        "livy only": {"unknown"}, "yarn": {"yarn"}, "spark rest": {"spark-rest"}}[source]
    assert expected.total() == math.ceil(max(n, 1) / 100) + 1 + (2 if source == "yarn" else 0) + (
        holders if source == "spark rest" else 0)


async def settled_snapshot(collector, endpoint, timeout=10.0):
    """The snapshot once no refresh runs behind it (bounded: a loaded machine is slow, not wrong)."""
    deadline = time.monotonic() + timeout
    while (snapshot := await collector.snapshot(endpoint))["refreshing"] and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return snapshot


async def test_a_stale_snapshot_is_served_at_once_and_refreshed_behind():
    cluster = SimulatedCluster(sessions=3, latency=0.2, spark_ui=False)
    http = Http()
    collector = SessionCollector(http, ttl=0.3)
    try:
        async with cluster.serving() as (livy_url, _):
            endpoint = Endpoint("livy", livy_url)
            first = await collector.snapshot(endpoint)
            assert len(first["sessions"]) == 3 and not first["refreshing"]
            cluster.sessions = 5
            await asyncio.sleep(0.35)  # past the TTL
            stale = await collector.snapshot(endpoint)
            # Answered before the refresh's round trips (0.2 s each) could end: the old rows.
            assert len(stale["sessions"]) == 3 and stale["refreshing"] and stale["ageSeconds"] >= 0.3
            assert stale["fetchedAt"] == first["fetchedAt"]
            await asyncio.sleep(0.1)
            again = await collector.snapshot(endpoint)  # the same refresh, not a second one
            assert again["refreshing"] and len(cluster.requests) == 1 + 2 + 2  # /version once, 2 refreshes
            fresh = await settled_snapshot(collector, endpoint)
            assert len(fresh["sessions"]) == 5 and not fresh["refreshing"] and fresh["fetchedAt"] > first["fetchedAt"]
    finally:
        await http.close()


async def test_a_cold_request_waits_for_the_listing_only_and_usage_follows():
    async def slow_executors(request):
        await asyncio.sleep(1.0)
        return reply([{"id": "driver"}, {"id": "1", "isActive": True, "totalCores": 2}])

    http = Http()
    collector = SessionCollector(http, ttl=3600)
    try:
        async with serve({"/proxy/{app}/api/v1/applications/{app_id}/executors": slow_executors}) as ui:
            holder = {"id": 0, "state": "busy", "kind": "pyspark", "appId": "app-1",
                      "appInfo": {"sparkUiUrl": f"{ui}/proxy/app-1"}}
            async with serve({"/sessions": livy_pages([holder]), "/batches": livy_pages([])}) as livy_url:
                endpoint = Endpoint("livy", livy_url)
                cold = await collector.snapshot(endpoint)  # before the 1 s executors call ends
                assert cold["partial"] and cold["refreshing"] and cold["sessions"][0]["usage"]["source"] == "pending"
                assert cold["sessions"][0]["id"] == 0 and cold["error"] is None
                complete = await settled_snapshot(collector, endpoint)
                assert not complete["partial"] and not complete["refreshing"]
                assert complete["sessions"][0]["usage"]["source"] == "spark-rest"
                assert complete["sessions"][0]["usage"]["executors"] == 1
    finally:
        await http.close()


async def test_after_a_kill_the_next_snapshot_waits_for_a_refresh_that_started_later():
    """A refresh in flight listed the session before it was killed: the request after
    ``invalidate`` must not be given that listing."""
    sessions = [{"id": 0, "state": "idle"}, {"id": 1, "state": "idle"}]

    async def listing(request):
        page = list(sessions)  # what Livy lists when the request arrives
        await asyncio.sleep(0.2)
        return reply({"from": 0, "total": len(page), "sessions": page})

    http = Http()
    collector = SessionCollector(http, ttl=0)
    try:
        async with serve({"/sessions": listing, "/batches": livy_pages([])}) as livy_url:
            endpoint = Endpoint("livy", livy_url)
            assert len((await collector.snapshot(endpoint))["sessions"]) == 2
            assert (await collector.snapshot(endpoint))["refreshing"]  # a refresh that lists session 1
            await asyncio.sleep(0.05)
            sessions.pop()  # killed
            collector.invalidate(livy_url)
            after = await collector.snapshot(endpoint)
            assert [s["id"] for s in after["sessions"]] == [0]
    finally:
        await http.close()


async def test_one_refresh_for_many_requests_and_disconnects_do_not_cancel_it():
    hits = []
    http = Http()
    collector = SessionCollector(http, ttl=3600)
    try:
        async with serve({"/sessions": livy_pages([{"id": 7, "state": "idle"}], seen=hits),
                          "/batches": livy_pages([])}) as livy_url:
            endpoint = Endpoint("livy", livy_url)
            waiting = [asyncio.ensure_future(collector.snapshot(endpoint)) for _ in range(10)]
            await asyncio.sleep(0)
            for task in waiting[:5]:
                task.cancel()  # browsers that went away
            answers = await asyncio.gather(*waiting[5:])
            assert all([s["id"] for s in a["sessions"]] == [7] for a in answers)
            assert hits == ["/sessions?from=0&size=100"]
    finally:
        await http.close()


async def test_the_answer_is_encoded_as_json_dumps_would_encode_it():
    """The rows are encoded once per snapshot, in steps, and the per-request fields spliced after
    them: the bytes must be those of json.dumps of the whole answer."""
    cluster = SimulatedCluster(sessions=250, batches=BATCHES, spark_ui=False)
    http = Http()
    collector = SessionCollector(http, ttl=3600)
    try:
        async with cluster.serving() as (livy_url, _):
            served = await collector.snapshot(Endpoint("livy", livy_url))
            extra = {"clusterExecutors": 6, "starvation": None, "discovery": {"details": {"x": [1, "é"]}}}
            body = await served.to_json(extra)
            assert body == json.dumps({**served, **extra}, allow_nan=False)
            again = await collector.snapshot(Endpoint("livy", livy_url))
            assert await again.to_json({}) == json.dumps(dict(again))
    finally:
        await http.close()


async def test_a_standalone_masters_application_completes_its_sessions_row():
    """Livy reports no appId on a standalone cluster: the master's application named after the
    session gives the row its appId, start time, UI link and the executors counted on the workers."""
    sessions = [{"id": 0, "state": "idle", "kind": "pyspark", "appInfo": {}},
                {"id": 1, "state": "busy", "kind": "pyspark", "appInfo": {}}]

    async def master(request):
        return reply({"cores": 4, "coresused": 2, "memory": 4096, "memoryused": 1024, "activeapps": [
            {"id": "app-20240101-0001", "name": "livy-session-0", "starttime": 1700000000000, "cores": 2,
             "memoryperexecutor": 512}], "workers": [{"state": "ALIVE", "cores": 4, "memory": 4096,
                                                      "webuiaddress": base + "/worker"}]})

    async def worker(request):
        return reply({"executors": [{"appid": "app-20240101-0001", "memory": 512},
                                    {"appid": "app-20240101-0001", "memory": 512}, {"appid": "other", "memory": 512}]})

    http = Http()
    try:
        async with serve({"/sessions": livy_pages(sessions), "/batches": livy_pages([]), "/json/": master,
                          "/worker/json/": worker}) as base:
            collector = SessionCollector(http)
            await collector.snapshot(Endpoint("livy", base), master_url=base)  # may be partial: Livy's list first
            collector.invalidate(base)
            snapshot = await collector.snapshot(Endpoint("livy", base), master_url=base)
    finally:
        await http.close()
    assert not snapshot["partial"]
    found, missing = snapshot["sessions"]
    assert found["usage"] == {"source": "spark-master", "executors": 2, "cores": 2, "memoryMiB": 1024, "error": None}
    assert (found["appId"], found["startedAt"], found["startedAtSource"], found["sparkUiUrl"]) == (
        "app-20240101-0001", "2023-11-14T22:13:20+00:00", "spark-master", f"{base}/app/?appId=app-20240101-0001")
    assert found["idleSince"] is not None and found["caps"]["executorMemory"] is None
    assert missing["usage"]["source"] == "unknown" and missing["appId"] is None
    assert "no application named livy-session-1 on the Spark master yet" in missing["usage"]["error"]
    assert (missing["startedAtSource"], missing["sparkUiUrl"]) == ("first-seen", None)
    assert snapshot["cluster"]["source"] == "spark-master" and snapshot["cluster"]["totalCores"] == 4

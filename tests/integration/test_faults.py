"""Faults between the Jupyter server and the real Livy, injected by a proxy in front of it.

Livy down, slow beyond the timeout, HTTP 500, malformed JSON, a connection reset mid-body, and one
session's Spark UI down: the API says what is wrong, keeps the last good data marked stale, and
the Jupyter server stays responsive (its /api/status answers while a Livy request hangs).
The holder is a Livy batch on the local YARN cluster; the RM URL goes in through the extension's
JupyterLab settings file (the lab_settings fixture).
"""

from __future__ import annotations

import asyncio
import json
import socket

import pytest

from faultproxy import FaultProxy

from . import cluster as C

pytestmark = pytest.mark.integration
TIMEOUT = 2.0


@pytest.fixture
def proxy(local_cluster):
    with FaultProxy(local_cluster.livy_url, hang_seconds=TIMEOUT * 3) as proxy:
        yield proxy


@pytest.fixture
def jp_server_config():
    return {"ServerApp": {"jpserver_extensions": {"jupyterlab_livy_capacity": True}},
            "LivyCapacity": {"snapshot_ttl": 0.0, "request_timeout": TIMEOUT, "connect_timeout": 1.0}}


@pytest.fixture
def proxied_config(proxy, tmp_path, monkeypatch, lab_settings):
    """The proxy is the SparkMagic endpoint; its endpoint details give the local RM."""
    (tmp_path / "config.json").write_text(json.dumps({"kernel_python_credentials": {"url": proxy.url}}))
    monkeypatch.setenv("SPARKMAGIC_CONF_DIR", str(tmp_path))
    lab_settings(proxy.url, None)
    return lab_settings


@pytest.fixture(scope="module")
def someone_elses_batch(local_cluster):
    """A running Livy batch holding one executor: the data the faults must not lose."""
    batch = C.create_batch(local_cluster.livy_url, str(local_cluster.jobs_dir / "hold_executors.py"), "it-faults",
                           ["0", "600"], {"spark.dynamicAllocation.enabled": "true",
                                          "spark.dynamicAllocation.shuffleTracking.enabled": "true",
                                          "spark.dynamicAllocation.minExecutors": "1",
                                          "spark.dynamicAllocation.maxExecutors": "1"})
    C.wait_for(lambda: C.executors_of(local_cluster.rm_url, "it-faults") == 1, "fault-test batch holds 1")
    C.wait_for(lambda: C.batch(local_cluster.livy_url, batch["id"]).get("appId"), "Livy knows its appId", 60)
    yield batch
    C.delete(local_cluster.livy_url, "batches", batch["id"])
    C.wait_until_all_gone(local_cluster.rm_url)


async def fetch_json(jp_fetch, query):
    return json.loads((await jp_fetch("livy-capacity", "sessions", params=query)).body)


async def until(fetch, predicate, timeout: float = TIMEOUT * 8):
    """The first snapshot that satisfies predicate (a refresh may finish after the answer)."""
    deadline = asyncio.get_event_loop().time() + timeout
    while True:
        snapshot = await fetch()
        if predicate(snapshot) or asyncio.get_event_loop().time() > deadline:
            return snapshot
        await asyncio.sleep(0.5)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("mode, kind", [("hang", "timeout"), ("http500", "http"), ("malformed", "malformed"),
                                        ("reset", "unreachable")])
async def test_fault_keeps_last_good_data_marked_stale(proxied_config, jp_fetch, local_cluster, proxy,
                                                       someone_elses_batch, mode, kind):
    proxied_config(proxy.url, local_cluster.rm_url)
    query = {"endpoint": proxy.url}

    async def snapshot():
        return json.loads((await jp_fetch("livy-capacity", "sessions", params=query)).body)

    good = await until(snapshot, lambda s: not s["partial"] and not s["refreshing"])  # complete, settled
    assert good["error"] is None and f"batch-{someone_elses_batch['id']}" in {s["key"] for s in good["sessions"]}

    proxy.mode = mode
    bad = await until(snapshot, lambda s: s["error"] is not None)  # the server may answer from cache while it refreshes
    assert bad["error"]["kind"] == kind and proxy.url in bad["error"]["message"]
    assert bad["stale"] is True and bad["lastSuccessAt"] == good["lastSuccessAt"]
    assert [s["key"] for s in bad["sessions"]] == [s["key"] for s in good["sessions"]]

    proxy.mode = "pass"
    recovered = await until(snapshot, lambda s: s["error"] is None)
    assert recovered["stale"] is False


async def test_livy_down_after_success(proxied_config, jp_fetch, local_cluster, proxy, someone_elses_batch):
    query = {"endpoint": proxy.url}
    good = await until(lambda: fetch_json(jp_fetch, query), lambda s: not s["partial"] and not s["refreshing"])
    assert good["error"] is None
    proxy.__exit__(None, None, None)  # nothing listens on the port any more: connection refused
    # A refresh in flight when it stopped may end in a timeout first; the next ones are refused.
    bad = await until(lambda: fetch_json(jp_fetch, query),
                      lambda s: s["error"] is not None and s["error"]["kind"] == "unreachable")
    assert bad["error"]["kind"] == "unreachable" and bad["stale"] is True
    assert {s["key"] for s in bad["sessions"]} == {s["key"] for s in good["sessions"]}


async def test_one_sessions_spark_ui_down(proxied_config, jp_fetch, local_cluster, proxy, someone_elses_batch):
    """Livy on YARN reports a Spark UI per application; when one is down that row says so, and the
    RM (when its URL is known) still counts the executors."""
    dead_ui = f"http://127.0.0.1:{closed_port()}/proxy/app"
    victim = someone_elses_batch["id"]

    def give_victim_a_dead_spark_ui(page):
        for s in page["sessions"]:
            if s["id"] == victim and s.get("name") == "it-faults":
                s["appInfo"] = {"sparkUiUrl": dead_ui, "driverLogUrl": None}
        return page

    proxy.rewrite = give_victim_a_dead_spark_ui
    key = f"batch-{victim}"
    # Without the RM: the row has no count and says the Spark UI is down.
    def victim_row(snap):
        return next((s for s in snap["sessions"] if s["key"] == key), None)

    snap = await until(lambda: fetch_json(jp_fetch, {"endpoint": proxy.url}),
                       lambda s: (r := victim_row(s)) is not None and r["usage"]["error"] is not None)
    assert snap["error"] is None
    row = victim_row(snap)
    assert row["usage"]["executors"] is None and row["sparkUiUrl"] == dead_ui
    assert "Spark UI" in row["usage"]["error"] and dead_ui in row["usage"]["error"]
    # With the RM: counted there, as the RM counts it.
    proxied_config(proxy.url, local_cluster.rm_url)
    snap = await until(lambda: fetch_json(jp_fetch, {"endpoint": proxy.url}),
                       lambda s: (r := victim_row(s)) is not None and r["usage"]["source"] == "yarn")
    row = victim_row(snap)
    assert row["usage"]["source"] == "yarn" and row["usage"]["executors"] == 1
    assert C.executors(C.rm_app_by_id(local_cluster.rm_url, row["appId"])) == 1


async def test_server_answers_while_livy_hangs(proxied_config, jp_fetch, proxy):
    proxy.mode = "hang"
    hanging = asyncio.ensure_future(jp_fetch("livy-capacity", "sessions", params={"endpoint": proxy.url}))
    await asyncio.sleep(0.3)
    status = json.loads((await jp_fetch("api", "status")).body)
    assert "started" in status
    assert not hanging.done()  # /api/status answered while the Livy request was still hanging
    result = json.loads((await hanging).body)
    assert result["error"]["kind"] == "timeout"

"""The panel's API against the real cluster: who holds executors, kill, starvation, the cap.

Livy batches are the holders here (interactive sessions need Livy's REPL jars, which the registry
does not serve); they are real Spark applications on the real standalone cluster.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import time

import pytest

from . import cluster as C

pytestmark = pytest.mark.integration
DYNAMIC = {"spark.dynamicAllocation.enabled": "true", "spark.dynamicAllocation.shuffleTracking.enabled": "true"}


async def poll(fetch, predicate, what: str, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while True:
        snapshot = await fetch()
        if predicate(snapshot):
            return snapshot
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {timeout}s; last snapshot: {json.dumps(snapshot, indent=1)}")
        await asyncio.sleep(1)


@pytest.fixture
def own_sparkmagic_config(local_cluster, tmp_path, monkeypatch):
    """A copy of the cluster's SparkMagic config that a test may rewrite."""
    shutil.copy(local_cluster.sparkmagic_conf_dir / "config.json", tmp_path / "config.json")
    monkeypatch.setenv("SPARKMAGIC_CONF_DIR", str(tmp_path))
    return tmp_path / "config.json"


def snapshot_fetcher(jp_fetch, cluster):
    query = {"endpoint": cluster.livy_url, "sparkMasterUrl": cluster.master_web_url}

    async def fetch():
        return json.loads((await jp_fetch("livy-capacity", "sessions", params=query)).body)

    return fetch


async def test_holders_match_spark_and_kill_removes_them(jp_fetch, sparkmagic_env):
    cluster = sparkmagic_env
    fetch = snapshot_fetcher(jp_fetch, cluster)
    job = str(cluster.jobs_dir / "hold_executors.py")
    batch = C.create_batch(cluster.livy_url, job, "it-api-capped-2", ["4", "120"],
                           {**DYNAMIC, "spark.dynamicAllocation.minExecutors": "0",
                            "spark.dynamicAllocation.maxExecutors": "2"})
    try:
        key = f"batch-{batch['id']}"
        snap = await poll(fetch, lambda s: any(r["key"] == key and r["usage"]["executors"] == 2 for r in s["sessions"]),
                          "the API reports the batch's 2 executors")
        row = next(r for r in snap["sessions"] if r["key"] == key)
        # The same figures as the cluster manager's own: the workers' executor lists.
        assert len(C.worker_executors(cluster.master_web_url, row["appId"])) == 2
        assert row["usage"] == {"source": "spark-master", "executors": 2, "cores": 2, "memoryMiB": 1024, "error": None}
        assert row["notebook"] is None and row["name"] == "it-api-capped-2" and row["state"] == "running"
        assert row["startedAtSource"] == "spark-master" and row["sparkUiUrl"].startswith(cluster.master_web_url)
        assert snap["livyVersion"] == "0.7.1-incubating" and snap["error"] is None
        assert snap["cluster"]["totalCores"] == 6 and snap["cluster"]["usedCores"] >= 2
        assert snap["clusterExecutors"] == 6  # 6 worker cores / 1-core 512 MiB executors

        deleted = json.loads((await jp_fetch("livy-capacity", "sessions", method="DELETE",
                                             params={"endpoint": cluster.livy_url, "id": str(batch["id"]),
                                                     "type": "batch"})).body)
        assert deleted == {"deleted": True, "id": batch["id"], "type": "batch"}
        assert batch["id"] not in C.live_ids(cluster.livy_url, "batches")
        after = await fetch()
        assert key not in {r["key"] for r in after["sessions"]}
    finally:
        C.delete(cluster.livy_url, "batches", batch["id"])


async def test_starvation_reported_once_then_cap_applied(jp_fetch, jp_serverapp, local_cluster, own_sparkmagic_config):
    cluster = local_cluster
    fetch = snapshot_fetcher(jp_fetch, cluster)
    job = str(cluster.jobs_dir / "hold_executors.py")
    grabber = C.create_batch(cluster.livy_url, job, "it-grabber", ["12", "150"],
                             {**DYNAMIC, "spark.dynamicAllocation.minExecutors": "0"})
    late = None
    try:
        full = await poll(fetch, lambda s: any(r["key"] == f"batch-{grabber['id']}" and r["usage"]["executors"] == 6
                                               for r in s["sessions"]), "the grabber takes all 6 executors", 180)
        assert full["starvation"] is None  # nobody waits yet
        late = C.create_batch(cluster.livy_url, job, "it-late", ["2", "60"],
                              {**DYNAMIC, "spark.dynamicAllocation.minExecutors": "0"})
        first = await poll(fetch, lambda s: s["starvation"] is not None, "a starvation episode", 120)
        episode = first["starvation"]
        assert episode["holder"] == f"batch-{grabber['id']}" and f"batch-{late['id']}" in episode["waiting"]
        assert episode["held"] == 6 and episode["share"] == 1.0
        for _ in range(3):  # the same situation is one episode however often it is polled
            again = (await fetch())["starvation"]
            assert again is not None and again["episode"] == episode["episode"]
        assert jp_serverapp.web_app.settings["livy_capacity_starvation"].episodes_started == 1
    finally:
        for batch in (grabber, late):
            if batch:
                C.delete(cluster.livy_url, "batches", batch["id"])

    # The recommendation for the two concurrent holders, written into SparkMagic's config.
    cap = full["clusterExecutors"] // 2
    preview = json.loads((await jp_fetch("livy-capacity", "config", "max-executors",
                                         params={"value": str(cap)})).body)
    assert preview["before"] is None and preview["after"] == "3"
    await jp_fetch("livy-capacity", "config", "max-executors", method="POST",
                   body=json.dumps({"value": cap, "sha256": preview["sha256"]}))
    written = json.loads(own_sparkmagic_config.read_text())
    assert written["session_configs"]["conf"]["spark.dynamicAllocation.maxExecutors"] == "3"
    assert written["session_configs"]["conf"]["spark.dynamicAllocation.enabled"] == "true"
    endpoints = json.loads((await jp_fetch("livy-capacity", "endpoints")).body)["endpoints"]
    assert endpoints[0]["sessionSettings"]["maxExecutorsUnset"] is False


def driver_ui(name: str) -> str | None:
    """The live driver UI of an application (client mode puts it on this host, from port 4040)."""
    for port in range(4040, 4060):
        try:
            apps = C.http("GET", f"http://127.0.0.1:{port}/api/v1/applications")
        except OSError:
            continue
        if any(a["name"] == name for a in apps):
            return f"http://127.0.0.1:{port}"
    return None


async def test_spark_rest_source_as_on_yarn(jp_fetch, local_cluster, tmp_path, monkeypatch):
    """On YARN, Livy reports each application's Spark UI; here the proxy adds what Livy knows there
    (appId, sparkUiUrl) so the Spark REST source is read from the real driver's API."""
    from faultproxy import FaultProxy

    cluster = local_cluster
    batch = C.create_batch(cluster.livy_url, str(cluster.jobs_dir / "hold_executors.py"), "it-rest", ["4", "120"],
                           {**DYNAMIC, "spark.dynamicAllocation.minExecutors": "0",
                            "spark.dynamicAllocation.maxExecutors": "2"})
    try:
        C.wait_for(lambda: C.executors_of(cluster.master_web_url, "it-rest") == 2, "it-rest holds 2 executors")
        app_id = C.master_app(cluster.master_web_url, "it-rest")["id"]
        ui = C.wait_for(lambda: driver_ui("it-rest"), "the driver UI of it-rest")

        def as_on_yarn(page):
            for s in page["sessions"]:
                if s["id"] == batch["id"] and s.get("name") == "it-rest":
                    s["appId"], s["appInfo"] = app_id, {"sparkUiUrl": ui, "driverLogUrl": None}
            return page

        with FaultProxy(cluster.livy_url) as proxy:
            proxy.rewrite = as_on_yarn
            (tmp_path / "config.json").write_text(json.dumps({"kernel_python_credentials": {"url": proxy.url}}))
            monkeypatch.setenv("SPARKMAGIC_CONF_DIR", str(tmp_path))

            async def fetch():
                return json.loads((await jp_fetch("livy-capacity", "sessions", params={"endpoint": proxy.url})).body)

            # Executors show in the driver's API once registered, a little after the workers list them.
            key = f"batch-{batch['id']}"
            snap = await poll(fetch, lambda s: any(r["key"] == key and r["usage"]["executors"] == 2
                                                   for r in s["sessions"]), "Spark REST reports 2 executors", 60)
        row = next(r for r in snap["sessions"] if r["key"] == key)
        assert row["usage"] == {"source": "spark-rest", "executors": 2, "cores": 2, "memoryMiB": 1024, "error": None}
        # Caps come from Spark's effective conf (/environment), which Livy 0.7 does not echo.
        assert row["caps"]["maxExecutors"] == 2 and row["caps"]["dynamicAllocation"] is True
        assert row["caps"]["executorMemory"] == "512m" and row["sparkUiUrl"] == ui
    finally:
        C.delete(cluster.livy_url, "batches", batch["id"])

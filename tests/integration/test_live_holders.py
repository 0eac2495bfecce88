"""The panel's API against the real cluster on YARN: who holds executors, kill, starvation, the cap.

Livy batches are the holders here (interactive sessions need Livy's REPL jars, which the registry
does not serve); they are real Spark applications on the real YARN cluster. Every executor count
the API gives is compared with the ResourceManager's own (running containers minus the AM).

The RM URL reaches the server through the extension's JupyterLab settings file
(JUPYTERLAB_SETTINGS_DIR, written by the lab_settings fixture), as a user enters it.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from pathlib import Path

import pytest

from . import cluster as C

pytestmark = pytest.mark.integration
DYNAMIC = {"spark.dynamicAllocation.enabled": "true", "spark.dynamicAllocation.shuffleTracking.enabled": "true"}


async def poll(fetch, predicate, what: str, timeout: float = 150):
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


def snapshot_fetcher(jp_fetch, cluster, **extra):
    # The cluster's size and RM URL come from the endpoint details in the settings (lab_settings).
    query = {"endpoint": cluster.livy_url, **extra}

    async def fetch():
        return json.loads((await jp_fetch("livy-capacity", "sessions", params=query)).body)

    return fetch


def row_of(snapshot, key):
    return next((r for r in snapshot["sessions"] if r["key"] == key), None)


def rm_executors(cluster, row) -> int:
    """What the RM counts for the application of an API row."""
    return C.executors(C.rm_app_by_id(cluster.rm_url, row["appId"]))


async def test_holders_match_the_rm_and_kill_removes_them(lab_settings, jp_fetch, sparkmagic_env):
    cluster = sparkmagic_env
    fetch = snapshot_fetcher(jp_fetch, cluster)
    job = str(cluster.jobs_dir / "hold_executors.py")
    batch = C.create_batch(cluster.livy_url, job, "it-api-capped-2", ["4", "150"],
                           {**DYNAMIC, "spark.dynamicAllocation.minExecutors": "0",
                            "spark.dynamicAllocation.maxExecutors": "2"})
    key = f"batch-{batch['id']}"
    try:
        snap = await poll(fetch, lambda s: (r := row_of(s, key)) is not None and r["usage"]["executors"] == 2,
                          "the API reports the batch's 2 executors")
        row = row_of(snap, key)
        # The same figures as the ResourceManager's own.
        app = C.rm_app_by_id(cluster.rm_url, row["appId"])
        assert row["usage"]["executors"] == C.executors(app) == 2
        assert row["usage"]["source"] == "yarn"
        assert row["usage"]["cores"] == app["allocatedVCores"] == 3 and row["usage"]["memoryMiB"] == app["allocatedMB"]
        assert row["appId"] == C.batch(cluster.livy_url, batch["id"])["appId"] == app["id"]
        assert row["notebook"] is None and row["name"] == "it-api-capped-2" and row["state"] == "running"
        assert row["sparkUiUrl"].endswith(f"/proxy/{app['id']}/")
        assert snap["livyVersion"] == "0.7.1-incubating" and snap["error"] is None
        metrics = C.rm_metrics(cluster.rm_url)
        assert snap["cluster"]["source"] == "yarn" and snap["cluster"]["totalCores"] == metrics["totalVirtualCores"] == 7
        assert snap["cluster"]["totalMemoryMiB"] == metrics["totalMB"]

        deleted = json.loads((await jp_fetch("livy-capacity", "sessions", method="DELETE",
                                             params={"endpoint": cluster.livy_url, "id": str(batch["id"]),
                                                     "type": "batch"})).body)
        assert deleted == {"deleted": True, "id": batch["id"], "type": "batch"}
        assert batch["id"] not in C.live_ids(cluster.livy_url, "batches")
        C.wait_for(lambda: C.rm_app_by_id(cluster.rm_url, app["id"])["state"] == "KILLED", "the YARN app killed", 60)
        after = await fetch()
        assert key not in {r["key"] for r in after["sessions"]}
    finally:
        C.delete(cluster.livy_url, "batches", batch["id"])
    C.wait_until_all_gone(cluster.rm_url)


async def test_idle_holder_releases_to_zero(lab_settings, jp_fetch, sparkmagic_env):
    """Dynamic allocation with minExecutors 0: the idle holder's initial executor goes after the
    idle timeout; the API and the RM both say 0 while the application still runs."""
    cluster = sparkmagic_env
    fetch = snapshot_fetcher(jp_fetch, cluster)
    batch = C.create_batch(cluster.livy_url, str(cluster.jobs_dir / "hold_executors.py"), "it-api-idle", ["0", "150"],
                           {**DYNAMIC, "spark.dynamicAllocation.minExecutors": "0",
                            "spark.dynamicAllocation.initialExecutors": "1"})
    key = f"batch-{batch['id']}"
    try:
        await poll(fetch, lambda s: (r := row_of(s, key)) is not None and r["usage"]["executors"] == 1,
                   "the idle holder's initial executor")
        snap = await poll(fetch, lambda s: (r := row_of(s, key)) is not None and r["usage"]["executors"] == 0
                          and r["state"] == "running", "the idle holder back to 0 executors", 90)
        row = row_of(snap, key)
        assert rm_executors(cluster, row) == 0 and row["usage"]["memoryMiB"] == 896  # its master only
    finally:
        C.delete(cluster.livy_url, "batches", batch["id"])
    C.wait_until_all_gone(cluster.rm_url)


async def test_starvation_reported_once_then_cap_applied(lab_settings, jp_fetch, jp_serverapp, local_cluster,
                                                         own_sparkmagic_config):
    cluster = local_cluster
    fetch = snapshot_fetcher(jp_fetch, cluster)
    job = str(cluster.jobs_dir / "hold_executors.py")
    grabber = C.create_batch(cluster.livy_url, job, "it-grabber", ["12", "150"],
                             {**DYNAMIC, "spark.dynamicAllocation.minExecutors": "0"})
    late = None
    grabber_key = f"batch-{grabber['id']}"
    everything = cluster.executors  # its master + every other container
    try:
        full = await poll(fetch, lambda s: (r := row_of(s, grabber_key)) is not None
                          and r["usage"]["executors"] == everything, f"the grabber takes all {everything} executors", 180)
        assert rm_executors(cluster, row_of(full, grabber_key)) == everything
        assert full["starvation"] is None  # nobody waits yet
        late = C.create_batch(cluster.livy_url, job, "it-late", ["2", "60"],
                              {**DYNAMIC, "spark.dynamicAllocation.minExecutors": "0"})
        late_key = f"batch-{late['id']}"
        # The late one waits ACCEPTED for its application master (spark-submit needs a few seconds
        # to get it there; Livy says "starting" meanwhile): the RM and the API agree.
        late_app = C.wait_for(lambda: (a := C.rm_app(cluster.rm_url, "it-late")) and a["state"] == "ACCEPTED" and a,
                              "the late application ACCEPTED, waiting for its master", 90)
        assert C.pending_containers(late_app) == 1
        first = await poll(fetch, lambda s: s["starvation"] is not None and late_key in s["starvation"]["waiting"]
                           and (r := row_of(s, late_key)) is not None and r["usage"].get("waitingToStart") is True,
                           "a starvation episode", 120)
        assert row_of(first, late_key)["usage"]["executors"] == 0
        episode = first["starvation"]
        assert episode["holder"] == grabber_key and episode["held"] == everything
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
    C.wait_until_all_gone(cluster.rm_url)


async def test_waiting_executors_of_a_running_holder(lab_settings, jp_fetch, local_cluster, sparkmagic_env,
                                                     tmp_path: Path):
    """A running holder asks for executors nobody frees: the RM's pending container requests
    show in the API as the executors it waits for."""
    cluster = local_cluster
    fetch = snapshot_fetcher(jp_fetch, cluster)
    job = str(cluster.jobs_dir / "hold_executors.py")
    go = tmp_path / "go"
    waiter = C.create_batch(cluster.livy_url, job, "it-api-waiter", ["2", "60", str(go)],
                            {**DYNAMIC, "spark.dynamicAllocation.minExecutors": "0"})
    grabber = None
    try:
        C.wait_for(lambda: C.executors_of(cluster.rm_url, "it-api-waiter") == 0, "the waiter runs with its master only")
        grabber = C.create_batch(cluster.livy_url, job, "it-api-grabber", ["12", "150"],
                                 {**DYNAMIC, "spark.dynamicAllocation.minExecutors": "0"})
        C.wait_for(lambda: C.executors_of(cluster.rm_url, "it-api-grabber") == cluster.executors - 1,
                   "the grabber holds the rest")
        go.touch()
        key = f"batch-{waiter['id']}"
        snap = await poll(fetch, lambda s: (r := row_of(s, key)) is not None
                          and (r["usage"].get("waitingExecutors") or 0) >= 1, "the waiter's pending executors", 90)
        row = row_of(snap, key)
        app = C.rm_app_by_id(cluster.rm_url, row["appId"])
        assert row["usage"]["executors"] == C.executors(app) == 0
        assert row["usage"]["waitingExecutors"] == C.pending_containers(app) or C.pending_containers(app) >= 1
    finally:
        for batch in (waiter, grabber):
            if batch:
                C.delete(cluster.livy_url, "batches", batch["id"])
    C.wait_until_all_gone(cluster.rm_url)


@pytest.fixture
def jp_server_config():
    # The RM writes "localhost" (the canonical name of 127.0.0.1 here) into the sparkUiUrl Livy
    # reports, while Livy is at 127.0.0.1: the operator trusts that name, as for a real cluster.
    return {"ServerApp": {"jpserver_extensions": {"jupyterlab_livy_capacity": True}},
            "LivyCapacity": {"snapshot_ttl": 0.0, "kernel_timeout": 5.0, "trusted_hosts": ["localhost"]}}


async def test_rm_found_from_the_spark_ui_url(jp_fetch, local_cluster, tmp_path, monkeypatch):
    """Without an RM URL in the settings the server finds the RM from the sparkUiUrl Livy reports
    (http://host:RM/proxy/<appId>/) and counts there; the caps come from Spark's REST API through the
    RM's proxy (302 while ACCEPTED, the first answer after RUNNING slow)."""
    cluster = local_cluster
    settings_dir = tmp_path / "lab-settings"  # endpoint details without any RM URL
    monkeypatch.setenv("JUPYTERLAB_SETTINGS_DIR", str(settings_dir))
    monkeypatch.setenv("SPARKMAGIC_CONF_DIR", str(cluster.sparkmagic_conf_dir))
    batch = C.create_batch(cluster.livy_url, str(cluster.jobs_dir / "hold_executors.py"), "it-rest", ["4", "150"],
                           {**DYNAMIC, "spark.dynamicAllocation.minExecutors": "0",
                            "spark.dynamicAllocation.maxExecutors": "2"})
    key = f"batch-{batch['id']}"
    try:
        C.wait_for(lambda: C.executors_of(cluster.rm_url, "it-rest") == 2, "it-rest holds 2 executors")

        async def fetch():
            return json.loads((await jp_fetch("livy-capacity", "sessions", params={"endpoint": cluster.livy_url})).body)

        snap = await poll(fetch, lambda s: (r := row_of(s, key)) is not None and r["usage"]["executors"] == 2,
                          "Spark REST reports 2 executors", 90)
        row = row_of(snap, key)
        assert row["usage"]["executors"] == rm_executors(cluster, row)
        assert row["usage"]["source"] == "yarn"  # discovered; "spark-rest" if discovery is off
        assert row["sparkUiUrl"].endswith(f"/proxy/{row['appId']}/")
        # Caps come from Spark's effective conf (/environment), which Livy 0.7 does not echo.
        caps = await poll(fetch, lambda s: row_of(s, key)["caps"]["maxExecutors"] == 2, "caps from /environment", 60)
        assert row_of(caps, key)["caps"]["dynamicAllocation"] is True
        assert row_of(caps, key)["caps"]["executorMemory"] == "512m"
    finally:
        C.delete(cluster.livy_url, "batches", batch["id"])
    C.wait_until_all_gone(cluster.rm_url)

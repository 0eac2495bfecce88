"""Starvation on the real local cluster, and the recommended cap applied through SparkMagic's config.

One session grabs every executor with a long job while a second one starts: the server reports one
starvation episode (the same episode on every poll). Then the fair-share cap is written into the
SparkMagic config through the API, a notebook kernel restarts, and the Spark conf of its new Livy
session (Spark's own /environment API) carries the cap.
"""

from __future__ import annotations

import json
import shutil

import pytest

from . import cluster as C
from .test_live_sessions import open_notebook, poll, pyspark_kernelspec, run_in_kernel  # noqa: F401

pytestmark = pytest.mark.integration
GRAB_JOB = "sc.parallelize(range(24), 24).map(lambda x: __import__('time').sleep(90) or x).count()"


@pytest.fixture
def jp_server_config():
    return {"ServerApp": {"jpserver_extensions": {"jupyterlab_livy_capacity": True}},
            "LivyCapacity": {"snapshot_ttl": 0.0, "kernel_timeout": 5.0}}


@pytest.fixture
def own_sparkmagic_config(local_cluster, tmp_path, monkeypatch):
    """A copy of the cluster's SparkMagic config that this test may rewrite."""
    shutil.copy(local_cluster.sparkmagic_conf_dir / "config.json", tmp_path / "config.json")
    monkeypatch.setenv("SPARKMAGIC_CONF_DIR", str(tmp_path))
    return tmp_path / "config.json"


async def test_starvation_episode_then_cap_applied(jp_fetch, jp_serverapp, local_cluster, own_sparkmagic_config,
                                                   pyspark_kernelspec):
    cluster = local_cluster
    query = {"endpoint": cluster.livy_url, "sparkMasterUrl": cluster.master_web_url}

    async def snapshot():
        return json.loads((await jp_fetch("livy-capacity", "sessions", params=query)).body)

    grabber = C.create_session(cluster.livy_url, {
        "kind": "pyspark", "name": "grabber", "executorCores": 1, "executorMemory": "512m",
        "conf": {"spark.dynamicAllocation.enabled": "true", "spark.dynamicAllocation.minExecutors": "0",
                 "spark.dynamicAllocation.shuffleTracking.enabled": "true"}})
    late = None
    kernel_id = None
    try:
        C.wait_for_state(cluster.livy_url, grabber["id"], "idle")
        C.submit_statement(cluster.livy_url, grabber["id"], GRAB_JOB)
        full = await poll(snapshot, lambda s: s["clusterExecutors"] and any(
            r["id"] == grabber["id"] and r["usage"]["executors"] == s["clusterExecutors"] for r in s["sessions"]),
            timeout=180)
        assert full["starvation"] is None  # nobody waits yet

        late = C.create_session(cluster.livy_url, {"kind": "pyspark", "name": "late", "executorCores": 1,
                                                   "executorMemory": "512m"})
        first = await poll(snapshot, lambda s: s["starvation"] is not None, timeout=120)
        episode = first["starvation"]
        assert episode["holder"] == grabber["id"] and late["id"] in episode["waiting"]
        assert episode["share"] >= 0.8
        for _ in range(3):  # the same situation is one episode, however often it is polled
            again = (await snapshot())["starvation"]
            assert again is not None and again["episode"] == episode["episode"]
        assert jp_serverapp.web_app.settings["livy_capacity_starvation"].episodes_started == 1
    finally:
        for session in (grabber, late):
            if session:
                C.delete_session(cluster.livy_url, session["id"])

    # The recommendation for two concurrent sessions, applied to the SparkMagic config.
    cap = max(1, full["clusterExecutors"] // 2)
    try:
        kernel_id = await open_notebook(jp_fetch, "capped.ipynb", pyspark_kernelspec)
        preview = json.loads((await jp_fetch("livy-capacity", "config", "max-executors",
                                             params={"value": str(cap)})).body)
        await jp_fetch("livy-capacity", "config", "max-executors", method="POST",
                       body=json.dumps({"value": cap, "sha256": preview["sha256"]}))
        await jp_fetch("api", "kernels", kernel_id, "restart", method="POST", body="{}")
        assert "10" in await run_in_kernel(jp_serverapp, kernel_id, "spark.range(10).count()")
        mine = await poll(snapshot, lambda s: any(r["notebook"] for r in s["sessions"]))
        row = next(r for r in mine["sessions"] if r["notebook"])
        assert row["notebook"]["path"] == "capped.ipynb"
        properties = C.spark_properties_of(C.app_name_of(row))
        assert properties["spark.dynamicAllocation.maxExecutors"] == str(cap)
    finally:
        if kernel_id:
            await jp_serverapp.kernel_manager.shutdown_kernel(kernel_id)

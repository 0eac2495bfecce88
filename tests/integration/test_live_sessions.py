"""Live sessions against the real local cluster: notebooks' sessions, others', executors, kill.

A Jupyter server with the extension runs real SparkMagic PySpark kernels for two notebooks; a
third session is created directly through Livy (someone else's). The panel's API must map the
kernels' sessions to their notebooks, show the Livy-made one as another's, report the executors
Spark's master and workers report, and kill a session in Livy.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import pytest

from . import cluster as C

pytestmark = pytest.mark.integration


@pytest.fixture
def jp_server_config():
    return {"ServerApp": {"jpserver_extensions": {"jupyterlab_livy_capacity": True}},
            "LivyCapacity": {"snapshot_ttl": 0.0, "kernel_timeout": 5.0}}


@pytest.fixture
def sparkmagic_env(local_cluster, monkeypatch):
    monkeypatch.setenv("SPARKMAGIC_CONF_DIR", str(local_cluster.sparkmagic_conf_dir))
    return local_cluster


@pytest.fixture
def pyspark_kernelspec(jp_data_dir):
    """SparkMagic's PySpark wrapper kernel, visible to the test server (its data dir is temporary)."""
    spec = jp_data_dir / "kernels" / "pysparkkernel"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "sparkmagic.kernels.pysparkkernel.pysparkkernel", "-f", "{connection_file}"],
        "display_name": "PySpark", "language": "python"}))
    return "pysparkkernel"


async def open_notebook(jp_fetch, path: str, kernel_name: str) -> str:
    body = json.dumps({"path": path, "name": path, "type": "notebook", "kernel": {"name": kernel_name}})
    session = json.loads((await jp_fetch("api", "sessions", method="POST", body=body)).body)
    return session["kernel"]["id"]


async def run_in_kernel(serverapp, kernel_id: str, code: str, timeout: float = 300) -> str:
    """Runs a cell like the notebook would and returns its text output."""
    client = serverapp.kernel_manager.get_kernel(kernel_id).client()
    client.start_channels()
    outputs: list[str] = []

    def collect(msg):
        content = msg["content"]
        if msg["msg_type"] == "stream":
            outputs.append(content["text"])
        elif msg["msg_type"] in ("execute_result", "display_data"):
            outputs.append(content["data"].get("text/plain", ""))
        elif msg["msg_type"] == "error":
            outputs.append("\n".join(content["traceback"]))

    try:
        await client.wait_for_ready(timeout=60)
        reply = await client.execute_interactive(code, timeout=timeout, output_hook=collect)
    finally:
        client.stop_channels()
    text = "".join(outputs)
    assert reply["content"]["status"] == "ok", text
    return text


async def poll(fetch_snapshot, predicate, timeout: float = 120):
    """The first snapshot satisfying predicate; fails with the last one seen."""
    deadline = time.monotonic() + timeout
    while True:
        snapshot = await fetch_snapshot()
        if predicate(snapshot):
            return snapshot
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout}s; last snapshot: {json.dumps(snapshot, indent=1)}")
        await asyncio.sleep(2)


async def test_notebook_sessions_others_and_kill(jp_fetch, jp_serverapp, sparkmagic_env, pyspark_kernelspec):
    cluster = sparkmagic_env
    query = {"endpoint": cluster.livy_url, "sparkMasterUrl": cluster.master_web_url}

    async def snapshot():
        return json.loads((await jp_fetch("livy-capacity", "sessions", params=query)).body)

    kernel_id = await open_notebook(jp_fetch, "work/etl.ipynb", pyspark_kernelspec)
    output = await run_in_kernel(jp_serverapp, kernel_id, "spark.range(1000).count()")
    assert "1000" in output

    other = C.create_session(cluster.livy_url, {
        "kind": "pyspark", "name": "someone-elses-session", "executorCores": 1, "executorMemory": "512m",
        "conf": {"spark.dynamicAllocation.enabled": "true", "spark.dynamicAllocation.minExecutors": "1",
                 "spark.dynamicAllocation.maxExecutors": "1", "spark.cores.max": "1"}})
    try:
        C.wait_for_state(cluster.livy_url, other["id"], "idle")

        def ready(snap):
            rows = {s["id"]: s for s in snap["sessions"]}
            mine = [s for s in rows.values() if s["notebook"]]
            return (snap["error"] is None and mine and other["id"] in rows
                    and rows[other["id"]]["usage"]["executors"] == 1)

        snap = await poll(snapshot, ready)
        rows = {s["id"]: s for s in snap["sessions"]}
        mine = [s for s in rows.values() if s["notebook"]]
        assert len(mine) == 1 and mine[0]["notebook"]["path"] == "work/etl.ipynb"
        assert mine[0]["notebook"]["kernelId"] == kernel_id and mine[0]["kind"] == "pyspark"
        theirs = rows[other["id"]]
        assert theirs["notebook"] is None and theirs["name"] == "someone-elses-session"
        assert theirs["usage"]["source"] == "spark-master" and theirs["caps"]["maxExecutors"] == 1
        assert snap["cluster"]["source"] == "spark-master" and snap["cluster"]["totalCores"] >= 3

        # The executor counts are Spark's own: compare with the workers' executor lists.
        for row in (mine[0], theirs):
            expected = await poll_equal(snapshot, row["id"], cluster)
            assert expected >= 0
        assert theirs["usage"]["memoryMiB"] == 512

        deleted = json.loads((await jp_fetch("livy-capacity", "sessions", method="DELETE",
                                             params={"endpoint": cluster.livy_url, "id": str(other["id"])})).body)
        assert deleted == {"deleted": True, "id": other["id"]}
        assert other["id"] not in {s["id"] for s in C.list_sessions(cluster.livy_url) if s["state"] not in
                                   ("killed", "dead", "shutting_down")}
        snap = await snapshot()
        assert other["id"] not in {s["id"] for s in snap["sessions"]}
    finally:
        C.delete_session(cluster.livy_url, other["id"])
        await jp_serverapp.kernel_manager.shutdown_kernel(kernel_id)


async def poll_equal(snapshot, session_id, cluster, timeout: float = 60) -> int:
    """Waits until the API's executor count equals the one read from the workers at the same moment."""
    deadline = time.monotonic() + timeout
    while True:
        snap = await snapshot()
        row = next(s for s in snap["sessions"] if s["id"] == session_id)
        app_id = row["appId"]
        actual = len(C.worker_executors(cluster.master_web_url, app_id))
        if row["usage"]["executors"] == actual:
            return actual
        if time.monotonic() > deadline:
            pytest.fail(f"session {session_id}: API says {row['usage']}, workers say {actual}")
        await asyncio.sleep(1)

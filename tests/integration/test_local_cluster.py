"""The local cluster is real: Livy -> Spark on YARN, and the executors each application holds,
counted by the ResourceManager (running containers minus the application master).

Livy batches are the holders here (cluster/jobs/hold_executors.py: a job controls when it asks for
executors); SparkMagic notebooks holding interactive sessions are in test_notebook_sessions.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from jupyter_client.manager import start_new_kernel

from . import cluster as C

pytestmark = pytest.mark.integration
DYNAMIC = {"spark.dynamicAllocation.enabled": "true", "spark.dynamicAllocation.shuffleTracking.enabled": "true"}


def test_components_are_up(local_cluster):
    assert C.http("GET", f"{local_cluster.livy_url}/version")["version"] == "0.7.1-incubating"
    metrics = C.rm_metrics(local_cluster.rm_url)
    # One NodeManager of 7 vcores and 7 x 896 MiB: 7 containers of a 512m executor or driver.
    assert metrics["activeNodes"] == 1 and metrics["unhealthyNodes"] == 0
    assert metrics["totalVirtualCores"] == local_cluster.executors + 1 == 7
    assert metrics["totalMB"] == 7 * 896
    assert C.http("GET", f"{local_cluster.rm_url}/ws/v1/cluster/info")["clusterInfo"]["state"] == "STARTED"
    # Ports are chosen at start time and recorded, never the usual fixed ones.
    ports = dict(line.split("=", 1) for line in (local_cluster.state_dir / "ports.env").read_text().split())
    assert local_cluster.livy_url.endswith(f":{ports['LIVY_PORT']}")
    assert local_cluster.rm_url.endswith(f":{ports['RM_WEB_PORT']}")
    assert all(int(p.split("~")[-1]) < 32768 for p in ports.values())


def test_busy_capped_and_idle_holders_as_the_rm_counts_them(local_cluster):
    livy, rm, job = local_cluster.livy_url, local_cluster.rm_url, str(local_cluster.jobs_dir / "hold_executors.py")
    batches = []
    try:
        capped = C.create_batch(livy, job, "it-busy-capped-2", ["4", "150"],
                                {**DYNAMIC, "spark.dynamicAllocation.minExecutors": "0",
                                 "spark.dynamicAllocation.maxExecutors": "2"})
        batches.append(capped)
        C.wait_for(lambda: C.executors_of(rm, "it-busy-capped-2") == 2, "busy batch capped at 2 holds 2 executors")

        idle_one = C.create_batch(livy, job, "it-idle-1", ["0", "150"],
                                  {**DYNAMIC, "spark.dynamicAllocation.minExecutors": "1",
                                   "spark.dynamicAllocation.initialExecutors": "1",
                                   "spark.dynamicAllocation.maxExecutors": "1"})
        batches.append(idle_one)
        C.wait_for(lambda: C.executors_of(rm, "it-idle-1") == 1, "idle batch with min 1 holds 1 executor")

        idle_zero = C.create_batch(livy, job, "it-idle-0", ["0", "150"],
                                   {**DYNAMIC, "spark.dynamicAllocation.minExecutors": "0",
                                    "spark.dynamicAllocation.initialExecutors": "1"})
        batches.append(idle_zero)
        C.wait_for(lambda: C.executors_of(rm, "it-idle-0") == 1, "idle batch with min 0 gets its initial executor")
        # Released after spark.dynamicAllocation.executorIdleTimeout (20s): only the AM stays.
        C.wait_for(lambda: C.executors_of(rm, "it-idle-0") == 0, "idle batch with min 0 holds 0", timeout=90)
        app = C.rm_app(rm, "it-idle-0")
        assert app["runningContainers"] == 1 and app["allocatedMB"] == 896 and app["allocatedVCores"] == 1
        # The others still hold what they held: the cap and the minimum are respected.
        assert C.executors_of(rm, "it-busy-capped-2") == 2
        assert C.executors_of(rm, "it-idle-1") == 1
        assert C.rm_app(rm, "it-busy-capped-2")["allocatedMB"] == 3 * 896

        # Livy on YARN knows each batch's application: appId, the RM proxy's Spark UI, the tag it set.
        for submitted, name in zip(batches, ("it-busy-capped-2", "it-idle-1", "it-idle-0")):
            reported = C.wait_for(lambda: C.batch(livy, submitted["id"]).get("appId") and C.batch(livy, submitted["id"]),
                                  f"Livy reports the appId of {name}", 60)
            app = C.rm_app(rm, name)
            assert reported["appId"] == app["id"] and reported["state"] == "running"
            assert reported["appInfo"]["sparkUiUrl"].endswith(f"/proxy/{app['id']}/")
            assert any(t.startswith(f"livy-batch-{submitted['id']}-") for t in app["applicationTags"].split(","))
        assert {b["id"] for b in batches} <= C.live_ids(livy, "batches")
    finally:
        for submitted in batches:
            C.delete(livy, "batches", submitted["id"])
    # DELETE kills the YARN applications and frees their containers.
    C.wait_until_all_gone(rm)
    killed = [a for a in C.rm_apps(rm, active_only=False) if a["name"].startswith("it-") and a["state"] == "KILLED"]
    assert {a["name"] for a in killed} >= {"it-busy-capped-2", "it-idle-1", "it-idle-0"}


def test_a_holder_waits_while_another_holds_everything(local_cluster, tmp_path: Path):
    """The starvation the panel is about, as the RM sees it: one application holds every container,
    a running one waits for executors (pending container requests), a new one waits ACCEPTED."""
    livy, rm, job = local_cluster.livy_url, local_cluster.rm_url, str(local_cluster.jobs_dir / "hold_executors.py")
    go = tmp_path / "go"
    batches = []
    try:
        # The waiter starts first and holds only its application master until it is told to work.
        waiter = C.create_batch(livy, job, "it-waiter", ["2", "60", str(go)],
                                {**DYNAMIC, "spark.dynamicAllocation.minExecutors": "0"})
        batches.append(waiter)
        C.wait_for(lambda: C.executors_of(rm, "it-waiter") == 0, "the waiter runs with its master only")
        grabber = C.create_batch(livy, job, "it-grabber", ["12", "150"],
                                 {**DYNAMIC, "spark.dynamicAllocation.minExecutors": "0"})
        batches.append(grabber)
        everything = local_cluster.executors - 1  # every container but the two application masters
        C.wait_for(lambda: C.executors_of(rm, "it-grabber") == everything, f"the grabber holds {everything}")
        C.wait_for(lambda: C.rm_metrics(rm)["availableVirtualCores"] == 0, "the cluster is full")

        go.touch()  # the waiter now asks for 2 executors that nobody frees
        app = C.wait_for(lambda: (a := C.rm_app(rm, "it-waiter")) and C.pending_containers(a) >= 1 and a,
                         "the waiter's executor containers pending", 60)
        assert C.executors(app) == 0 and app["state"] == "RUNNING"
        assert C.executors_of(rm, "it-grabber") == everything
        assert C.pending_containers(C.rm_app(rm, "it-grabber")) >= 1  # it wants 12

        late = C.create_batch(livy, job, "it-late", ["2", "60"], {**DYNAMIC, "spark.dynamicAllocation.minExecutors": "0"})
        batches.append(late)
        accepted = C.wait_for(lambda: (a := C.rm_app(rm, "it-late")) and a["state"] == "ACCEPTED" and a,
                              "the late application waits ACCEPTED for its master", 60)
        assert accepted["runningContainers"] in (0, -1) and C.pending_containers(accepted) == 1
        assert C.rm_metrics(rm)["appsPending"] >= 1
        assert C.batch(livy, late["id"])["state"] in ("starting", "running")

        # The grabber's end frees the cluster: the waiter gets its executors.
        C.delete(livy, "batches", grabber["id"])
        C.wait_for(lambda: C.executors_of(rm, "it-waiter") == 2, "the waiter gets 2 executors once freed", 90)
    finally:
        for submitted in batches:
            C.delete(livy, "batches", submitted["id"])
    C.wait_until_all_gone(rm)


def test_sparkmagic_kernel_runs_spark_job(local_cluster):
    """A real SparkMagic PySpark kernel creates a Livy session (a Spark application on YARN, its
    REPL the project's driver while the registry serves no livy-repl jars) and runs a job."""
    env = {**local_cluster.env, "SPARKMAGIC_CONF_DIR": str(local_cluster.sparkmagic_conf_dir)}
    km, kc = start_new_kernel(kernel_name="pysparkkernel", env=env)
    outputs: list[str] = []
    try:
        def collect(msg):
            if msg["msg_type"] == "stream":
                outputs.append(msg["content"]["text"])
            elif msg["msg_type"] in ("execute_result", "display_data"):
                outputs.append(msg["content"]["data"].get("text/plain", ""))
        kc.execute_interactive("spark.range(1000).count()", timeout=300, output_hook=collect)
        assert "1000" in "".join(outputs), "".join(outputs)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
        for sid in C.live_ids(local_cluster.livy_url, "sessions"):
            C.delete(local_cluster.livy_url, "sessions", sid)

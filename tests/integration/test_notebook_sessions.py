"""Real SparkMagic notebooks holding real Livy sessions on the local YARN cluster.

Each notebook is a Jupyter session with SparkMagic's PySpark kernel; its first cell makes
SparkMagic create a Livy session (a Spark application on YARN). What the panel's API says about
them is checked against the ResourceManager's own figures.
"""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from . import cluster as C
from .notebooks import open_notebook
from .test_live_holders import poll

pytestmark = pytest.mark.integration
SUM = "sc.parallelize(range(1000)).sum()"


def hold_executors(seconds: int, tasks: int) -> str:
    """A cell whose job asks for one (1-core) executor per task and keeps each busy for `seconds`."""
    return f"import time\nsc.parallelize(range({tasks}), {tasks}).map(lambda x: time.sleep({seconds}) or x).count()"


def configure(max_executors: int | None = None, min_executors: int = 0) -> str:
    """A `%%configure -f` cell with the local cluster's session settings and an optional cap."""
    conf = {"spark.dynamicAllocation.enabled": "true", "spark.dynamicAllocation.shuffleTracking.enabled": "true",
            "spark.dynamicAllocation.minExecutors": str(min_executors)}
    if max_executors is not None:
        conf["spark.dynamicAllocation.maxExecutors"] = str(max_executors)
    body = {"driverMemory": "512m", "executorMemory": "512m", "executorCores": 1, "conf": conf}
    return "%%configure -f\n" + json.dumps(body)


def fetcher(jp_fetch, cluster):
    async def fetch():
        return json.loads((await jp_fetch("livy-capacity", "sessions", params={"endpoint": cluster.livy_url})).body)
    return fetch


def notebook_row(snapshot, path):
    return next((r for r in snapshot["sessions"] if (r.get("notebook") or {}).get("path") == path), None)


def rm_executors(cluster, app_id):
    """The ResourceManager's count: running containers minus the application master."""
    app = C.rm_app_by_id(cluster.rm_url, app_id)
    return max(app["runningContainers"] - 1, 0) if app else None


async def test_a_notebook_session_is_named_after_its_notebook_and_counted_by_the_rm(
        jp_fetch, jp_serverapp, sparkmagic_env, lab_settings, sparkmagic_kernelspecs):
    cluster = sparkmagic_env
    fetch = fetcher(jp_fetch, cluster)
    notebook = await open_notebook(jp_fetch, jp_serverapp, "analysis.ipynb", "pysparkkernel")
    assert "499500" in await notebook.run(SUM), notebook.outputs
    job = notebook.start(hold_executors(25, tasks=2))
    snap = await poll(fetch, lambda s: (notebook_row(s, "analysis.ipynb") or {}).get("usage", {}).get("executors"),
                      "the notebook's session holds executors, by the RM")
    row = notebook_row(snap, "analysis.ipynb")
    assert row["type"] == "session" and row["kind"] == "pyspark" and row["usage"]["source"] == "yarn"
    assert row["notebook"]["kernelId"] == notebook.kernel_id
    assert row["appId"].startswith("application_")
    # The panel's figure is the cluster manager's own.
    await poll(fetch, lambda s: (notebook_row(s, "analysis.ipynb") or {})["usage"]["executors"]
               == rm_executors(cluster, row["appId"]), "the API's executors equal the RM's")
    assert "2" in await job


async def test_two_notebooks_starvation_and_the_recommended_cap(
        jp_fetch, jp_serverapp, sparkmagic_env, lab_settings, sparkmagic_kernelspecs):
    cluster = sparkmagic_env
    fetch = fetcher(jp_fetch, cluster)
    tracker = jp_serverapp.web_app.settings["livy_capacity_starvation"]
    holder = await open_notebook(jp_fetch, jp_serverapp, "holder.ipynb", "pysparkkernel")
    waiter = await open_notebook(jp_fetch, jp_serverapp, "waiter.ipynb", "pysparkkernel")
    assert "499500" in await holder.run(SUM)
    # Kernels answer between cells: the panel learns the holder's notebook while it is idle.
    await poll(fetch, lambda s: notebook_row(s, "holder.ipynb"), "the holder's session is its notebook's")
    grab = holder.start(hold_executors(150, tasks=cluster.executors))  # long enough for the waiter to start
    await poll(fetch, lambda s: (notebook_row(s, "holder.ipynb") or {}).get("usage", {}).get("executors")
               == cluster.executors, "the holder takes every executor", timeout=180)
    waiting = waiter.start(SUM)  # SparkMagic starts its session; YARN has no room for it
    episodes_before = tracker.episodes_started
    snap = await poll(fetch, lambda s: s.get("starvation") and s["starvation"]["waiting"],
                      "the panel names the holder and a waiting session", timeout=180)
    holder_row = notebook_row(snap, "holder.ipynb")
    assert snap["starvation"]["holder"] == holder_row["key"]
    [waiting_key] = snap["starvation"]["waiting"]
    waiting_row = next(r for r in snap["sessions"] if r["key"] == waiting_key)
    assert waiting_row["type"] == "session" and waiting_row["key"] != holder_row["key"]
    # Waiting by Livy's word (still starting: not yet at the RM) or by the RM's (ACCEPTED, or asking).
    usage = waiting_row["usage"]
    assert (waiting_row["state"] == "starting" or usage.get("waitingToStart")
            or (usage.get("waitingExecutors") or 0) > 0), waiting_row
    for _ in range(3):  # the same episode across refreshes: one warning
        await fetch()
    assert tracker.episodes_started == episodes_before + 1

    # The recommendation: the fair share, as a %%configure -f cell.
    cap = max(1, snap["clusterExecutors"] // 2)
    await grab
    assert "499500" in await waiting  # the waiter got its session once the holder let go
    # Its kernel, busy while SparkMagic waited for the session, now says whose it is.
    await poll(fetch, lambda s: (notebook_row(s, "waiter.ipynb") or {}).get("key") == waiting_key,
               "the waiting session is the waiter notebook's")
    # Each notebook's user runs the cell the panel recommends.
    replaced = {app["id"] for app in C.rm_apps(cluster.rm_url)}  # may run on while they shut down
    await asyncio.gather(holder.run(configure(max_executors=cap)), waiter.run(configure(max_executors=cap)))
    both = [holder.start(hold_executors(40, tasks=cluster.executors)),
            waiter.start(hold_executors(40, tasks=cluster.executors))]
    # %%configure -f replaced both sessions: the RM's running applications are the new ones. While
    # both jobs run, each holds executors and none more than the cap.
    most: dict[str, int] = {}
    deadline, settled_at = time.monotonic() + 180, None
    while time.monotonic() < deadline and (settled_at is None or time.monotonic() < settled_at + 10):
        for app in C.rm_apps(cluster.rm_url):
            if app["id"] not in replaced:
                most[app["id"]] = max(most.get(app["id"], 0), C.executors(app))
        if settled_at is None and sum(1 for m in most.values() if m) >= 2:
            settled_at = time.monotonic()
        await asyncio.sleep(1)
    assert sum(1 for m in most.values() if m) == 2 and max(most.values()) <= cap, most
    await asyncio.gather(*both)
    await poll(fetch, lambda s: (notebook_row(s, "holder.ipynb") or {}).get("caps", {}).get("maxExecutors") == cap,
               "the holder's new session runs with the cap (Spark's effective conf)")


async def test_kill_from_the_panel_ends_the_notebooks_session(
        jp_fetch, jp_serverapp, sparkmagic_env, lab_settings, sparkmagic_kernelspecs):
    cluster = sparkmagic_env
    fetch = fetcher(jp_fetch, cluster)
    notebook = await open_notebook(jp_fetch, jp_serverapp, "killed.ipynb", "pysparkkernel")
    assert "499500" in await notebook.run(SUM)
    row = notebook_row(await poll(fetch, lambda s: notebook_row(s, "killed.ipynb"), "the session is listed"),
                       "killed.ipynb")
    await jp_fetch("livy-capacity", "sessions", method="DELETE",
                   params={"endpoint": cluster.livy_url, "id": str(row["id"]), "type": "session"})
    await poll(fetch, lambda s: notebook_row(s, "killed.ipynb") is None, "the row is gone", timeout=10)
    # SparkMagic's own word in the notebook's next cell.
    output = await notebook.run(SUM)
    assert "404" in output and f"Session '{row['id']}' not found" in output, output


async def test_an_idle_session_that_holds_executors_is_marked_idle(
        jp_fetch, jp_serverapp, sparkmagic_env, lab_settings, sparkmagic_kernelspecs):
    cluster = sparkmagic_env
    fetch = fetcher(jp_fetch, cluster)
    notebook = await open_notebook(jp_fetch, jp_serverapp, "idle.ipynb", "pysparkkernel")
    await notebook.run(configure(min_executors=1))
    assert "499500" in await notebook.run(SUM)
    snap = await poll(fetch, lambda s: (notebook_row(s, "idle.ipynb") or {}).get("idleSince")
                      and notebook_row(s, "idle.ipynb")["usage"]["executors"] == 1,
                      "an idle session holding its minimum executor", timeout=120)
    row = notebook_row(snap, "idle.ipynb")
    assert row["state"] == "idle" and rm_executors(cluster, row["appId"]) == 1

"""Small blocking helpers for the integration tests: Livy's REST API and the YARN ResourceManager's."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

FINISHED = {"dead", "killed", "error", "success"}
# Applications that hold or wait for containers.
YARN_ACTIVE = {"NEW", "NEW_SAVING", "SUBMITTED", "ACCEPTED", "RUNNING"}


def http(method: str, url: str, body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json", "X-Requested-By": "tests",
                                              "Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read()
    return json.loads(text) if text else None


def create_batch(livy_url: str, job: str, name: str, args: list[str], conf: dict[str, str]) -> dict[str, Any]:
    return http("POST", f"{livy_url}/batches", {"file": job, "name": name, "args": args, "executorCores": 1,
                                                "executorMemory": "512m", "driverMemory": "512m", "conf": conf})


def delete(livy_url: str, collection: str, item_id: int) -> None:
    try:
        http("DELETE", f"{livy_url}/{collection}/{item_id}")
    except urllib.error.HTTPError as error:
        if error.code != 404:  # already gone is fine
            raise


def live_ids(livy_url: str, collection: str) -> set[int]:
    return {s["id"] for s in http("GET", f"{livy_url}/{collection}")["sessions"] if s["state"] not in FINISHED}


def batch(livy_url: str, batch_id: int) -> dict[str, Any]:
    return http("GET", f"{livy_url}/batches/{batch_id}")


# --- the YARN ResourceManager's REST API -----------------------------------------------------

def rm_metrics(rm_url: str) -> dict[str, Any]:
    return http("GET", f"{rm_url}/ws/v1/cluster/metrics")["clusterMetrics"]


def rm_apps(rm_url: str, active_only: bool = True) -> list[dict[str, Any]]:
    query = "?states=" + ",".join(sorted(YARN_ACTIVE)) if active_only else ""
    return (http("GET", f"{rm_url}/ws/v1/cluster/apps{query}").get("apps") or {}).get("app") or []


def rm_app(rm_url: str, name: str) -> dict[str, Any] | None:
    """The newest active application of that name (Livy passes a batch's name to spark-submit)."""
    apps = [a for a in rm_apps(rm_url) if a["name"] == name]
    return max(apps, key=lambda a: a["startedTime"] or a["id"]) if apps else None


def rm_app_by_id(rm_url: str, app_id: str) -> dict[str, Any]:
    return http("GET", f"{rm_url}/ws/v1/cluster/apps/{app_id}")["app"]


def executors(app: dict[str, Any]) -> int:
    """Spark executors of one RM application: every running container but the application master
    (which runs the driver in cluster mode)."""
    return max(app["runningContainers"] - 1, 0) if app["state"] == "RUNNING" else 0


def pending_containers(app: dict[str, Any]) -> int:
    """Containers asked for and not granted (the "*" request counts every locality)."""
    return sum(r["numContainers"] for r in app.get("resourceRequests") or [] if r["resourceName"] == "*")


def executors_of(rm_url: str, name: str) -> int | None:
    """Executors the RM runs for the application of that name; None while it has no RUNNING one."""
    app = rm_app(rm_url, name)
    return executors(app) if app is not None and app["state"] == "RUNNING" else None


def wait_for(predicate, what: str, timeout: float = 150, interval: float = 1.0):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout}s")
        time.sleep(interval)


def wait_until_all_gone(rm_url: str, timeout: float = 90) -> None:
    """No application left holding or waiting for containers (the next test starts on an empty cluster)."""
    wait_for(lambda: not rm_apps(rm_url) and rm_metrics(rm_url)["containersAllocated"] == 0,
             "every YARN application gone and its containers freed", timeout)

"""Small blocking helpers for the integration tests: Livy's REST API and the Spark master's JSON."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

FINISHED = {"dead", "killed", "error", "success"}


def http(method: str, url: str, body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json", "X-Requested-By": "tests"})
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


def master_app(master_url: str, name: str) -> dict[str, Any] | None:
    apps = [a for a in http("GET", f"{master_url}/json/")["activeapps"] if a["name"] == name]
    return max(apps, key=lambda a: a["starttime"]) if apps else None


def worker_executors(master_url: str, app_id: str) -> list[dict[str, Any]]:
    """The executors the workers run for an application: the cluster manager's own count."""
    workers = [w for w in http("GET", f"{master_url}/json/")["workers"] if w["state"] == "ALIVE"]
    return [e for w in workers for e in http("GET", f"{w['webuiaddress']}/json/")["executors"] if e["appid"] == app_id]


def wait_for(predicate, what: str, timeout: float = 120, interval: float = 1.0):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout}s")
        time.sleep(interval)


def executors_of(master_url: str, name: str) -> int | None:
    app = master_app(master_url, name)
    return None if app is None else len(worker_executors(master_url, app["id"]))

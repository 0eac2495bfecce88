"""Pure mapping from Livy, Spark and YARN JSON to what a session holds now. No I/O here.

Livy's own resource fields (0.8+) echo what was requested, never what is held; what a session
holds comes from Spark's REST API, YARN's RM, or the standalone master + workers, and every
figure is labelled with its source.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from .capacity import as_int, memory_mib

FINISHED_STATES = {"killed", "error", "dead", "success", "shutting_down"}


def iso_from_millis(millis: Any) -> str | None:
    if not isinstance(millis, (int, float)) or millis <= 0:
        return None
    return datetime.fromtimestamp(millis / 1000, tz=timezone.utc).isoformat()


def is_live(session: dict[str, Any]) -> bool:
    return str(session.get("state", "")).lower() not in FINISHED_STATES


def app_name(session: dict[str, Any]) -> str:
    """The Spark application name Livy gives a session: its name, else ``livy-session-<id>``
    (``livy-batch-<id>`` for a batch)."""
    conf = session.get("conf") if isinstance(session.get("conf"), dict) else {}
    kind = "batch" if session.get("type") == "batch" else "session"
    return session.get("name") or conf.get("spark.app.name") or f"livy-{kind}-{session['id']}"


def unknown_usage(error: str | None = None) -> dict[str, Any]:
    return {"source": "unknown", "executors": None, "cores": None, "memoryMiB": None, "error": error}


def usage_from_spark_executors(executors: Any, executor_memory: Any) -> dict[str, Any]:
    """Spark REST ``/applications/{id}/executors``: active entries other than ``driver``."""
    if not isinstance(executors, list):
        raise ValueError("expected a list of executors")
    held = [e for e in executors if isinstance(e, dict) and e.get("id") != "driver" and e.get("isActive", True)]
    per_executor = memory_mib(executor_memory)
    return {
        "source": "spark-rest",
        "executors": len(held),
        "cores": sum(as_int(e.get("totalCores")) or 0 for e in held),
        "memoryMiB": per_executor * len(held) if per_executor is not None else None,
        "error": None,
    }


# What /ws/v1/cluster/apps is asked for: applications that hold or wait for containers.
YARN_ACTIVE_STATES = ("NEW", "NEW_SAVING", "SUBMITTED", "ACCEPTED", "RUNNING")


def yarn_apps(data: Any) -> list[dict[str, Any]]:
    """The applications of one RM ``/ws/v1/cluster/apps`` answer (``{"apps": null}`` when none)."""
    if not isinstance(data, dict) or "apps" not in data:
        raise ValueError("expected {apps: {app: [...]}}")
    container = data["apps"] or {}
    apps = (container.get("app") or []) if isinstance(container, dict) else None
    if not isinstance(apps, list):
        raise ValueError("expected {apps: {app: [...]}}")
    return [a for a in apps if isinstance(a, dict) and isinstance(a.get("id"), str)]


class YarnApps:
    """The RM's applications indexed for one lookup per session: by id and by Livy's tag."""

    def __init__(self, apps: list[dict[str, Any]]):
        self.by_id: dict[str, dict[str, Any]] = {}
        self.by_tag: dict[str, dict[str, Any]] = {}  # "livy-session-3" -> its newest application
        for app in apps:
            self.by_id.setdefault(app["id"], app)
            for tag in str(app.get("applicationTags") or "").split(","):
                match = _LIVY_TAG.match(tag)
                if match:
                    newest = self.by_tag.get(match.group(1))
                    if newest is None or (as_int(app.get("startedTime")) or 0) > (as_int(newest.get("startedTime")) or 0):
                        self.by_tag[match.group(1)] = app

    def for_session(self, session: dict[str, Any]) -> dict[str, Any] | None:
        """A Livy session's YARN application: by the appId Livy reports, else (while Livy has not
        learnt it yet) by the tag Livy gives every application it submits, ``livy-<type>-<id>-<random>``.
        Livy's ids restart with Livy; the newest tagged application belongs to the live session."""
        app_id = session.get("appId")
        if app_id:
            return self.by_id.get(app_id)
        return self.by_tag.get(f"livy-{'batch' if session.get('type') == 'batch' else 'session'}-{session['id']}")


_LIVY_TAG = re.compile(r"(livy-(?:session|batch)-\d+)-")


def yarn_app_for(session: dict[str, Any], apps: list[dict[str, Any]]) -> dict[str, Any] | None:
    """See :meth:`YarnApps.for_session`; index the apps once when asking for many sessions."""
    return YarnApps(apps).for_session(session)


def usage_from_yarn_app(app: dict[str, Any]) -> dict[str, Any]:
    """One RM application: running containers minus the application master (which runs the
    driver in cluster mode, the executor launcher in client mode), and the executors it asks for
    and does not get, the direct sign that it waits for others. Cores and memory are the RM's
    allocation, the application master's container included."""
    state = str(app.get("state") or "").upper()
    running = as_int(app.get("runningContainers")) or 0
    if state != "RUNNING":
        # Not started: its only request is the application master's container.
        waiting_executors, waiting_to_start = 0, state in YARN_ACTIVE_STATES
    else:
        requests = app.get("resourceRequests") if isinstance(app.get("resourceRequests"), list) else []
        # "*" is the off-switch request: every container asked for, whatever the locality.
        waiting_executors = sum(as_int(r.get("numContainers")) or 0 for r in requests
                                if isinstance(r, dict) and r.get("resourceName") == "*")
        waiting_to_start = False
    return {
        "source": "yarn",
        "executors": max(running - 1, 0),
        "cores": as_int(app.get("allocatedVCores")),
        "memoryMiB": as_int(app.get("allocatedMB")),
        "waitingExecutors": waiting_executors,
        "waitingToStart": waiting_to_start,
        "error": None,
    }


def standalone_app(master: dict[str, Any], session: dict[str, Any]) -> dict[str, Any] | None:
    """The master's active application of a session. Livy reports no appId in standalone mode."""
    name = app_name(session)
    apps = [a for a in master.get("activeapps") or [] if isinstance(a, dict) and a.get("name") == name]
    # Several apps can share a custom name; the newest belongs to the live session.
    return max(apps, key=lambda a: a.get("starttime") or 0) if apps else None


def usage_from_standalone(app: dict[str, Any], worker_executors: list[dict[str, Any]] | None) -> dict[str, Any]:
    """Standalone master app (cores granted) + workers' executor lists (the exact executors)."""
    cores = as_int(app.get("cores")) or 0
    per_executor = as_int(app.get("memoryperexecutor"))
    if worker_executors is None:
        # Without the workers the count is unknown; cores granted are still exact.
        return {"source": "spark-master", "executors": None, "cores": cores, "memoryMiB": None,
                "error": "worker JSON unavailable: executor count unknown"}
    mine = [e for e in worker_executors if e.get("appid") == app.get("id")]
    return {
        "source": "spark-master",
        "executors": len(mine),
        "cores": cores,
        "memoryMiB": sum(as_int(e.get("memory")) or per_executor or 0 for e in mine),
        "error": None,
    }

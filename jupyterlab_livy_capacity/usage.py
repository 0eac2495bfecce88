"""Pure mapping from Livy, Spark and YARN JSON to what a session holds now. No I/O here.

Livy's own resource fields (0.8+) echo what was requested, never what is held; what a session
holds comes from Spark's REST API, YARN's RM, or the standalone master + workers, and every
figure is labelled with its source.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

FINISHED_STATES = {"killed", "error", "dead", "success", "shutting_down"}
_MEMORY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$", re.IGNORECASE)
_MIB_PER_UNIT = {"": 1 / (1024 * 1024), "k": 1 / 1024, "m": 1, "g": 1024, "t": 1024 * 1024}


def memory_mib(value: Any) -> int | None:
    """Spark memory strings ("512m", "5G", "1000M") in MiB; a bare number is MiB like Spark's."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    if not isinstance(value, str):
        return None
    match = _MEMORY.match(value)
    if not match:
        return None
    number, unit = float(match.group(1)), match.group(2).lower()
    if unit == "":
        return int(number)
    return int(number * _MIB_PER_UNIT[unit])


def as_int(value: Any) -> int | None:
    try:
        return int(value) if value is not None and str(value).strip() != "" else None
    except (TypeError, ValueError):
        return None


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


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


def caps(session: dict[str, Any], spark_properties: dict[str, str] | None = None) -> dict[str, Any]:
    """The caps a session asked for. Spark's /environment (the effective conf) wins over Livy's echo."""
    conf = dict(session.get("conf") or {}) if isinstance(session.get("conf"), dict) else {}
    conf.update(spark_properties or {})
    return {
        "maxExecutors": as_int(conf.get("spark.dynamicAllocation.maxExecutors")),
        "minExecutors": as_int(conf.get("spark.dynamicAllocation.minExecutors")),
        "dynamicAllocation": _bool(conf.get("spark.dynamicAllocation.enabled")),
        "numExecutors": as_int(conf.get("spark.executor.instances")) or as_int(session.get("numExecutors")) or None,
        "executorCores": as_int(conf.get("spark.executor.cores")) or as_int(session.get("executorCores")) or None,
        "executorMemory": conf.get("spark.executor.memory") or session.get("executorMemory") or None,
    }


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


def _cluster(source: str, url: str, totals: dict[str, Any], keys: tuple[str, str, str, str],
             max_executors: int | None) -> dict[str, Any]:
    """Cluster capacity in one shape, whatever the source calls its cores and MiB."""
    total_cores, used_cores, total_mib, used_mib = (as_int(totals.get(k)) for k in keys)
    return {"source": source, "url": url, "totalCores": total_cores, "usedCores": used_cores,
            "totalMemoryMiB": total_mib, "usedMemoryMiB": used_mib, "maxExecutors": max_executors, "error": None}


def cluster_from_master(master: dict[str, Any], url: str, executor_cores: int | None,
                        executor_memory_mib: int | None) -> dict[str, Any]:
    alive = [w for w in master.get("workers") or [] if isinstance(w, dict) and w.get("state") == "ALIVE"]
    max_executors = None
    if executor_cores and executor_memory_mib:
        max_executors = sum(
            min((as_int(w.get("cores")) or 0) // executor_cores, (as_int(w.get("memory")) or 0) // executor_memory_mib)
            for w in alive
        )
    return _cluster("spark-master", url, master, ("cores", "coresused", "memory", "memoryused"), max_executors)


def yarn_executor_container_mib(executor_memory_mib: int) -> int:
    """The YARN container Spark asks for per executor: its memory plus the default overhead,
    max(384 MiB, 10%) (``spark.executor.memoryOverhead``)."""
    return executor_memory_mib + max(384, -(-executor_memory_mib // 10))


def cluster_from_yarn_metrics(data: Any, url: str, executor_cores: int | None = None,
                              executor_memory_mib: int | None = None) -> dict[str, Any]:
    """RM ``/ws/v1/cluster/metrics``. Executor slots are estimated from the totals and the executor
    size SparkMagic asks for (the RM does not know Spark's executors); each session's application
    master takes one container of that room too."""
    metrics = data.get("clusterMetrics") if isinstance(data, dict) else None
    if not isinstance(metrics, dict):
        raise ValueError("expected {clusterMetrics: {...}}")
    keys = ("totalVirtualCores", "allocatedVirtualCores", "totalMB", "allocatedMB")
    max_executors = None
    total_mib, total_cores = as_int(metrics.get("totalMB")), as_int(metrics.get("totalVirtualCores"))
    if executor_cores and executor_memory_mib and total_mib is not None and total_cores is not None:
        max_executors = min(total_mib // yarn_executor_container_mib(executor_memory_mib), total_cores // executor_cores)
    cluster = _cluster("yarn", url, metrics, keys, max_executors)
    cluster["pendingContainers"] = as_int(metrics.get("containersPending"))
    return cluster

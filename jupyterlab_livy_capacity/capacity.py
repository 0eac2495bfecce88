"""Pure mapping from Livy, Spark and YARN JSON to capacity: the caps a session asked for and what
the cluster can hold (Spark standalone master, YARN ResourceManager metrics), with the two readers
of upstream figures they share with ``usage`` (``as_int``, ``memory_mib``). No I/O here.
"""

from __future__ import annotations

import re
from typing import Any

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
    """An integer, or a number or numeric string as one; anything else None."""
    # Read many times per row of every refresh: None, int and str take no detour.
    if value is None:
        return None
    if value.__class__ is int:
        return value
    if value.__class__ is str:  # int() strips whitespace itself and refuses "" and "  "
        try:
            return int(value)
        except ValueError:
            return None
    try:
        return int(value) if str(value).strip() != "" else None
    except (TypeError, ValueError):
        return None


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


# The Spark properties caps reads, in the order caps unpacks them.
CAP_KEYS = ("spark.dynamicAllocation.maxExecutors", "spark.dynamicAllocation.minExecutors",
            "spark.dynamicAllocation.enabled", "spark.executor.instances", "spark.executor.cores",
            "spark.executor.memory")


def caps(session: dict[str, Any], spark_properties: dict[str, str] | None = None) -> dict[str, Any]:
    """The caps a session asked for. Spark's /environment (the effective conf) wins over Livy's echo."""
    conf = session.get("conf")
    if not isinstance(conf, dict):
        conf = {}
    effective = spark_properties or {}
    # The six properties looked up, not a session's whole conf copied.
    max_executors, min_executors, enabled, instances, cores, memory = (
        effective[key] if key in effective else conf.get(key) for key in CAP_KEYS)
    return {
        "maxExecutors": as_int(max_executors),
        "minExecutors": as_int(min_executors),
        "dynamicAllocation": _bool(enabled),
        "numExecutors": as_int(instances) or as_int(session.get("numExecutors")) or None,
        "executorCores": as_int(cores) or as_int(session.get("executorCores")) or None,
        "executorMemory": memory or session.get("executorMemory") or None,
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

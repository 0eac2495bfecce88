"""Mapping Spark / YARN / standalone JSON to what a session holds (shapes from Spark 3.5 and YARN docs)."""

import pytest

from jupyterlab_livy_capacity import usage as U


@pytest.mark.parametrize("text, mib", [("512m", 512), ("5G", 5120), ("1000M", 1000), ("2g", 2048),
                                       ("1024k", 1), ("768", 768), (2048, 2048), ("lots", None), (None, None)])
def test_memory_strings(text, mib):
    assert U.memory_mib(text) == mib


def test_spark_rest_counts_active_non_driver_executors():
    executors = [
        {"id": "driver", "isActive": True, "totalCores": 0},
        {"id": "1", "isActive": True, "totalCores": 2},
        {"id": "2", "isActive": True, "totalCores": 2},
        {"id": "3", "isActive": False, "totalCores": 2},
    ]
    assert U.usage_from_spark_executors(executors, "4g") == {
        "source": "spark-rest", "executors": 2, "cores": 4, "memoryMiB": 8192, "error": None}
    assert U.usage_from_spark_executors(executors[:1], None)["executors"] == 0
    with pytest.raises(ValueError):
        U.usage_from_spark_executors({"oops": 1}, None)


def test_yarn_subtracts_the_application_master():
    data = {"app": {"runningContainers": 4, "allocatedMB": 9216, "allocatedVCores": 7}}
    assert U.usage_from_yarn_app(data) == {"source": "yarn", "executors": 3, "cores": 7, "memoryMiB": 9216,
                                           "error": None}
    assert U.usage_from_yarn_app({"app": {"runningContainers": 0}})["executors"] == 0


def test_standalone_matches_by_app_name_and_counts_worker_executors():
    master = {"activeapps": [
        {"id": "app-1", "name": "livy-session-0", "cores": 2, "memoryperexecutor": 512, "starttime": 1000},
        {"id": "app-2", "name": "named", "cores": 1, "memoryperexecutor": 512, "starttime": 2000},
        {"id": "app-3", "name": "named", "cores": 3, "memoryperexecutor": 512, "starttime": 3000},
    ]}
    assert U.standalone_app(master, {"id": 0})["id"] == "app-1"
    assert U.standalone_app(master, {"id": 7, "name": "named"})["id"] == "app-3"  # the newest of a shared name
    assert U.standalone_app(master, {"id": 9}) is None
    workers = [{"appid": "app-1", "memory": 512}, {"appid": "app-1", "memory": 512}, {"appid": "app-3", "memory": 512}]
    held = U.usage_from_standalone(master["activeapps"][0], workers)
    assert (held["executors"], held["cores"], held["memoryMiB"]) == (2, 2, 1024)
    blind = U.usage_from_standalone(master["activeapps"][0], None)
    assert blind["executors"] is None and blind["cores"] == 2 and "worker" in blind["error"]


def test_caps_prefer_sparks_effective_conf_over_livys_echo():
    session = {"id": 1, "numExecutors": 0, "executorCores": 1, "executorMemory": "512m",
               "conf": {"spark.dynamicAllocation.enabled": "true", "spark.dynamicAllocation.maxExecutors": "2"}}
    assert U.caps(session) == {"maxExecutors": 2, "minExecutors": None, "dynamicAllocation": True,
                               "numExecutors": None, "executorCores": 1, "executorMemory": "512m"}
    effective = U.caps(session, {"spark.dynamicAllocation.maxExecutors": "5", "spark.executor.memory": "1g"})
    assert effective["maxExecutors"] == 5 and effective["executorMemory"] == "1g"


def test_cluster_capacity_from_master_and_yarn():
    master = {"cores": 6, "coresused": 2, "memory": 6144, "memoryused": 1024, "workers": [
        {"state": "ALIVE", "cores": 6, "memory": 6144}, {"state": "DEAD", "cores": 8, "memory": 8192}]}
    cluster = U.cluster_from_master(master, "http://m:8080", 1, 512)
    assert (cluster["totalCores"], cluster["usedCores"], cluster["maxExecutors"]) == (6, 2, 6)
    assert U.cluster_from_master(master, "http://m:8080", 4, 512)["maxExecutors"] == 1
    yarn = U.cluster_from_yarn_metrics({"clusterMetrics": {"totalVirtualCores": 64, "allocatedVirtualCores": 8,
                                                           "totalMB": 262144, "allocatedMB": 16384}}, "http://rm")
    assert (yarn["totalCores"], yarn["usedMemoryMiB"]) == (64, 16384)


def test_finished_sessions_are_not_live():
    assert U.is_live({"state": "idle"}) and U.is_live({"state": "busy"}) and U.is_live({"state": "starting"})
    assert not any(U.is_live({"state": s}) for s in ("dead", "killed", "error", "success"))

"""Mapping Livy, Spark and YARN JSON to capacity: a session's caps and the cluster's room."""

import pytest

from jupyterlab_livy_capacity import capacity as C


@pytest.mark.parametrize("text, mib", [("512m", 512), ("5G", 5120), ("1000M", 1000), ("2g", 2048),
                                       ("1024k", 1), ("768", 768), (2048, 2048), ("lots", None), (None, None)])
def test_memory_strings(text, mib):
    assert C.memory_mib(text) == mib


def test_caps_prefer_sparks_effective_conf_over_livys_echo():
    session = {"id": 1, "numExecutors": 0, "executorCores": 1, "executorMemory": "512m",
               "conf": {"spark.dynamicAllocation.enabled": "true", "spark.dynamicAllocation.maxExecutors": "2"}}
    assert C.caps(session) == {"maxExecutors": 2, "minExecutors": None, "dynamicAllocation": True,
                               "numExecutors": None, "executorCores": 1, "executorMemory": "512m"}
    effective = C.caps(session, {"spark.dynamicAllocation.maxExecutors": "5", "spark.executor.memory": "1g"})
    assert effective["maxExecutors"] == 5 and effective["executorMemory"] == "1g"


def test_cluster_capacity_from_master_and_yarn():
    master = {"cores": 6, "coresused": 2, "memory": 6144, "memoryused": 1024, "workers": [
        {"state": "ALIVE", "cores": 6, "memory": 6144}, {"state": "DEAD", "cores": 8, "memory": 8192}]}
    cluster = C.cluster_from_master(master, "http://m:8080", 1, 512)
    assert (cluster["totalCores"], cluster["usedCores"], cluster["maxExecutors"]) == (6, 2, 6)
    assert C.cluster_from_master(master, "http://m:8080", 4, 512)["maxExecutors"] == 1
    metrics = {"clusterMetrics": {"totalVirtualCores": 64, "allocatedVirtualCores": 8, "totalMB": 262144,
                                  "allocatedMB": 16384, "containersPending": 5}}
    yarn = C.cluster_from_yarn_metrics(metrics, "http://rm")
    assert (yarn["totalCores"], yarn["usedMemoryMiB"], yarn["maxExecutors"], yarn["pendingContainers"]) == (
        64, 16384, None, 5)
    # 4g executors ask YARN for 4g + 410m containers: 58 fit in 256 GiB; 2-core executors: 32 by cores.
    assert C.cluster_from_yarn_metrics(metrics, "http://rm", 1, 4096)["maxExecutors"] == 58
    assert C.cluster_from_yarn_metrics(metrics, "http://rm", 2, 4096)["maxExecutors"] == 32
    assert C.yarn_executor_container_mib(512) == 896

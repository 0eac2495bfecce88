"""Mapping Spark / YARN / standalone JSON to what a session holds (shapes from Spark 3.5 and YARN docs)."""

import pytest

from jupyterlab_livy_capacity import usage as U


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


def _yarn_app(app_id, state="RUNNING", containers=0, tags="", started=1, requests=()):
    return {"id": app_id, "state": state, "runningContainers": containers, "allocatedMB": containers * 896,
            "allocatedVCores": containers, "applicationTags": tags, "startedTime": started,
            "resourceRequests": list(requests)}


def test_yarn_counts_containers_minus_the_application_master_and_pending_executors():
    pending = [{"resourceName": "*", "numContainers": 3, "priority": {"priority": 1}},
               {"resourceName": "/default-rack", "numContainers": 3}, {"resourceName": "127.0.0.1", "numContainers": 3}]
    usage = U.usage_from_yarn_app(_yarn_app("application_1_0001", containers=4, requests=pending))
    assert usage == {"source": "yarn", "executors": 3, "cores": 4, "memoryMiB": 3584, "waitingExecutors": 3,
                     "waitingToStart": False, "error": None}
    assert U.usage_from_yarn_app(_yarn_app("a", containers=0))["executors"] == 0
    # ACCEPTED: the whole application waits for its master's container; no executor is asked for yet.
    accepted = U.usage_from_yarn_app(_yarn_app("a", state="ACCEPTED", requests=[{"resourceName": "*", "numContainers": 1}]))
    assert (accepted["executors"], accepted["waitingExecutors"], accepted["waitingToStart"]) == (0, 0, True)


def test_yarn_apps_match_by_app_id_else_by_livys_tag():
    apps = U.yarn_apps({"apps": {"app": [
        _yarn_app("application_1_0001", tags="livy-batch-0-abc"),
        _yarn_app("application_1_0002", tags="livy-session-1-old", started=10),
        _yarn_app("application_1_0003", tags="livy-session-1-new,other", started=20),
        _yarn_app("application_1_0004", tags="livy-session-12-xyz"),
        {"no": "id"},
    ]}})
    assert len(apps) == 4
    assert U.yarn_app_for({"id": 5, "appId": "application_1_0001"}, apps)["id"] == "application_1_0001"
    assert U.yarn_app_for({"id": 5, "appId": "application_9_0009"}, apps) is None
    assert U.yarn_app_for({"id": 0, "type": "batch", "appId": None}, apps)["id"] == "application_1_0001"
    assert U.yarn_app_for({"id": 1, "type": "session"}, apps)["id"] == "application_1_0003"  # newest
    assert U.yarn_app_for({"id": 0, "type": "session"}, apps) is None  # batch 0 is not session 0
    assert U.yarn_apps({"apps": None}) == []
    with pytest.raises(ValueError):
        U.yarn_apps({"apps": {"app": "nope"}})
    with pytest.raises(ValueError):
        U.yarn_apps([])


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


def test_finished_sessions_are_not_live():
    assert U.is_live({"state": "idle"}) and U.is_live({"state": "busy"}) and U.is_live({"state": "starting"})
    assert not any(U.is_live({"state": s}) for s in ("dead", "killed", "error", "success"))

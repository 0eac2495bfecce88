"""GET /livy-capacity/history: authenticated and authorized like every route, only for endpoints of
the SparkMagic config, strict JSON, fed by the sessions route's snapshots."""

import asyncio
import json
from datetime import datetime, timedelta, timezone

import pytest
from fake_upstream import livy_pages, serve
from tornado.httpclient import HTTPClientError

from test_security import DenyLivyCapacity, strict

LIVY = "http://127.0.0.1:9"  # never contacted: history is recorded straight into the app's object


@pytest.fixture
def jp_server_config():
    return {"ServerApp": {"jpserver_extensions": {"jupyterlab_livy_capacity": True}},
            "LivyCapacity": {"connect_timeout": 1.0, "request_timeout": 2.0, "snapshot_ttl": 0.0,
                             "history_minutes": 30}}


@pytest.fixture
def write_config(tmp_path, monkeypatch):
    monkeypatch.setenv("SPARKMAGIC_CONF_DIR", str(tmp_path))
    monkeypatch.setenv("JUPYTERLAB_SETTINGS_DIR", str(tmp_path / "lab-settings"))

    def write(url):
        (tmp_path / "config.json").write_text(json.dumps({"kernel_python_credentials": {"url": url}}))
    return write


def holder_row(executors, memory):
    return {"key": "session-0", "type": "session", "id": 0, "name": None, "owner": None, "state": "busy",
            "startedAt": "t0", "usage": {"executors": executors, "memoryMiB": memory},
            "notebook": {"path": "etl.ipynb", "name": "etl.ipynb", "kernelId": "k"}}


async def test_history_reports_what_was_recorded_with_executor_hours(jp_fetch, jp_serverapp, write_config):
    write_config(LIVY)
    history = jp_serverapp.web_app.settings["livy_capacity_history"]
    history.max_gap = 3600  # the samples are 10 minutes apart
    now = datetime.now(timezone.utc)
    for minutes_ago, executors in ((20, 4), (10, 2)):
        at = (now - timedelta(minutes=minutes_ago)).isoformat()
        assert history.record(LIVY, {"fetchedAt": at, "error": None,
                                     "sessions": [holder_row(executors, executors * 1024)]}, 6)
    response = await jp_fetch("livy-capacity", "history", params={"endpoint": LIVY})
    data = strict(response.body)
    assert data["window"]["minutes"] == 30  # c.LivyCapacity.history_minutes
    assert data["endpoint"] == LIVY and data["samples"]["clusterExecutors"] == [6, 6]
    assert data["holders"]["session-0"]["executors"] == [4, 2]
    (total,) = data["totals"]
    # 4 executors for 10 minutes, then 2 until now (10 minutes, within the gap limit)
    assert total["key"] == "notebook:etl.ipynb" and total["executorHours"] == pytest.approx(1.0, abs=0.01)
    assert total["gibHours"] == pytest.approx(1.0, abs=0.01)


async def test_sessions_route_records_each_snapshot_once(jp_fetch, jp_serverapp, write_config):
    livy = livy_pages([{"id": 0, "state": "idle", "kind": "pyspark"}])
    async with serve({"/sessions": livy, "/batches": livy}) as url:
        write_config(url)
        history = jp_serverapp.web_app.settings["livy_capacity_history"]
        history.min_interval = 0.001  # snapshot_ttl is 0: every request starts a new snapshot
        served = []
        for _ in range(4):  # each request is served the latest snapshot while the next one is taken
            response = await jp_fetch("livy-capacity", "sessions", params={"endpoint": url})
            snapshot = strict(response.body)
            if not snapshot.get("partial"):
                served.append(snapshot["fetchedAt"])
                cluster_executors = snapshot["clusterExecutors"]
            await asyncio.sleep(0.1)
        data = strict((await jp_fetch("livy-capacity", "history", params={"endpoint": url})).body)
    assert len(set(served)) >= 2 and data["samples"]["at"] == sorted(set(served))
    assert data["samples"]["clusterExecutors"] == [cluster_executors] * len(set(served))
    assert list(data["holders"]) == ["session-0"]


async def test_history_is_only_for_endpoints_of_the_config(jp_fetch, write_config):
    write_config(LIVY)
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("livy-capacity", "history", params={"endpoint": "http://evil.example:1"})
    assert info.value.code == 404
    empty = strict((await jp_fetch("livy-capacity", "history", params={"endpoint": LIVY})).body)
    assert empty["samples"]["at"] == [] and empty["totals"] == []


async def test_history_needs_authentication(jp_fetch, write_config):
    write_config(LIVY)
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("livy-capacity", "history", params={"endpoint": LIVY}, headers={"Authorization": ""})
    assert info.value.code == 403


async def test_an_authorizer_can_deny_the_history(jp_fetch, jp_serverapp, write_config):
    jp_serverapp.authorizer = DenyLivyCapacity(parent=jp_serverapp, identity_provider=jp_serverapp.identity_provider)
    jp_serverapp.web_app.settings["authorizer"] = jp_serverapp.authorizer
    write_config(LIVY)
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("livy-capacity", "history", params={"endpoint": LIVY})
    assert info.value.code == 403

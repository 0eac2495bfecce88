"""The server routes: authentication, secrets, the endpoints document and Livy failures."""

import base64
import json
import socket

import pytest
from tornado.httpclient import HTTPClientError

CONFIG = {
    "kernel_python_credentials": {"username": "alice", "base64_password": base64.b64encode(b"pw-xyz").decode(),
                                  "url": "http://127.0.0.1:{port}", "auth": "Basic_Access"},
    "kernel_scala_credentials": {"url": 42},
    "custom_headers": {"X-Api-Key": "header-secret-1"},
    "session_configs": {"conf": {"spark.jdbc.password": "conf-secret-2"}},
}
ROUTES = [("GET", "endpoints"), ("GET", "sessions"), ("DELETE", "sessions"), ("GET", "config/max-executors"),
          ("POST", "config/max-executors")]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again on exit: connections are refused


@pytest.fixture
def jp_server_config():
    return {"ServerApp": {"jpserver_extensions": {"jupyterlab_livy_capacity": True}},
            "LivyCapacity": {"connect_timeout": 1.0, "request_timeout": 2.0, "snapshot_ttl": 0.0}}


@pytest.fixture
def livy_port():
    return closed_port()


@pytest.fixture
def sparkmagic_conf(tmp_path, monkeypatch, livy_port):
    text = json.dumps(CONFIG).replace("{port}", str(livy_port))
    (tmp_path / "config.json").write_text(text)
    monkeypatch.setenv("SPARKMAGIC_CONF_DIR", str(tmp_path))
    return tmp_path / "config.json"


@pytest.mark.parametrize("method, route", ROUTES)
async def test_every_route_refuses_unauthenticated_requests(jp_fetch, sparkmagic_conf, method, route):
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("livy-capacity", *route.split("/"), method=method, headers={"Authorization": ""},
                       body="{}" if method == "POST" else None)
    assert info.value.code == 403


async def test_endpoints_document_has_no_secrets(jp_fetch, sparkmagic_conf, livy_port):
    response = await jp_fetch("livy-capacity", "endpoints")
    text = response.body.decode()
    for secret in ("pw-xyz", base64.b64encode(b"pw-xyz").decode(), "header-secret-1", "conf-secret-2"):
        assert secret not in text
    data = json.loads(text)
    assert data["config"]["path"] == str(sparkmagic_conf) and data["config"]["status"] == "ok"
    cards = {c["id"]: c for c in data["endpoints"]}
    good = cards[f"http://127.0.0.1:{livy_port}"]
    assert good["auth"] == "Basic_Access" and good["hasPassword"] and good["customHeaderNames"] == ["X-Api-Key"]
    assert cards["kernel_scala_credentials"]["errors"][0]["field"] == "kernel_scala_credentials.url"


async def test_endpoints_follow_file_changes_without_restart(jp_fetch, sparkmagic_conf):
    sparkmagic_conf.write_text("{ not json")
    data = json.loads((await jp_fetch("livy-capacity", "endpoints")).body)
    assert data["config"]["status"] == "invalid_json" and data["config"]["line"] == 1
    sparkmagic_conf.unlink()
    data = json.loads((await jp_fetch("livy-capacity", "endpoints")).body)
    assert data["config"]["status"] == "missing" and data["endpoints"] == []


async def test_sessions_refuses_endpoints_not_in_the_config(jp_fetch, sparkmagic_conf):
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("livy-capacity", "sessions", params={"endpoint": "http://evil.example:1"})
    assert info.value.code == 404
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("livy-capacity", "sessions", method="DELETE", params={"endpoint": "kernel_scala_credentials",
                                                                             "id": "1"})
    assert info.value.code == 404


async def test_sessions_when_livy_is_down(jp_fetch, sparkmagic_conf, livy_port):
    url = f"http://127.0.0.1:{livy_port}"
    data = json.loads((await jp_fetch("livy-capacity", "sessions", params={"endpoint": url})).body)
    assert data["error"]["kind"] == "unreachable" and url in data["error"]["message"]
    assert data["sessions"] == [] and data["stale"] is False and data["lastSuccessAt"] is None
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("livy-capacity", "sessions", method="DELETE", params={"endpoint": url, "id": "3"})
    assert info.value.code == 502 and b"session 3" in info.value.response.body


async def test_bad_source_url_is_a_clear_400(jp_fetch, sparkmagic_conf, livy_port):
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("livy-capacity", "sessions", params={"endpoint": f"http://127.0.0.1:{livy_port}",
                                                            "sparkMasterUrl": "ftp://x"})
    assert info.value.code == 400 and b"sparkMasterUrl" in info.value.response.body


async def test_max_executors_preview_apply_and_conflict(jp_fetch, sparkmagic_conf):
    original = sparkmagic_conf.read_text()
    preview = json.loads((await jp_fetch("livy-capacity", "config", "max-executors", params={"value": "3"})).body)
    assert preview["before"] is None and preview["after"] == "3" and preview["path"] == str(sparkmagic_conf)
    assert "pw-xyz" not in json.dumps(preview) and sparkmagic_conf.read_text() == original
    applied = json.loads((await jp_fetch("livy-capacity", "config", "max-executors", method="POST",
                                         body=json.dumps({"value": 3, "sha256": preview["sha256"]}))).body)
    assert applied["applied"] is True
    written = json.loads(sparkmagic_conf.read_text())
    assert written["session_configs"]["conf"]["spark.dynamicAllocation.maxExecutors"] == "3"
    assert written["custom_headers"] == CONFIG["custom_headers"]
    # the endpoints document sees the cap at once
    data = json.loads((await jp_fetch("livy-capacity", "endpoints")).body)
    assert all(not e["sessionSettings"]["maxExecutorsUnset"] for e in data["endpoints"] if not e["errors"])
    with pytest.raises(HTTPClientError) as info:  # the same preview hash is stale now
        await jp_fetch("livy-capacity", "config", "max-executors", method="POST",
                       body=json.dumps({"value": 2, "sha256": preview["sha256"]}))
    assert info.value.code == 409 and b"changed since the preview" in info.value.response.body

"""Issue 8 through the server routes: no secret leaves the server, no open fetches, strict JSON,
bounded reads, and apply answers 400 for malformed bodies."""

import asyncio
import base64
import json

import pytest
from aiohttp import web
from fake_upstream import livy_pages, reply, serve
from jupyter_server.auth import Authorizer
from tornado.httpclient import HTTPClientError

from test_handlers import ROUTES


class DenyLivyCapacity(Authorizer):
    def is_authorized(self, handler, user, action, resource):
        return resource != "livy-capacity"


@pytest.fixture
def livy_capacity_config():
    return {"connect_timeout": 1.0, "request_timeout": 3.0, "snapshot_ttl": 0.0}


@pytest.fixture
def jp_server_config(livy_capacity_config):
    return {"ServerApp": {"jpserver_extensions": {"jupyterlab_livy_capacity": True}},
            "LivyCapacity": livy_capacity_config}


@pytest.fixture
def write_config(tmp_path, monkeypatch):
    monkeypatch.setenv("SPARKMAGIC_CONF_DIR", str(tmp_path))
    monkeypatch.setenv("JUPYTERLAB_SETTINGS_DIR", str(tmp_path / "lab-settings"))

    def write(data, text=None):
        (tmp_path / "config.json").write_text(text if text is not None else json.dumps(data))
    return write


def strict(body: bytes):
    """Parses like a browser's JSON.parse: NaN and Infinity are errors."""
    def refuse(name):
        raise AssertionError(f"bare {name} in a response")
    return json.loads(body, parse_constant=refuse)


async def get(jp_fetch, *path, **params):
    return strict((await jp_fetch("livy-capacity", *path, params=params)).body)


async def fails(jp_fetch, *path, method="GET", body=None, **params):
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("livy-capacity", *path, method=method, body=body, params=params)
    return info.value.code, info.value.response.body.decode()


@pytest.fixture
def jp_server_authorizer():
    return DenyLivyCapacity


@pytest.mark.parametrize("method, route", ROUTES)
async def test_an_authorizer_can_deny_the_extension(jp_fetch, jp_serverapp, write_config, method, route):
    jp_serverapp.authorizer = DenyLivyCapacity(parent=jp_serverapp, identity_provider=jp_serverapp.identity_provider)
    jp_serverapp.web_app.settings["authorizer"] = jp_serverapp.authorizer
    write_config({"kernel_python_credentials": {"url": "http://127.0.0.1:9"}})
    code, _ = await fails(jp_fetch, *route.split("/"), method=method, body="{}" if method == "POST" else None)
    assert code == 403
    assert (await jp_fetch("api", "status")).code == 200  # the rest of the server is not affected


SECRETS_IN_VALUES = {
    "kernel_python_credentials": {"url": "http://alice:url-pw-1@127.0.0.1:9/"},
    "session_configs": {
        "conf": {"spark.executorEnv.DB_PASSWD": "env-secret-2",
                 "spark.driver.extraJavaOptions": "-Dx=1 -Djavax.net.ssl.trustStorePassword=jvm-secret-3",
                 "spark.sql.catalog.url": "postgres://bob:url-secret-4@db:5432/x",
                 "spark.app.name": "visible-name"},
        "args": ["--db-password", "arg-secret-5", "--token=arg-secret-6", "--user", "visible-user"],
    },
}


async def test_secrets_in_values_and_url_userinfo_never_served(jp_fetch, write_config):
    write_config(SECRETS_IN_VALUES)
    text = json.dumps(await get(jp_fetch, "endpoints"))
    for secret in ("url-pw-1", "env-secret-2", "jvm-secret-3", "url-secret-4", "arg-secret-5", "arg-secret-6"):
        assert secret not in text
    card = (await get(jp_fetch, "endpoints"))["endpoints"][0]
    assert card["id"] == card["url"] == "http://127.0.0.1:9"
    assert card["hasPassword"] is True and card["auth"] == "Basic_Access"
    properties = card["sessionSettings"]["properties"]
    assert properties["conf"]["spark.executorEnv.DB_PASSWD"] == "<redacted>"
    assert properties["conf"]["spark.app.name"] == "visible-name"
    assert properties["args"] == ["--db-password", "<redacted>", "<redacted>", "--user", "visible-user"]


async def test_userinfo_is_sent_as_basic_auth_and_never_shown(jp_fetch, write_config):
    seen = []

    async def sessions(request):
        seen.append(request.headers.get("Authorization"))
        return reply({"from": 0, "total": 0, "sessions": []}, status=500)

    async with serve({"/sessions": sessions, "/batches": sessions}) as base:
        write_config({"kernel_python_credentials": {"url": base.replace("//", "//alice:pw%40x@")}})
        snapshot = await get(jp_fetch, "sessions", endpoint=base)
    assert f"Basic {base64.b64encode(b'alice:pw@x').decode()}" in seen
    assert "pw" not in json.dumps(snapshot).replace(base, "") and snapshot["error"]["kind"] == "http"


async def test_header_errors_name_the_header_never_the_value(jp_fetch, write_config):
    write_config({"kernel_python_credentials": {"url": "http://127.0.0.1:9"},
                  "custom_headers": {"X-Token": "abc\r\nX-Injected: header-secret-7", "X-Fine": "ok"}})
    text = (await jp_fetch("livy-capacity", "endpoints")).body.decode()
    assert "header-secret-7" not in text
    errors = strict(text)["endpoints"][0]["errors"]
    assert [e["field"] for e in errors] == ["custom_headers.X-Token"] and "line break" in errors[0]["message"]


SEVEN_CONFIGS = [
    ({"kernel_scala_credentials": {"url": "http://127.0.0.1:99999"}}, "kernel_scala_credentials.url", "port"),
    ({"kernel_scala_credentials": {"url": "http://127.0.0.1:port"}}, "kernel_scala_credentials.url", "port"),
    ({"kernel_scala_credentials": {"url": "http://127.0.0.1:10", "username": "u", "password": 1234}},
     "kernel_scala_credentials.password", "must be a string"),
    ({"custom_headers": {"X-Num": 5}}, "custom_headers.X-Num", "must be a string"),
    ({"session_configs": {"conf": {"deep": json.loads("[" * 200 + "]" * 200)}}},
     "session_configs.conf.deep" + "[0]" * 31, "nested more than 32 levels"),
    ({"session_configs": {"executorCores": float("inf")}}, "session_configs.executorCores", "inf"),
    ({"session_configs": {"executorMemory": float("nan")}}, "session_configs.executorMemory", "nan"),
]


@pytest.mark.parametrize("broken, field, words", SEVEN_CONFIGS)
async def test_seven_configs_get_a_clear_error_not_a_500(jp_fetch, write_config, broken, field, words):
    good = {"kernel_python_credentials": {"url": "http://127.0.0.1:9"}}
    write_config({**good, **broken})  # json.dumps writes NaN / Infinity as Python reads them back
    data = await get(jp_fetch, "endpoints")
    errors = [e for card in data["endpoints"] for e in card["errors"]]
    assert any(e["field"] == field and words in e["message"] for e in errors), errors
    per_endpoint = next(iter(broken)).startswith("kernel_")
    healthy = [c for c in data["endpoints"] if not c["errors"]]
    assert [c["id"] for c in healthy] == (["http://127.0.0.1:9"] if per_endpoint else [])
    for card in data["endpoints"]:  # a route on a broken endpoint is a clear 404, never a 500
        if card["errors"] and card["url"]:
            assert (await fails(jp_fetch, "sessions", endpoint=card["url"]))[0] == 404


async def test_nesting_too_deep_for_python_is_a_file_error(jp_fetch, write_config):
    write_config(None, text='{"session_configs": ' + "[" * 100000 + "]" * 100000 + "}")
    config = (await get(jp_fetch, "endpoints"))["config"]
    assert config["status"] == "invalid_json" and "nested too deeply" in config["message"]


async def test_cluster_urls_come_from_the_servers_settings_never_the_request(jp_fetch, write_config, tmp_path):
    master_hits = []

    async def master(request):
        master_hits.append(request.path)
        return reply({"workers": [], "activeapps": [], "cores": 4, "coresused": 0, "memory": 4096, "memoryused": 0})

    async with serve({"/sessions": livy_pages([]), "/batches": livy_pages([]), "/json/": master}) as base:
        write_config({"kernel_python_credentials": {"url": base}})
        code, body = await fails(jp_fetch, "sessions", endpoint=base, sparkMasterUrl=f"{base}/evil")
        assert code == 400 and "no longer accepted" in body
        assert (await get(jp_fetch, "sessions", endpoint=base))["cluster"] is None and master_hits == []
        settings = tmp_path / "lab-settings" / "jupyterlab-livy-capacity" / "plugin.jupyterlab-settings"
        settings.parent.mkdir(parents=True)
        settings.write_text('{\n  // JupyterLab writes comments\n  "endpoints": {"%s": {"sparkMasterUrl": "%s"}}\n}'
                            % (base, base))
        # The old snapshot is served while a refresh reads the newly configured source behind it.
        for _ in range(100):
            snapshot = await get(jp_fetch, "sessions", endpoint=base)
            if snapshot["cluster"] is not None:
                break
            await asyncio.sleep(0.05)
    assert set(master_hits) == {"/json/"} and snapshot["cluster"]["source"] == "spark-master"


@pytest.mark.parametrize("livy_capacity_config", [
    {"request_timeout": 3.0, "snapshot_ttl": 0.0},
    {"request_timeout": 3.0, "snapshot_ttl": 0.0, "trusted_hosts": ["spark-ui.invalid"]},
])
async def test_spark_ui_urls_livy_reports_are_read_only_on_trusted_hosts(jp_fetch, write_config,
                                                                         livy_capacity_config):
    ui_hits = []

    async def executors(request):
        ui_hits.append(request.path)
        return reply([{"id": "1", "isActive": True, "totalCores": 1}])

    async with serve({"/api/v1/applications/{app}/{what}": executors}) as ui:
        port = ui.rsplit(":", 1)[1]
        holders = [
            # The Livy host under another loopback name, as YARN writes it: the same machine.
            {"id": 0, "state": "busy", "appId": "app-1", "appInfo": {"sparkUiUrl": f"http://localhost:{port}"}},
            # Another host: read only when the operator trusts it.
            {"id": 1, "state": "busy", "appId": "app-2", "appInfo": {"sparkUiUrl": f"http://spark-ui.invalid:{port}"}},
        ]
        async with serve({"/sessions": livy_pages(holders), "/batches": livy_pages([])}) as base:
            write_config({"kernel_python_credentials": {"url": base}})
            snapshot = await get(jp_fetch, "sessions", endpoint=base)
            while snapshot["partial"]:  # the cold answer lists Livy's sessions; Spark REST usage follows
                await asyncio.sleep(0.05)
                snapshot = await get(jp_fetch, "sessions", endpoint=base)
    same_machine, other = snapshot["sessions"]
    assert same_machine["usage"]["source"] == "spark-rest"
    assert {hit.split("/")[4] for hit in ui_hits} == {"app-1"}  # never a request for app-2 from here
    refused = [w for w in snapshot["warnings"] if "spark-ui.invalid" in w and "trusted_hosts" in w]
    assert other["usage"]["source"] == "unknown"
    if "trusted_hosts" in livy_capacity_config:
        assert not refused and "Spark UI" in other["usage"]["error"]  # asked (the name resolves nowhere)
    else:
        assert refused and "Spark UI" not in (other["usage"]["error"] or "")


async def test_snapshot_is_bounded_strict_and_says_when_paging_stopped(jp_fetch, write_config):
    huge_name = "n" * (1024 * 1024)
    sessions = [{"id": i, "state": "idle", "name": huge_name, "owner": float("nan")} for i in range(3)]
    hits = []
    async with serve({"/sessions": livy_pages(sessions, total=10**9, seen=hits), "/batches": livy_pages([])}) as base:
        write_config({"kernel_python_credentials": {"url": base}})
        snapshot = await get(jp_fetch, "sessions", endpoint=base)
    assert [len(s["name"]) for s in snapshot["sessions"]] == [256] * 3
    assert all(s["name"].endswith("…") and s["owner"] is None for s in snapshot["sessions"])
    assert any("empty page" in w for w in snapshot["warnings"]) and len(hits) <= 50


async def test_a_body_over_the_limit_is_a_clear_error(jp_fetch, write_config):
    async def huge(request):
        return web.Response(body=b" " * (17 * 1024 * 1024), content_type="application/json")

    async with serve({"/sessions": huge, "/batches": livy_pages([])}) as base:
        write_config({"kernel_python_credentials": {"url": base}})
        snapshot = await get(jp_fetch, "sessions", endpoint=base)
    assert snapshot["error"]["kind"] == "too_large" and "16 MiB" in snapshot["error"]["message"]


@pytest.mark.parametrize("body", ["[1, 2]", '"x"', '{"value": true, "sha256": "x"}', '{"value": 3.0, "sha256": "x"}',
                                  '{"value": 2147483648, "sha256": "x"}', '{"value": 3}'])
async def test_malformed_apply_bodies_are_400(jp_fetch, write_config, body):
    write_config({"kernel_python_credentials": {"url": "http://127.0.0.1:9"}})
    code, message = await fails(jp_fetch, "config", "max-executors", method="POST", body=body)
    assert code == 400 and "Body must be" in message


@pytest.mark.parametrize("value", ["2147483648", "9" * 300, "0", "nan"])
async def test_preview_bounds_the_cap(jp_fetch, write_config, value):
    write_config({"kernel_python_credentials": {"url": "http://127.0.0.1:9"}})
    code, message = await fails(jp_fetch, "config", "max-executors", value=value)
    assert code == 400 and "between 1 and 10000" in message


@pytest.mark.parametrize("url", [
    "http://spark-ui:4040/jobs/", "HTTPS://Node1.Example.com:8443/x?y#z", "http://user:p@ss@evil.com/x",
    "http://a@b@evil.example/", "http://[::1]:4040/", "http://127.0.0.1:8088/proxy/app/", "http://localhost/",
    "http://trusted.example\t.evil.example/", "http://trusted.example\n@evil.example/", " http://evil.example/",
    "http://host:notaport/", "http://host:99999/", "ftp://host/", "http:/x://evil.example/", "javascript:x://evil/",
    "http://evil.example?@trusted.example/", "http://evil.example#@trusted.example/", "http://", "",
])
def test_host_of_reads_an_origin_as_a_full_urlsplit_does(url):
    """Trust hangs on host_of; its per-origin cache must never see another host than urlsplit."""
    from jupyterlab_livy_capacity.urls import _host_of_origin, host_of
    assert host_of(url) == _host_of_origin(url)

"""HTTP routes under /livy-capacity/: one small authenticated handler per route."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import tornado.web
from tornado.web import HTTPError
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from traitlets import Float
from traitlets.config import Configurable

from .config import ConfigWatcher, Endpoint
from .configwriter import ConfigWriteError, apply_max_executors, plan_max_executors
from .fairshare import StarvationTracker
from .kernels import KernelOwnership
from .sessions import SessionCollector
from .upstream import Http, HttpSettings, LivyClient, UpstreamError

NAMESPACE = "livy-capacity"


class LivyCapacity(Configurable):
    """Server-side settings (``c.LivyCapacity.*`` in jupyter_server_config)."""

    connect_timeout = Float(3.0, help="Seconds to wait for a TCP connection to Livy/Spark/YARN.").tag(config=True)
    request_timeout = Float(8.0, help="Seconds to wait for a whole Livy/Spark/YARN response.").tag(config=True)
    snapshot_ttl = Float(
        5.0, help="Seconds a sessions snapshot is shared between browser tabs before it is refreshed."
    ).tag(config=True)
    kernel_timeout = Float(3.0, help="Seconds to wait for a kernel to say which Livy session it holds.").tag(config=True)


class BaseHandler(APIHandler):
    @property
    def watcher(self) -> ConfigWatcher:
        return self.settings["livy_capacity_watcher"]

    @property
    def collector(self) -> SessionCollector:
        return self.settings["livy_capacity_collector"]

    def known_endpoint(self) -> Endpoint:
        """The endpoint named by ?endpoint=, which must be in the SparkMagic config (no open proxy)."""
        config = self.watcher.current()
        url = self.get_query_argument("endpoint", "")
        endpoint = config.endpoint(url) if url else None
        if endpoint is None:
            raise HTTPError(404, f"Endpoint {url!r} is not a valid endpoint of the SparkMagic config {config.path}.")
        return endpoint

    @property
    def starvation(self) -> StarvationTracker:
        return self.settings["livy_capacity_starvation"]

    def number_argument(self, name, default, kind, minimum, maximum):
        text = self.get_query_argument(name, "")
        if not text:
            return default
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or value < minimum or (maximum is not None and value > maximum):
            bounds = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
            raise HTTPError(400, f"{name} must be a {kind.__name__} {bounds}, not {text!r}.")
        return value

    def source_url(self, name: str) -> str:
        url = self.get_query_argument(name, "").strip().rstrip("/")
        parts = urlsplit(url)
        if url and (parts.scheme not in ("http", "https") or not parts.netloc):
            raise HTTPError(400, f"{name} {url!r} must be an http:// or https:// URL; fix it in the Settings Editor.")
        return url


class EndpointsHandler(BaseHandler):
    @tornado.web.authenticated
    def get(self):
        self.finish(json.dumps(self.watcher.current().to_json()))


class SessionsHandler(BaseHandler):
    @tornado.web.authenticated
    async def get(self):
        endpoint = self.known_endpoint()
        share = self.number_argument("starvationShare", 0.8, float, 0.01, 1.0)
        cluster_executors = self.number_argument("clusterExecutors", None, int, 1, None)
        snapshot = await self.collector.snapshot(endpoint, self.source_url("sparkMasterUrl"), self.source_url("yarnUrl"))
        if cluster_executors is None:
            cluster_executors = (snapshot.get("cluster") or {}).get("maxExecutors")
        starvation = self.starvation.observe(endpoint.url, snapshot["sessions"], cluster_executors, share)
        self.finish(json.dumps({**snapshot, "clusterExecutors": cluster_executors, "starvation": starvation}))

    @tornado.web.authenticated
    async def delete(self):
        endpoint = self.known_endpoint()
        kind = self.get_query_argument("type", "session")
        collection = {"session": "sessions", "batch": "batches"}.get(kind)
        if collection is None:
            raise HTTPError(400, "Query argument `type` must be `session` or `batch`.")
        try:
            item_id = int(self.get_query_argument("id", ""))
        except ValueError:
            raise HTTPError(400, f"Query argument `id` must be a Livy {kind} id (an integer).") from None
        try:
            await LivyClient(self.collector.http, endpoint).delete(collection, item_id)
        except UpstreamError as error:
            raise HTTPError(502, f"Livy did not delete {kind} {item_id}: {error}") from None
        self.collector.invalidate(endpoint.url)
        self.finish(json.dumps({"deleted": True, "id": item_id, "type": kind}))


class MaxExecutorsHandler(BaseHandler):
    """Preview (GET ?value=N) and apply (POST {value, sha256}) a maxExecutors cap in the SparkMagic config."""

    @tornado.web.authenticated
    def get(self):
        value = self.number_argument("value", None, int, 1, None)
        if value is None:
            raise HTTPError(400, "Query argument `value` (the maxExecutors cap) is required.")
        try:
            change = plan_max_executors(self.watcher.current().path, value)
        except ConfigWriteError as error:
            raise HTTPError(error.status, str(error)) from None
        self.finish(json.dumps(change.preview()))

    @tornado.web.authenticated
    def post(self):
        body = self.get_json_body() or {}
        value, sha256 = body.get("value"), body.get("sha256")
        if not isinstance(sha256, str):
            raise HTTPError(400, "Body must be {\"value\": N, \"sha256\": <hash from the preview>}.")
        try:
            change = apply_max_executors(self.watcher.current().path, value, sha256)
        except ConfigWriteError as error:
            raise HTTPError(error.status, str(error)) from None
        self.log.info("livy-capacity: set %s to %s in %s", change.preview()["key"], value, change.path)
        self.finish(json.dumps({**change.preview(), "applied": True}))


def setup_handlers(server_app) -> None:
    web_app = server_app.web_app
    settings = LivyCapacity(parent=server_app)
    http = Http(HttpSettings(settings.connect_timeout, settings.request_timeout))
    owners = KernelOwnership(
        server_app.kernel_manager,
        server_app.session_manager,
        server_app.kernel_spec_manager,
        timeout=settings.kernel_timeout,
        log=server_app.log,
    )
    web_app.settings["livy_capacity_watcher"] = ConfigWatcher()
    web_app.settings["livy_capacity_collector"] = SessionCollector(http, owners, ttl=settings.snapshot_ttl)
    web_app.settings["livy_capacity_starvation"] = StarvationTracker()
    base = url_path_join(web_app.settings["base_url"], NAMESPACE)
    web_app.add_handlers(
        ".*$",
        [
            (url_path_join(base, "endpoints"), EndpointsHandler),
            (url_path_join(base, "sessions"), SessionsHandler),
            (url_path_join(base, "config", "max-executors"), MaxExecutorsHandler),
        ],
    )

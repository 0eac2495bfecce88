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
        snapshot = await self.collector.snapshot(endpoint, self.source_url("sparkMasterUrl"), self.source_url("yarnUrl"))
        self.finish(json.dumps(snapshot))

    @tornado.web.authenticated
    async def delete(self):
        endpoint = self.known_endpoint()
        try:
            session_id = int(self.get_query_argument("id", ""))
        except ValueError:
            raise HTTPError(400, "Query argument `id` must be a Livy session id (an integer).") from None
        try:
            await LivyClient(self.collector.http, endpoint).delete_session(session_id)
        except UpstreamError as error:
            raise HTTPError(502, f"Livy did not delete session {session_id}: {error}") from None
        self.collector.invalidate(endpoint.url)
        self.finish(json.dumps({"deleted": True, "id": session_id}))


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
    base = url_path_join(web_app.settings["base_url"], NAMESPACE)
    web_app.add_handlers(
        ".*$",
        [
            (url_path_join(base, "endpoints"), EndpointsHandler),
            (url_path_join(base, "sessions"), SessionsHandler),
        ],
    )

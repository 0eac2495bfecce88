"""HTTP routes under /livy-capacity/: one small handler per route, each authenticated and
authorized by jupyter_server for the resource ``livy-capacity`` (read for GET, write otherwise)."""

from __future__ import annotations

import math
from typing import Any

import tornado.web
from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.application import ExtensionApp
from jupyter_server.utils import url_path_join
from tornado.web import HTTPError

from . import __version__
from .configwriter import MAX_CAP, ConfigWriteError, apply_max_executors, plan_max_executors
from .discovery import EndpointDiscovery
from .fairshare import StarvationTracker
from .filewatch import FileWatcher
from .glue import GlueDiscovery, executors_from_details
from .history import History
from .kernels import KernelOwnership
from .rmdiscovery import RmDiscovery
from .sessions import SessionCollector, strict_json
from .settings import ClusterUrls, LivyCapacity, cluster_urls_of, lab_settings_path, read_lab_settings
from .sparkmagic_config import ConfigWatcher, Endpoint
from .upstream import Http, HttpSettings, LivyClient, UpstreamError
from .urls import normalize_url, without_userinfo

NAMESPACE = "livy-capacity"
AUTH_RESOURCE = "livy-capacity"
# Query arguments earlier versions took from the browser; the server now reads them from its config.
REMOVED_ARGUMENTS = ("sparkMasterUrl", "yarnUrl", "clusterExecutors", "starvationShare")


class BaseHandler(APIHandler):
    auth_resource = AUTH_RESOURCE

    @property
    def watcher(self) -> ConfigWatcher:
        return self.settings["livy_capacity_watcher"]

    @property
    def collector(self) -> SessionCollector:
        return self.settings["livy_capacity_collector"]

    @property
    def starvation(self) -> StarvationTracker:
        return self.settings["livy_capacity_starvation"]

    def finish_json(self, value: Any) -> None:
        self.finish(strict_json(value))

    def known_endpoint(self) -> Endpoint:
        """The endpoint named by ?endpoint=, which must be in the SparkMagic config (no open proxy)."""
        config = self.watcher.current()
        url = self.get_query_argument("endpoint", "")
        endpoint = config.endpoint(url) if url else None
        if endpoint is None:
            raise HTTPError(404, f"Endpoint {without_userinfo(url)!r} is not a valid endpoint of the SparkMagic "
                                 f"config {config.path}.")
        return endpoint

    def lab_settings(self, endpoint: Endpoint) -> dict[str, Any]:
        """The endpoint's details in the user's JupyterLab settings (Settings Editor → Spark Capacity)."""
        return self.settings["livy_capacity_lab_settings"].current().endpoints.get(endpoint.url or "", {})

    def cluster_urls(self, endpoint: Endpoint) -> ClusterUrls:
        """The endpoint's cluster URLs from the server config, else from the user's JupyterLab settings."""
        configured = self.settings["livy_capacity_settings"].cluster_urls
        server_side = next((v for k, v in configured.items() if normalize_url(str(k)) == endpoint.url), None)
        return cluster_urls_of(server_side if isinstance(server_side, dict) else self.lab_settings(endpoint))

    def number_argument(self, name, default, kind, minimum, maximum):
        text = self.get_query_argument(name, "")
        if not text:
            return default
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not math.isfinite(value) or value < minimum or (maximum is not None and value > maximum):
            bounds = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
            raise HTTPError(400, f"{name} must be a {kind.__name__} {bounds}, not {text[:40]!r}.")
        return value


class EndpointsHandler(BaseHandler):
    @tornado.web.authenticated
    @authorized
    def get(self):
        self.finish_json(self.watcher.current().to_json())


class SessionsHandler(BaseHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self):
        endpoint = self.known_endpoint()
        for name in REMOVED_ARGUMENTS:
            if self.get_query_argument(name, None) is not None:
                raise HTTPError(400, f"Query argument `{name}` is no longer accepted: the server reads it from "
                                     "your JupyterLab settings (Settings Editor → Spark Capacity) or from "
                                     "c.LivyCapacity.cluster_urls.")
        configured = self.cluster_urls(endpoint)
        discovery: EndpointDiscovery = self.settings["livy_capacity_discovery"]
        yarn_url, discovered = discovery.resolve(endpoint.url or "", self.lab_settings(endpoint), configured)
        snapshot = await self.collector.snapshot(endpoint, configured.spark_master, yarn_url)
        discovery.observe(endpoint.url or "", snapshot, "" if configured.yarn else yarn_url)
        # The cluster's size: the endpoint details (the user's, else Glue's), else the live cluster's.
        cluster_executors = executors_from_details(discovered["details"])
        if cluster_executors is None:
            cluster_executors = (snapshot.get("cluster") or {}).get("maxExecutors")
        share = self.settings["livy_capacity_lab_settings"].current().starvation_share
        starvation = self.starvation.observe(endpoint.url, snapshot["sessions"], cluster_executors, share)
        # Once per snapshot (deduplicated by its fetchedAt), however many tabs ask.
        self.settings["livy_capacity_history"].record(endpoint.url, snapshot, cluster_executors)
        extra = {"clusterExecutors": cluster_executors, "starvation": starvation, "discovery": discovered}
        # The snapshot's rows are encoded once per snapshot (in steps), not once per request.
        to_json = getattr(snapshot, "to_json", None)
        self.finish(await to_json(extra) if to_json else strict_json({**snapshot, **extra}))

    @tornado.web.authenticated
    @authorized
    async def delete(self):
        endpoint = self.known_endpoint()
        kind = self.get_query_argument("type", "session")
        collection = {"session": "sessions", "batch": "batches"}.get(kind)
        if collection is None:
            raise HTTPError(400, "Query argument `type` must be `session` or `batch`.")
        item_id = self.number_argument("id", None, int, 0, 2**63 - 1)
        if item_id is None:
            raise HTTPError(400, f"Query argument `id` must be a Livy {kind} id (an integer).")
        try:
            await LivyClient(self.collector.http, endpoint).delete(collection, item_id)
        except UpstreamError as error:
            raise HTTPError(502, f"Livy did not delete {kind} {item_id}: {error}") from None
        self.collector.invalidate(endpoint.url)
        self.finish_json({"deleted": True, "id": item_id, "type": kind})


class HistoryHandler(BaseHandler):
    """What each holder of an endpoint held over the history window, and its executor-hours."""

    @tornado.web.authenticated
    @authorized
    def get(self):
        endpoint = self.known_endpoint()
        history: History = self.settings["livy_capacity_history"]
        self.finish_json(history.report(endpoint.url or ""))


class MaxExecutorsHandler(BaseHandler):
    """Preview (GET ?value=N) and apply (POST {value, sha256}) a maxExecutors cap in the SparkMagic config."""

    @tornado.web.authenticated
    @authorized
    def get(self):
        value = self.number_argument("value", None, int, 1, MAX_CAP)
        if value is None:
            raise HTTPError(400, "Query argument `value` (the maxExecutors cap) is required.")
        try:
            change = plan_max_executors(self.watcher.current().path, value)
        except ConfigWriteError as error:
            raise HTTPError(error.status, str(error)) from None
        self.finish_json(change.preview())

    @tornado.web.authenticated
    @authorized
    def post(self):
        body = self.get_json_body()
        usage = f'Body must be {{"value": N, "sha256": "<hash from the preview>"}} with N from 1 to {MAX_CAP}.'
        if not isinstance(body, dict) or not isinstance(body.get("sha256"), str):
            raise HTTPError(400, usage)
        value = body.get("value")
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_CAP:
            raise HTTPError(400, usage)
        try:
            change = apply_max_executors(self.watcher.current().path, value, body["sha256"])
        except ConfigWriteError as error:
            raise HTTPError(error.status, str(error)) from None
        self.log.info("livy-capacity: set %s to %s in %s", change.preview()["key"], value, change.path)
        self.finish_json({**change.preview(), "applied": True})


def _lab_settings_dir(server_app) -> str | None:
    """JupyterLab's user settings directory when the lab app runs in this server (it may be configured)."""
    labs = server_app.extension_manager.extension_apps.get("jupyterlab") or set()
    return next((lab.user_settings_dir for lab in labs if getattr(lab, "user_settings_dir", "")), None)


class LivyCapacityApp(ExtensionApp):
    """The server extension: its routes on load, its upstream connections closed on stop."""

    name = "jupyterlab_livy_capacity"

    def initialize_handlers(self) -> None:
        server_app = self.serverapp
        web_app = server_app.web_app
        settings = LivyCapacity(parent=server_app)
        self.http = Http(HttpSettings(settings.connect_timeout, settings.request_timeout, settings.max_per_host))
        owners = KernelOwnership(
            server_app.kernel_manager,
            server_app.session_manager,
            server_app.kernel_spec_manager,
            timeout=settings.kernel_timeout,
            log=server_app.log,
        )
        web_app.settings["livy_capacity_settings"] = settings
        web_app.settings["livy_capacity_watcher"] = ConfigWatcher()
        # The lab app may load after this extension: its settings directory is looked up when read.
        web_app.settings["livy_capacity_lab_settings"] = FileWatcher(
            lambda: lab_settings_path(_lab_settings_dir(server_app)), read_lab_settings)
        web_app.settings["livy_capacity_collector"] = SessionCollector(
            self.http, owners, ttl=settings.snapshot_ttl, trusted_hosts=settings.trusted_hosts)
        web_app.settings["livy_capacity_starvation"] = StarvationTracker()
        web_app.settings["livy_capacity_history"] = History(window_minutes=settings.history_minutes)
        web_app.settings["livy_capacity_discovery"] = EndpointDiscovery(
            RmDiscovery(self.http.get_json, timeout=min(2.0, settings.request_timeout)),
            GlueDiscovery(ttl=settings.glue_ttl, region=settings.aws_region or None,
                          connect_timeout=settings.connect_timeout, read_timeout=settings.request_timeout),
            settings.glue_discovery, settings.trusted_hosts)
        self.handlers.extend([
            (url_path_join(NAMESPACE, "endpoints"), EndpointsHandler),
            (url_path_join(NAMESPACE, "sessions"), SessionsHandler),
            (url_path_join(NAMESPACE, "history"), HistoryHandler),
            (url_path_join(NAMESPACE, "config", "max-executors"), MaxExecutorsHandler),
        ])

        server_app.log.info("jupyterlab_livy_capacity %s: routes under /livy-capacity/", __version__)

    async def stop_extension(self) -> None:
        await self.http.close()

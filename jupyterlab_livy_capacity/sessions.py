"""One shared snapshot per endpoint of the live Livy sessions and what each holds now.

However many browser tabs poll, each (endpoint, sources) key is refreshed at most once per
``ttl`` seconds and concurrent requests share one in-flight refresh. Upstream calls run
concurrently with timeouts (see ``upstream.Http``). On failure the last good data is kept and
marked stale, with the reason and its time.

The sources (Spark master, YARN RM URLs) must come from the server's own configuration, never
from a request. URLs that Livy or the Spark master report (Spark UIs, workers) are fetched only
when their host is the Livy host, a source's host or one of ``trusted_hosts``. What is kept of a
session is bounded: strings clipped, only the Spark properties the caps read.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable, Iterable
from urllib.parse import quote, urlsplit

from . import usage as U
from .config import Endpoint, without_userinfo
from .upstream import Http, LivyClient, UpstreamError

# (endpoint url, livy session id) -> {"path", "kernelId", "name"}
OwnerLookup = Callable[[], Awaitable[dict[tuple[str, int], dict[str, str]]]]


MAX_TEXT = 256  # characters kept of a session's name, owner, state...
MAX_LINK = 2048  # longer URLs are dropped, not clipped: a clipped link leads nowhere
MAX_ENVIRONMENTS = 2000  # applications whose Spark properties are remembered
CAP_PROPERTIES = ("spark.dynamicAllocation.", "spark.executor.")  # all U.caps reads of /environment


def clip(value: Any, limit: int = MAX_TEXT) -> Any:
    """A string longer than ``limit`` cut with an ellipsis; other values as they are."""
    return value[: limit - 1] + "…" if isinstance(value, str) and len(value) > limit else value


def link(value: Any) -> str | None:
    """An http(s) URL fit to show and fetch (no userinfo, bounded length), or None."""
    if not isinstance(value, str) or len(value) > MAX_LINK or host_of(value) is None:
        return None
    return without_userinfo(value)


def host_of(url: str) -> str | None:
    """The lower-case host of an http(s) URL, or None when it is not one."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError when the port is no port
    except ValueError:
        return None
    return parts.hostname.lower() if parts.scheme in ("http", "https") and parts.hostname else None


class Trust:
    """The hosts one refresh may fetch from: the Livy endpoint's, its configured sources' and the
    operator's ``trusted_hosts``. What it refuses becomes a warning of the snapshot."""

    def __init__(self, urls: Iterable[str], extra_hosts: Iterable[str] = ()):
        self.hosts = {host for host in map(host_of, urls) if host} | {h.lower() for h in extra_hosts}
        self.refused: set[str] = set()

    def allows(self, url: str, what: str) -> bool:
        host = host_of(url)
        if host in self.hosts:
            return True
        self.refused.add(f"{what} on host {host} not read: it is not the Livy host or a configured cluster "
                         "URL's host (an administrator can add it to c.LivyCapacity.trusted_hosts).")
        return False


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat()


def _error(error: UpstreamError) -> dict[str, Any]:
    return {"kind": error.kind, "message": f"{error.message} ({error.url})", "at": _now_iso()}


async def _settle(awaitable: Awaitable[Any]) -> Any:
    """The result, or the UpstreamError/ValueError instead of raising it (for gather)."""
    try:
        return await awaitable
    except (UpstreamError, ValueError) as error:
        return error


@dataclass
class _Entry:
    last: dict[str, Any] | None = None
    refreshed_at: float = float("-inf")
    inflight: asyncio.Future | None = None
    first_seen: dict[str, str] = field(default_factory=dict)  # by row key, e.g. "session-3"
    # Livy gives no last-activity time and per-session GETs are off limits (heartbeats), so idle
    # time is measured from this server's own observations of the state.
    idle_since: dict[str, str] = field(default_factory=dict)
    livy_version: str | None = None


class SessionCollector:
    def __init__(self, http: Http, owners: OwnerLookup | None = None, ttl: float = 5.0,
                 trusted_hosts: Iterable[str] = ()):
        self.http = http
        self.owners = owners
        self.ttl = ttl
        self.trusted_hosts = tuple(trusted_hosts)
        self._entries: dict[tuple[str, str, str], _Entry] = {}
        # appId -> the Spark properties caps read (immutable per application), oldest first
        self._environments: dict[str, dict[str, str]] = {}
        self._environment_fetches: dict[str, asyncio.Future] = {}

    async def snapshot(self, endpoint: Endpoint, master_url: str = "", yarn_url: str = "") -> dict[str, Any]:
        """The shared snapshot; ``master_url`` and ``yarn_url`` must come from trusted configuration."""
        key = (endpoint.url or endpoint.id, master_url.rstrip("/"), yarn_url.rstrip("/"))
        entry = self._entries.setdefault(key, _Entry())
        if entry.inflight is None and time.monotonic() - entry.refreshed_at >= self.ttl:
            entry.inflight = asyncio.ensure_future(self._refresh(endpoint, key[1], key[2], entry))
        if entry.inflight is not None:
            # Shield: a browser that disconnects must not cancel the refresh other tabs wait for.
            await asyncio.shield(entry.inflight)
        assert entry.last is not None
        return entry.last

    def invalidate(self, endpoint_url: str) -> None:
        for key, entry in self._entries.items():
            if key[0] == endpoint_url:
                entry.refreshed_at = float("-inf")

    async def _refresh(self, endpoint: Endpoint, master_url: str, yarn_url: str, entry: _Entry) -> None:
        try:
            entry.last = await self._collect(endpoint, master_url, yarn_url, entry)
        except UpstreamError as error:
            previous = entry.last or {"endpoint": endpoint.url, "lastSuccessAt": None, "livyVersion": None,
                                      "cluster": None, "sessions": [], "warnings": []}
            entry.last = {**previous, "fetchedAt": _now_iso(), "stale": previous["lastSuccessAt"] is not None,
                          "error": _error(error)}
        finally:
            entry.refreshed_at = time.monotonic()
            entry.inflight = None

    async def _collect(self, endpoint: Endpoint, master_url: str, yarn_url: str, entry: _Entry) -> dict[str, Any]:
        client = LivyClient(self.http, endpoint)
        trust = Trust([endpoint.url or "", master_url, yarn_url], self.trusted_hosts)
        (sessions_raw, session_warnings), (batches_raw, batch_warnings), version = await asyncio.gather(
            client.list_all("sessions"), client.list_all("batches"), self._version(client, entry))
        # Batches hold executors too, so they count; only interactive sessions can be a notebook's.
        live = [{**s, "type": "session"} for s in sessions_raw if U.is_live(s)] + [
            {**b, "type": "batch"} for b in batches_raw if U.is_live(b)]
        # The executor size SparkMagic asks for sizes the standalone cluster's executor slots.
        shape = U.caps({"id": 0, **endpoint.session_properties})
        executor_cores, executor_memory = shape["executorCores"], U.memory_mib(shape["executorMemory"])

        interactive = any(s["type"] == "session" for s in live)
        master_result, yarn_result, owners = await asyncio.gather(
            self._standalone(master_url, trust) if master_url else _none(),
            self._yarn(yarn_url, executor_cores, executor_memory) if yarn_url else _none(),
            self._owners() if interactive else _none(),  # only interactive sessions are a kernel's
        )
        yarn_cluster, yarn_apps = yarn_result or (None, None)
        per_session = await asyncio.gather(*(self._session_usage(s, yarn_apps, trust) for s in live))
        master, worker_executors = (None, None)
        if isinstance(master_result, UpstreamError):
            cluster = {"source": "spark-master", "url": master_url, "error": master_result.message}
        elif master_result is not None:
            master, worker_executors = master_result
            cluster = U.cluster_from_master(master, master_url, executor_cores or 1, executor_memory)
        else:
            cluster = None
        if yarn_url:
            cluster = yarn_cluster

        rows = []
        for session, (usage, caps, app_id) in zip(live, per_session):
            session = {**session, "appId": session.get("appId") or app_id}
            row = self._row(entry, session, usage, caps, (owners or {}).get((endpoint.url or "", session["id"])))
            if master is not None:
                _count_on_master(row, session, master, worker_executors, master_url)
            rows.append(row)
        seen = {row["key"] for row in rows}
        entry.first_seen = {k: v for k, v in entry.first_seen.items() if k in seen}
        entry.idle_since = {k: v for k, v in entry.idle_since.items() if k in seen}
        now = _now_iso()
        return {"endpoint": endpoint.url, "fetchedAt": now, "lastSuccessAt": now, "stale": False, "error": None,
                "livyVersion": version, "cluster": cluster, "sessions": rows,
                "warnings": session_warnings + batch_warnings + sorted(trust.refused)}

    @staticmethod
    def _row(entry: _Entry, session: dict[str, Any], usage: dict[str, Any], caps: dict[str, Any],
             notebook: dict[str, str] | None) -> dict[str, Any]:
        key = f"{session['type']}-{session['id']}"
        entry.first_seen.setdefault(key, _now_iso())
        if session.get("state") == "idle":
            entry.idle_since.setdefault(key, _now_iso())
        else:
            entry.idle_since.pop(key, None)
        app_info = session.get("appInfo") if isinstance(session.get("appInfo"), dict) else {}
        return {
            "key": key,
            "type": session["type"],
            "id": session["id"],
            "name": clip(session.get("name")),
            "appId": clip(session.get("appId")),
            "state": clip(session.get("state")),
            "kind": clip(session.get("kind")),
            "owner": clip(session.get("owner")),
            "proxyUser": clip(session.get("proxyUser")),
            "startedAt": entry.first_seen[key],
            "startedAtSource": "first-seen",
            "idleSince": entry.idle_since.get(key),
            "usage": usage,
            "caps": {**caps, "executorMemory": clip(caps["executorMemory"])},
            "sparkUiUrl": link(app_info.get("sparkUiUrl")),
            "driverLogUrl": link(app_info.get("driverLogUrl")),
            "notebook": notebook if session["type"] == "session" else None,
        }

    async def _version(self, client: LivyClient, entry: _Entry) -> str | None:
        if entry.livy_version is None:
            try:
                entry.livy_version = await client.version()
            except UpstreamError:
                return None  # /version is informative only; the session list decides health
        return entry.livy_version

    async def _owners(self) -> dict[tuple[str, int], dict[str, str]]:
        return await self.owners() if self.owners else {}

    async def _session_usage(self, session: dict[str, Any], yarn_apps: list[dict[str, Any]] | Exception | None,
                             trust: Trust) -> tuple[dict[str, Any], dict[str, Any], str | None]:
        """Usage, caps and appId of one session. The RM's one apps listing answers for every
        session at once; Spark's REST API (one call per session) only where the RM cannot."""
        app_id = clip(session.get("appId")) if isinstance(session.get("appId"), str) else None
        app_info = session.get("appInfo") if isinstance(session.get("appInfo"), dict) else {}
        ui = (link(app_info.get("sparkUiUrl")) or "").rstrip("/")
        if ui and not trust.allows(ui, "Spark UI"):
            ui = ""
        problems = []
        if isinstance(yarn_apps, list):
            app = U.yarn_app_for(session, yarn_apps)
            if app is not None:
                usage = U.usage_from_yarn_app(app)
                properties = self._environment(ui, app["id"]) if ui and app.get("state") == "RUNNING" else {}
                return usage, U.caps(session, properties), app["id"]
            problems.append("YARN: the ResourceManager lists no running application of this session")
        elif isinstance(yarn_apps, Exception):
            problems.append(f"YARN: {yarn_apps}")
        if app_id and ui:
            caps = U.caps(session, self._environment(ui, app_id))
            executors = await _settle(
                self.http.get_json(f"{ui}/api/v1/applications/{quote(app_id, safe='')}/executors"))
            try:
                if isinstance(executors, Exception):
                    raise executors
                return U.usage_from_spark_executors(executors, caps["executorMemory"]), caps, app_id
            except (UpstreamError, ValueError) as error:
                problems.append(f"Spark UI: {error}")
        else:
            caps = U.caps(session)
        return U.unknown_usage("; ".join(problems) or None), caps, app_id

    def _environment(self, ui: str, app_id: str) -> dict[str, str]:
        """An application's effective Spark properties, once known; otherwise {} and a fetch in
        the background. Through YARN's proxy the first answer takes 8-10 s after the application
        starts running, too long to hold a refresh for (caps then come from Livy's echo)."""
        if app_id not in self._environments and app_id not in self._environment_fetches:
            self._environment_fetches[app_id] = asyncio.ensure_future(self._fetch_environment(ui, app_id))
        return self._environments.get(app_id, {})

    async def _fetch_environment(self, ui: str, app_id: str) -> None:
        try:
            data = await _settle(
                self.http.get_json(f"{ui}/api/v1/applications/{quote(app_id, safe='')}/environment"))
            if isinstance(data, dict):
                props = data.get("sparkProperties")
                self._environments[app_id] = {
                    p[0]: clip(p[1]) for p in (props if isinstance(props, list) else [])
                    if isinstance(p, list) and len(p) == 2 and isinstance(p[0], str) and p[0].startswith(CAP_PROPERTIES)}
                while len(self._environments) > MAX_ENVIRONMENTS:
                    del self._environments[next(iter(self._environments))]
        finally:
            self._environment_fetches.pop(app_id, None)  # not found yet: tried again next refresh

    async def _standalone(self, master_url: str, trust: Trust):
        """(master JSON, every alive worker's executors or None) or the UpstreamError. Executors
        are counted only when every worker's UI may be read."""
        try:
            master = await self.http.get_json(f"{master_url}/json/")
        except UpstreamError as error:
            return error
        if not isinstance(master, dict):
            return UpstreamError("malformed", f"{master_url}/json/", "expected the master's JSON object")
        workers = [w for w in master.get("workers") or [] if isinstance(w, dict) and w.get("state") == "ALIVE"]
        addresses = [(link(w.get("webuiaddress")) or "").rstrip("/") for w in workers]
        if not all(address and trust.allows(address, "Spark worker UI") for address in addresses):
            return master, None
        pages = await asyncio.gather(*(_settle(self.http.get_json(f"{address}/json/")) for address in addresses))
        if any(isinstance(p, Exception) or not isinstance(p, dict) for p in pages):
            return master, None
        return master, [e for p in pages for e in p.get("executors") or [] if isinstance(e, dict)]

    async def _yarn(self, yarn_url: str, executor_cores: int | None, executor_memory: int | None
                    ) -> tuple[dict[str, Any], list[dict[str, Any]] | Exception]:
        """Cluster capacity and every active application, two RM calls per refresh whatever the
        number of sessions."""
        states = ",".join(U.YARN_ACTIVE_STATES)
        metrics, apps = await asyncio.gather(
            _settle(self.http.get_json(f"{yarn_url}/ws/v1/cluster/metrics")),
            _settle(self.http.get_json(f"{yarn_url}/ws/v1/cluster/apps?states={states}")))
        try:
            if isinstance(metrics, Exception):
                raise metrics
            cluster = U.cluster_from_yarn_metrics(metrics, yarn_url, executor_cores or 1, executor_memory)
        except (UpstreamError, ValueError) as error:
            cluster = {"source": "yarn", "url": yarn_url, "error": str(error)}
        if not isinstance(apps, Exception):
            try:
                apps = U.yarn_apps(apps)
            except ValueError as error:
                apps = error
        return cluster, apps

async def _none() -> None:
    return None


def _count_on_master(row: dict[str, Any], session: dict[str, Any], master: dict[str, Any],
                     worker_executors: list[dict[str, Any]] | None, master_url: str) -> None:
    """Completes a row from the standalone master, where Livy reports no appId: the application
    named after the session gives the start time, a UI link and, when no better source answered,
    the executors counted on the workers."""
    usage = row["usage"]
    app = U.standalone_app(master, session)
    if app is None:
        if usage["source"] == "unknown":
            missing = f"no application named {U.app_name(session)} on the Spark master yet"
            row["usage"] = {**usage, "error": "; ".join(p for p in (usage["error"], missing) if p)}
        return
    if usage["source"] == "unknown":
        counted = U.usage_from_standalone(app, worker_executors)
        row["usage"] = {**counted, "error": "; ".join(p for p in (usage["error"], counted["error"]) if p) or None}
    row["appId"] = row["appId"] or app.get("id")
    row["startedAt"] = U.iso_from_millis(app.get("starttime")) or row["startedAt"]
    row["startedAtSource"] = "spark-master"
    row["sparkUiUrl"] = row["sparkUiUrl"] or link(f"{master_url}/app/?appId={quote(str(app.get('id')), safe='')}")

"""One shared snapshot per endpoint of the live Livy sessions and what each holds now.

However many browser tabs poll, each (endpoint, sources) key has one refresh at a time, started
by a request more than ``ttl`` seconds after the last one ended; requests are served the last
snapshot meanwhile (stale-while-revalidate, see ``SessionCollector.snapshot``). Upstream calls run
concurrently with timeouts (see ``upstream.Http``). On failure the last good data is kept and
marked stale, with the reason and its time.

The sources (Spark master, YARN RM URLs) must come from the server's own configuration, never
from a request. URLs that Livy or the Spark master report (Spark UIs, workers) are fetched only
when their host is the Livy host, a source's host or one of ``trusted_hosts``. What is kept of a
session is bounded: strings clipped, only the Spark properties the caps read.
"""

from __future__ import annotations

import asyncio
import functools
import json
import math
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable, Iterable, NamedTuple
from urllib.parse import quote

from . import capacity as C
from . import usage as U
from .sparkmagic_config import Endpoint
from .upstream import Http, LivyClient, UpstreamError, gather_all
from .urls import host_of, without_userinfo

# (endpoint url, livy session id) -> {"path", "kernelId", "name"}
OwnerLookup = Callable[[], Awaitable[dict[tuple[str, int], dict[str, str]]]]


MAX_TEXT = 256  # characters kept of a session's name, owner, state...
MAX_LINK = 2048  # longer URLs are dropped, not clipped: a clipped link leads nowhere
MAX_ENVIRONMENTS = 2000  # applications whose Spark properties are remembered
CAP_PROPERTIES = ("spark.dynamicAllocation.", "spark.executor.")  # all C.caps reads of /environment


def clip(value: Any, limit: int = MAX_TEXT) -> Any:
    """A string longer than ``limit`` cut with an ellipsis; other values as they are."""
    return value[: limit - 1] + "…" if isinstance(value, str) and len(value) > limit else value


def link(value: Any) -> str | None:
    """An http(s) URL fit to show and fetch (no userinfo, bounded length), or None."""
    if not isinstance(value, str) or len(value) > MAX_LINK:
        return None
    return _link(value)


# Every refresh sees the same Spark UI and log URLs again: parsing them once saves a fifth of its CPU.
@functools.lru_cache(maxsize=4 * 1024)
def _link(url: str) -> str | None:
    return without_userinfo(url) if host_of(url) is not None else None


def _spark_ui(session: dict[str, Any]) -> tuple[str | None, str, str | None]:
    """The Spark UI URL Livy reports for a session: as :func:`link` gives it, without its trailing
    slashes (the base of API calls, "" if none) and the host of that base."""
    app_info = session.get("appInfo")
    url = app_info.get("sparkUiUrl") if isinstance(app_info, dict) else None
    if not isinstance(url, str) or len(url) > MAX_LINK:
        return None, "", None
    return _spark_ui_of(url)


# Per session and refresh, the same UI URL as last time: its link, base and host are read once.
@functools.lru_cache(maxsize=4 * 1024)
def _spark_ui_of(url: str) -> tuple[str | None, str, str | None]:
    shown = _link(url)
    base = shown.rstrip("/") if shown else ""
    return shown, base, host_of(base) if base else None


class Trust:
    """The hosts one refresh may fetch from: the Livy endpoint's, its configured sources' and the
    operator's ``trusted_hosts``. What it refuses becomes a warning of the snapshot."""

    def __init__(self, urls: Iterable[str], extra_hosts: Iterable[str] = ()):
        self.hosts = {host for host in map(host_of, [*urls, *(f"http://{h}" for h in extra_hosts)]) if host}
        self.refused: set[str] = set()

    def allows(self, url: str, what: str) -> bool:
        return self.allows_host(host_of(url), what)

    def allows_host(self, host: str | None, what: str) -> bool:
        """:meth:`allows` for a URL whose host is known: ``host_of(url)``."""
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


PENDING_USAGE = {"source": "pending", "executors": None, "cores": None, "memoryMiB": None, "error": None}


ROWS_PER_STEP = 100  # rows built or encoded between two yields to the event loop


def _finite(item: Any) -> Any:
    if isinstance(item, float) and not math.isfinite(item):
        return None
    if isinstance(item, dict):
        return {k: _finite(v) for k, v in item.items()}
    if isinstance(item, (list, tuple)):
        return [_finite(v) for v in item]
    return item


def strict_json(value: Any) -> str:
    """JSON every browser's JSON.parse accepts: NaN and ±Infinity become null (rare: upstream JSON
    is decoded to finite numbers already, so the walk runs only when encoding fails)."""
    try:
        return json.dumps(value, allow_nan=False)
    except ValueError:
        return json.dumps(_finite(value), allow_nan=False)


class _Published(dict):
    """A snapshot as published. Its JSON is encoded once, by the first request that asks, however
    many requests serve it, ``ROWS_PER_STEP`` rows at a time between yields to the event loop."""

    __slots__ = ("_encoding",)

    def __init__(self, snapshot: dict[str, Any]):
        super().__init__(snapshot)
        self._encoding: asyncio.Future | None = None

    async def encoded(self) -> str:
        if self._encoding is None:
            self._encoding = asyncio.ensure_future(self._encode())
        return await asyncio.shield(self._encoding)  # one request going away must not cancel it for others

    async def _encode(self) -> str:
        rows = self.get("sessions")
        if not isinstance(rows, list) or len(rows) <= ROWS_PER_STEP:
            return strict_json(dict(self))
        # json.dumps writes a list as "[a, b]" and an object as "{"k": v, "l": w}": the rows are
        # encoded in steps and everything joined the same way.
        parts = []
        for start in range(0, len(rows), ROWS_PER_STEP):
            parts.append(strict_json(rows[start:start + ROWS_PER_STEP])[1:-1])
            await asyncio.sleep(0)
        rows_json = f"[{', '.join(parts)}]"
        return "{" + ", ".join(f"{json.dumps(k)}: {rows_json if k == 'sessions' else strict_json(v)}"
                               for k, v in self.items()) + "}"


class Served(dict):
    """The answer :meth:`SessionCollector.snapshot` gives: the published snapshot and its age."""

    __slots__ = ("published",)

    async def to_json(self, extra: dict[str, Any]) -> str:
        """This answer and the ``extra`` fields after it as strict JSON, exactly as ``json.dumps``
        of ``{**self, **extra}`` writes it, without encoding the snapshot's rows again."""
        published = self.published
        if any(k in published for k in extra) or any(k not in self or self[k] is not v for k, v in published.items()):
            return strict_json({**self, **extra})  # fields replaced: not the published snapshot any more
        added = strict_json({**{k: v for k, v in self.items() if k not in published}, **extra})
        body = await published.encoded()
        if added == "{}":
            return body
        return added if body == "{}" else f"{body[:-1]}, {added[1:]}"


class _Known(NamedTuple):
    """What one refresh knows of a session besides Livy's listing, each computed once."""

    usage: dict[str, Any]  # "pending" until its Spark REST call answers
    caps: dict[str, Any]
    app_id: str | None  # the appId Livy reports (clipped), else its YARN application's
    spark_ui: str | None  # link() of the Spark UI URL Livy reports


class _SparkRestCall(NamedTuple):
    row: int  # index of the session in the refresh's live list
    url: str  # its application's /executors
    problems: list[str]  # why the cluster sources did not answer for it


class _Refresh:
    """One refresh in flight: when it started, and whether it has published a snapshot yet."""

    def __init__(self, started: float):
        self.started = started
        self.published: asyncio.Future = asyncio.get_running_loop().create_future()
        self.task: asyncio.Future | None = None


@dataclass
class _Entry:
    last: _Published | None = None  # the latest snapshot published, without its age
    fetched_at: float = float("-inf")  # monotonic time of `last`
    refreshed_at: float = float("-inf")  # when the latest refresh ended: the TTL counts from there
    refresh: _Refresh | None = None
    invalidated_at: float | None = None  # set by a kill until a refresh that started later has ended
    first_seen: dict[str, str] = field(default_factory=dict)  # by row key, e.g. "session-3"
    # Livy gives no last-activity time and per-session GETs are off limits (heartbeats), so idle
    # time is measured from this server's own observations of the state.
    idle_since: dict[str, str] = field(default_factory=dict)
    livy_version: str | None = None
    sources: tuple[str, str] = ("", "")  # (master URL, YARN URL) of the latest refresh
    listed: tuple[int, int] = (0, 0)  # sessions and batches the latest refresh listed: pages to ask at once


class SessionCollector:
    def __init__(self, http: Http, owners: OwnerLookup | None = None, ttl: float = 5.0,
                 trusted_hosts: Iterable[str] = ()):
        self.http = http
        self.owners = owners
        self.ttl = ttl
        self.trusted_hosts = tuple(trusted_hosts)
        self._entries: dict[str, _Entry] = {}
        # appId -> the Spark properties caps read (immutable per application), oldest first
        self._environments: dict[str, dict[str, str]] = {}
        self._environment_fetches: dict[str, asyncio.Future] = {}

    async def snapshot(self, endpoint: Endpoint, master_url: str = "", yarn_url: str = "") -> dict[str, Any]:
        """The shared snapshot, served at once whatever its age (``ageSeconds``); one older than
        ``ttl`` starts a refresh behind it (``refreshing``). Requests wait only while there is no
        snapshot yet, for Livy's listing and the cluster sources (``partial``: Spark REST usage and
        notebooks follow), and after :meth:`invalidate`, for a whole refresh that started after it.
        ``master_url`` and ``yarn_url`` must come from trusted configuration."""
        # One entry per endpoint: when its sources change (settings edited, a ResourceManager
        # discovered) the next refresh reads the new ones, and the last good data stays meanwhile.
        entry = self._entries.setdefault(endpoint.url or endpoint.id, _Entry())
        sources = (master_url.rstrip("/"), yarn_url.rstrip("/"))
        if entry.refresh is None and (entry.last is None or sources != entry.sources
                                      or time.monotonic() - entry.refreshed_at >= self.ttl):
            self._start_refresh(endpoint, sources, entry)
        # Shields: a browser that disconnects must not cancel the refresh others wait for.
        while entry.invalidated_at is not None:  # a refresh that began before the kill may list it
            await asyncio.shield((entry.refresh or self._start_refresh(endpoint, sources, entry)).task)
        if entry.last is None:
            refresh = entry.refresh
            await asyncio.shield(refresh.published)
            if entry.last is None:  # it ended without publishing, on an error of ours: raised here too
                await refresh.task
        served = Served(entry.last, ageSeconds=round(max(time.monotonic() - entry.fetched_at, 0.0), 3),
                        refreshing=entry.refresh is not None)
        served.published = entry.last
        return served

    def invalidate(self, endpoint_url: str) -> None:
        """After a kill: the next snapshot of this endpoint waits for a refresh that starts now."""
        entry = self._entries.get(endpoint_url)
        if entry is not None:
            entry.invalidated_at = time.monotonic()

    def _start_refresh(self, endpoint: Endpoint, sources: tuple[str, str], entry: _Entry) -> _Refresh:
        refresh = entry.refresh = _Refresh(time.monotonic())
        entry.sources = sources
        refresh.task = asyncio.ensure_future(self._refresh(endpoint, *sources, entry, refresh))
        return refresh

    async def _refresh(self, endpoint: Endpoint, master_url: str, yarn_url: str, entry: _Entry,
                       refresh: _Refresh) -> None:
        def publish(snapshot: dict[str, Any]) -> None:
            entry.last, entry.fetched_at = _Published(snapshot), time.monotonic()
            if not refresh.published.done():
                refresh.published.set_result(None)

        try:
            # Only a cold entry is shown before its Spark REST calls and kernels answer: a warm one
            # keeps serving its complete snapshot meanwhile.
            result, environments_wanted = await self._collect(endpoint, master_url, yarn_url, entry,
                                                              publish if entry.last is None else None)
            publish(result)
            # After the usage calls, not ahead of them, and after those waiting have been handed the result.
            self._fetch_environments(environments_wanted)
        except UpstreamError as error:
            previous = entry.last or {"endpoint": endpoint.url, "lastSuccessAt": None, "livyVersion": None,
                                      "cluster": None, "sessions": [], "warnings": [], "partial": False}
            publish({**previous, "fetchedAt": _now_iso(), "stale": previous["lastSuccessAt"] is not None,
                     "error": _error(error)})
        finally:
            entry.refreshed_at = time.monotonic()
            entry.refresh = None
            if entry.invalidated_at is not None and refresh.started >= entry.invalidated_at:
                entry.invalidated_at = None
            if not refresh.published.done():
                refresh.published.set_result(None)

    async def _collect(self, endpoint: Endpoint, master_url: str, yarn_url: str, entry: _Entry,
                       publish_partial: Callable[[dict[str, Any]], None] | None
                       ) -> tuple[dict[str, Any], dict[str, str]]:
        """The complete snapshot and the Spark environments (appId -> Spark UI) to fetch next. A
        cold entry (``publish_partial``) is shown Livy's list as soon as it is in, then what the
        cluster sources say while Spark REST calls and kernels are still to answer."""
        client = LivyClient(self.http, endpoint)
        trust = Trust([endpoint.url or "", master_url, yarn_url], self.trusted_hosts)
        # The executor size SparkMagic asks for sizes the cluster's executor slots.
        shape = C.caps({"id": 0, **endpoint.session_properties})
        executor_cores, executor_memory = shape["executorCores"], C.memory_mib(shape["executorMemory"])
        # The cluster sources need nothing from Livy, so they are read alongside its listing: a
        # refresh takes Livy's round trip (two when its count grew: page 1, then the rest) plus Spark
        # REST calls if any.
        sources = asyncio.gather(
            self._standalone(master_url, trust) if master_url else _none(),
            self._yarn(yarn_url, executor_cores, executor_memory) if yarn_url else _none())
        try:
            (sessions_raw, session_warnings), (batches_raw, batch_warnings), version = await gather_all(
                client.list_all("sessions", entry.listed[0]), client.list_all("batches", entry.listed[1]),
                self._version(client, entry))
            entry.listed = (len(sessions_raw), len(batches_raw))
        except BaseException:
            sources.cancel()
            raise
        # Batches hold executors too, so they count; only interactive sessions can be a notebook's.
        live = [{**s, "type": "session"} for s in sessions_raw if U.is_live(s)] + [
            {**b, "type": "batch"} for b in batches_raw if U.is_live(b)]
        interactive = any(s["type"] == "session" for s in live)
        if interactive and self.owners:  # only they are a kernel's
            owners = asyncio.ensure_future(self._owners())
        else:  # known at once: no partial snapshot waits for it
            owners = asyncio.get_running_loop().create_future()
            owners.set_result(None)
        echo_caps = None  # each session's caps from Livy's echo, when needed before the sources answer
        if publish_partial is not None and not sources.done():  # Livy's list first, usage as it comes
            now = _now_iso()
            echo_caps = [C.caps(s) for s in live]
            publish_partial(_snapshot(
                endpoint, version, None,
                [self._row(entry, s, s.get("appId"), _Known(dict(PENDING_USAGE), caps, None, _spark_ui(s)[0]), None, now)
                 for s, caps in zip(live, echo_caps)],
                session_warnings + batch_warnings, now, partial=True))
        try:
            master_result, yarn_result = await sources
        except BaseException:
            owners.cancel()
            raise
        yarn_cluster, yarn_apps = yarn_result or (None, None)
        environments_wanted: dict[str, str] = {}  # appId -> Spark UI
        per_session, spark_rest_calls = self._usages_known(live, yarn_apps, trust, environments_wanted, echo_caps)
        master, worker_executors = (None, None)
        if isinstance(master_result, UpstreamError):
            cluster = {"source": "spark-master", "url": master_url, "error": master_result.message}
        elif master_result is not None:
            master, worker_executors = master_result
            cluster = C.cluster_from_master(master, master_url, executor_cores or 1, executor_memory)
        else:
            cluster = None
        if yarn_url:
            cluster = yarn_cluster

        async def snapshot(notebooks: dict[tuple[str, int], dict[str, str]], partial: bool) -> dict[str, Any]:
            now = _now_iso()
            rows = []
            for i, (session, known) in enumerate(zip(live, per_session)):
                if i and not i % ROWS_PER_STEP:
                    await asyncio.sleep(0)  # the event loop serves others between steps
                master_app = None
                if master is not None:
                    known, master_app = _on_master(session, known, master, worker_executors)
                rows.append(self._row(entry, session, session.get("appId") or known.app_id, known,
                                      notebooks.get((endpoint_url, session["id"])), now, master_app, master_url))
            return _snapshot(endpoint, version, cluster, rows, session_warnings + batch_warnings + sorted(trust.refused),
                             now, partial)

        endpoint_url = endpoint.url or ""
        if publish_partial is not None and (spark_rest_calls or not owners.done()):
            publish_partial(await snapshot(owners.result() or {} if owners.done() else {}, partial=True))
        await self._spark_rest_usages(per_session, spark_rest_calls)
        result = await snapshot(await owners or {}, partial=False)
        seen = {row["key"] for row in result["sessions"]}
        entry.first_seen = {k: v for k, v in entry.first_seen.items() if k in seen}
        entry.idle_since = {k: v for k, v in entry.idle_since.items() if k in seen}
        return result, environments_wanted

    @staticmethod
    def _row(entry: _Entry, session: dict[str, Any], app_id: Any, known: _Known, notebook: dict[str, str] | None,
             now: str, master_app: dict[str, Any] | None = None, master_url: str = "") -> dict[str, Any]:
        """A session's row, built once from all that is known of it: Livy's listing, ``known``
        and, on a standalone cluster, its application on the master (``master_app``), which gives
        the start time, an appId and a UI link where Livy reports none."""
        row_type = session["type"]
        key = f"{row_type}-{session['id']}"
        started = entry.first_seen.setdefault(key, now)
        started_source = "first-seen"
        state = session.get("state")
        if state == "idle":
            idle_since = entry.idle_since.setdefault(key, now)
        else:
            entry.idle_since.pop(key, None)
            idle_since = None
        app_id, spark_ui = clip(app_id), known.spark_ui
        if master_app is not None:
            app_id = app_id or master_app.get("id")
            started = U.iso_from_millis(master_app.get("starttime")) or started
            started_source = "spark-master"
            spark_ui = spark_ui or link(f"{master_url}/app/?appId={quote(str(master_app.get('id')), safe='')}")
        caps = known.caps
        memory = caps["executorMemory"]
        if isinstance(memory, str) and len(memory) > MAX_TEXT:
            caps = {**caps, "executorMemory": clip(memory)}
        app_info = session.get("appInfo")
        log = app_info.get("driverLogUrl") if isinstance(app_info, dict) else None
        return {
            "key": key,
            "type": row_type,
            "id": session["id"],
            "name": clip(session.get("name")),
            "appId": app_id,
            "state": clip(state),
            "kind": clip(session.get("kind")),
            "owner": clip(session.get("owner")),
            "proxyUser": clip(session.get("proxyUser")),
            "startedAt": started,
            "startedAtSource": started_source,
            "idleSince": idle_since,
            "usage": known.usage,
            "caps": caps,
            "sparkUiUrl": spark_ui,
            "driverLogUrl": link(log) if log is not None else None,
            "notebook": notebook if row_type == "session" else None,
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

    def _usages_known(self, live: list[dict[str, Any]], yarn_apps: list[dict[str, Any]] | Exception | None,
                      trust: Trust, environments_wanted: dict[str, str],
                      echo_caps: list[dict[str, Any]] | None = None) -> tuple[list[_Known], list[_SparkRestCall]]:
        """Usage, caps, appId and Spark UI of every session, as far as the cluster sources tell, and
        the Spark REST calls for the others (their usage "pending" until :meth:`_spark_rest_usages`).
        The RM's one apps listing answers for every session at once; Spark's REST API (one call
        per session) only where the RM cannot. ``echo_caps``: the caps of Livy's echo, if already
        computed for a partial snapshot."""
        apps = U.YarnApps(yarn_apps) if isinstance(yarn_apps, list) else None
        yarn_problem = f"YARN: {yarn_apps}" if isinstance(yarn_apps, Exception) else None
        results: list[_Known] = []
        calls = []
        for i, session in enumerate(live):
            app_id = session.get("appId")
            app_id = clip(app_id) if isinstance(app_id, str) else None
            spark_ui, ui, ui_host = _spark_ui(session)
            if ui and not trust.allows_host(ui_host, "Spark UI"):
                ui = ""
            problems = [yarn_problem] if yarn_problem else []
            if apps is not None:
                app = apps.for_session(session)
                if app is not None:
                    properties = (self._environment(ui, app["id"], environments_wanted)
                                  if ui and app.get("state") == "RUNNING" else None)
                    caps = echo_caps[i] if echo_caps and not properties else C.caps(session, properties)
                    results.append(_Known(U.usage_from_yarn_app(app), caps, app["id"], spark_ui))
                    continue
                problems.append("YARN: the ResourceManager lists no running application of this session")
            if app_id and ui:
                properties = self._environment(ui, app_id, environments_wanted)
                caps = echo_caps[i] if echo_caps and not properties else C.caps(session, properties)
                calls.append(_SparkRestCall(len(results), f"{ui}/api/v1/applications/{quote(app_id, safe='')}/executors",
                                            problems))
                results.append(_Known(dict(PENDING_USAGE), caps, app_id, spark_ui))
            else:
                caps = echo_caps[i] if echo_caps else C.caps(session)
                results.append(_Known(U.unknown_usage("; ".join(problems) or None), caps, app_id, spark_ui))
        return results, calls

    async def _spark_rest_usages(self, results: list[_Known], calls: list[_SparkRestCall]) -> None:
        """Replaces the pending usages of ``results`` with what Spark's REST API says: as many calls
        on the wire at once as one origin allows (``max_per_host``), by that many workers taking
        the next call as one ends, not a task and a queued turn per call."""
        pending = iter(calls)

        async def worker() -> None:
            for call in pending:
                executors = await _settle(self.http.get_json(call.url))
                known = results[call.row]
                try:
                    if isinstance(executors, Exception):
                        raise executors
                    usage = U.usage_from_spark_executors(executors, known.caps["executorMemory"])
                except (UpstreamError, ValueError) as error:
                    usage = U.unknown_usage("; ".join([*call.problems, f"Spark UI: {error}"]))
                results[call.row] = known._replace(usage=usage)

        await asyncio.gather(*(worker() for _ in range(min(len(calls), self.http.settings.max_per_host))))

    def _environment(self, ui: str, app_id: str, wanted: dict[str, str]) -> dict[str, str]:
        """An application's effective Spark properties, once known; otherwise {} and ``wanted``
        gets it, to be fetched in the background. Through YARN's proxy the first answer takes
        8-10 s after the application starts running, too long to hold a refresh for (caps then
        come from Livy's echo)."""
        if app_id not in self._environments and app_id not in self._environment_fetches:
            wanted[app_id] = ui
        return self._environments.get(app_id, {})

    def _fetch_environments(self, wanted: dict[str, str]) -> None:
        """Fetches the environments in the background, ``max_per_host`` at a time by as many workers
        (not a task each); an application's is asked again by a later refresh only once this ends."""
        if not wanted:
            return
        pending = iter(list(wanted.items()))

        async def worker() -> None:
            for app_id, ui in pending:
                try:
                    await self._fetch_environment(ui, app_id)
                except Exception:  # noqa: BLE001 - one application's answer must not stop the others'
                    pass

        task = asyncio.ensure_future(asyncio.gather(
            *(worker() for _ in range(min(len(wanted), self.http.settings.max_per_host)))))
        for app_id in wanted:
            self._environment_fetches[app_id] = task

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
            cluster = C.cluster_from_yarn_metrics(metrics, yarn_url, executor_cores or 1, executor_memory)
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


def _snapshot(endpoint: Endpoint, version: str | None, cluster: dict[str, Any] | None, rows: list[dict[str, Any]],
              warnings: list[str], now: str, partial: bool) -> dict[str, Any]:
    return {"endpoint": endpoint.url, "fetchedAt": now, "lastSuccessAt": now, "stale": False, "error": None,
            "livyVersion": version, "cluster": cluster, "sessions": rows, "warnings": warnings,
            "partial": partial}


def _on_master(session: dict[str, Any], known: _Known, master: dict[str, Any],
               worker_executors: list[dict[str, Any]] | None) -> tuple[_Known, dict[str, Any] | None]:
    """A session on the standalone master, where Livy reports no appId: its application (named
    after the session) and, when no better source answered, the executors counted on the workers."""
    usage = known.usage
    app = U.standalone_app(master, session)
    if usage["source"] != "unknown":
        return known, app
    if app is None:
        missing = f"no application named {U.app_name(session)} on the Spark master yet"
        return known._replace(usage={**usage, "error": "; ".join(p for p in (usage["error"], missing) if p)}), None
    counted = U.usage_from_standalone(app, worker_executors)
    error = "; ".join(p for p in (usage["error"], counted["error"]) if p) or None
    return known._replace(usage={**counted, "error": error}), app

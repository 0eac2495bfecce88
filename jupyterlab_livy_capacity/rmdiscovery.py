"""Finding the YARN ResourceManager behind a Livy endpoint when no URL is set (EMR, any YARN).

Candidates, most specific first: addresses a caller already knows (a Glue dev endpoint's
``YarnEndpointAddress``), the host of each ``sparkUiUrl`` Livy reports on YARN, then the Livy
host at the RM's usual web port. Each is asked ``/ws/v1/cluster/info`` with a short timeout, all at
once; the first candidate (in that order) that answers as a ResourceManager is remembered for the
Livy URL, and candidates that did not answer are left alone for a while. The HTTP is injected
(an async ``get_json(url)``, e.g. ``upstream.Http.get_json``): everything else here is pure.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable, Iterable, Mapping
from urllib.parse import urlsplit

RM_WEB_PORT = 8088  # YARN's default yarn.resourcemanager.webapp.address port
CLUSTER_INFO_PATH = "/ws/v1/cluster/info"
FROM_SPARK_UI = "from the host of the sparkUiUrl Livy reports"
FROM_GLUE = "from the Glue dev endpoint's YarnEndpointAddress"  # for glue.py's resourceManagerCandidate

GetJson = Callable[[str], Awaitable[Any]]


@dataclass(frozen=True)
class Candidate:
    url: str
    reason: str  # where the URL came from, for the panel: "from the Livy host's port 8088"


def _origin(scheme: str, host: str, port: int | None) -> str:
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}:{port}" if port else f"{scheme}://{host}"


def candidates_from_spark_ui(spark_ui_url: str, rm_port: int = RM_WEB_PORT) -> list[Candidate]:
    """``http://host:port/proxy/application_…/`` → ``http://host:port``, and the same host at 8088:
    YARN serves the proxy from the RM itself by default, but EMR runs a separate web proxy
    (port 20888) on the RM's host, which does not answer the RM's REST API."""
    parts = urlsplit(spark_ui_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or "/proxy/" not in parts.path:
        return []
    found = [Candidate(_origin(parts.scheme, parts.hostname, parts.port), FROM_SPARK_UI)]
    if parts.port != rm_port:
        found.append(Candidate(_origin("http", parts.hostname, rm_port), f"{FROM_SPARK_UI}, at port {rm_port}"))
    return found


def candidate_rm_urls(livy_url: str, spark_ui_urls: Iterable[str | None] = (),
                      known: Iterable[Candidate] = (), rm_port: int = RM_WEB_PORT) -> list[Candidate]:
    """Where the RM may answer, most specific first, each URL once."""
    ordered: list[Candidate] = list(known)
    for spark_ui_url in spark_ui_urls:
        if spark_ui_url:
            ordered.extend(candidates_from_spark_ui(spark_ui_url, rm_port))
    livy = urlsplit(livy_url.strip())
    if livy.hostname:
        # The RM's web UI is plain HTTP on 8088 even where Livy is behind TLS (HTTPS is 8090).
        ordered.append(Candidate(_origin("http", livy.hostname, rm_port), f"from the Livy host's port {rm_port}"))
    unique: dict[str, Candidate] = {}
    for candidate in ordered:
        url = candidate.url.rstrip("/")
        unique.setdefault(url, Candidate(url, candidate.reason))
    return list(unique.values())


def cluster_info(data: Any) -> dict[str, Any] | None:
    """The part of a ``/ws/v1/cluster/info`` answer the panel shows, or None if it is not one."""
    info = data.get("clusterInfo") if isinstance(data, Mapping) else None
    if not isinstance(info, Mapping) or "resourceManagerVersion" not in info:
        return None
    return {name: info.get(name) for name in ("id", "state", "haState", "resourceManagerVersion", "hadoopVersion")}


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat()


def found_result(candidate: Candidate, info: dict[str, Any]) -> dict[str, Any]:
    return {"source": "rm-discovery", "state": "found", "url": candidate.url, "reason": candidate.reason,
            "message": f"ResourceManager found at {candidate.url}, {candidate.reason}",
            "clusterInfo": info, "checkedAt": _now_iso()}


def not_found_result(tried: list[dict[str, str]]) -> dict[str, Any]:
    where = "; ".join(f"{t['url']} ({t['reason']}): {t['error']}" for t in tried) or "no candidate address"
    return {"source": "rm-discovery", "state": "not-found", "tried": tried,
            "message": f"No YARN ResourceManager answered ({where}). On YARN set the ResourceManager web URL in "
                       "Settings Editor → Spark Capacity for live cluster figures.",
            "checkedAt": _now_iso()}


class RmDiscovery:
    """Remembers, per Livy URL, the ResourceManager that answered; and, per candidate URL, a failure
    for ``failure_ttl`` seconds so polls do not keep knocking on a port that is closed. A found RM is
    kept until :meth:`forget` (e.g. when the sessions snapshot cannot reach it any more). Concurrent
    searches for one Livy URL share one set of probes."""

    def __init__(self, get_json: GetJson, timeout: float = 2.0, failure_ttl: float = 300.0,
                 rm_port: int = RM_WEB_PORT, clock: Callable[[], float] = time.monotonic):
        self.get_json = get_json
        self.rm_port = rm_port
        self.timeout = timeout
        self.failure_ttl = failure_ttl
        self.clock = clock
        self.probes_sent = 0
        self._found: dict[str, dict[str, Any]] = {}
        self._failed: dict[str, tuple[float, str]] = {}  # candidate url -> (when, why)
        self._searches: dict[str, asyncio.Future] = {}
        self._last: dict[str, dict[str, Any]] = {}  # the last search's answer, for lookup()

    def forget(self, livy_url: str) -> None:
        key = livy_url.strip().rstrip("/")
        self._found.pop(key, None)
        self._last.pop(key, None)

    def lookup(self, livy_url: str, spark_ui_urls: Iterable[str | None] = (),
               known: Iterable[Candidate] = ()) -> dict[str, Any]:
        """At once, for a poll's request path: the remembered RM, else the last search's answer
        (``pending`` before the first), starting a search in the background if none is running."""
        key = livy_url.strip().rstrip("/")
        if key in self._found:
            return self._found[key]
        self._start_search(key, livy_url, spark_ui_urls, known)
        return self._last.get(key, {"source": "rm-discovery", "state": "pending"})

    async def find(self, livy_url: str, spark_ui_urls: Iterable[str | None] = (),
                   known: Iterable[Candidate] = ()) -> dict[str, Any]:
        """The remembered RM for this Livy URL, else the first candidate that answers now."""
        key = livy_url.strip().rstrip("/")
        if key in self._found:
            return self._found[key]
        # Shield: a poll that goes away must not cancel the probes other polls wait for.
        return await asyncio.shield(self._start_search(key, livy_url, spark_ui_urls, known))

    def _start_search(self, key: str, livy_url: str, spark_ui_urls: Iterable[str | None],
                      known: Iterable[Candidate]) -> asyncio.Future:
        search = self._searches.get(key)
        if search is None:
            search = self._searches[key] = asyncio.ensure_future(
                self._search(key, candidate_rm_urls(livy_url, spark_ui_urls, known, self.rm_port)))
            search.add_done_callback(lambda _: self._searches.pop(key, None))
        return search

    async def _search(self, key: str, candidates: list[Candidate]) -> dict[str, Any]:
        now = self.clock()
        recent_failures = {url: why for url, (when, why) in self._failed.items() if now - when < self.failure_ttl}
        to_probe = [c for c in candidates if c.url not in recent_failures]
        answers = dict(zip((c.url for c in to_probe), await asyncio.gather(*(self._probe(c) for c in to_probe))))
        tried = []
        for candidate in candidates:
            info, error = answers.get(candidate.url, (None, f"{recent_failures.get(candidate.url)} (remembered)"))
            if info is not None:
                self._found[key] = self._last[key] = found_result(candidate, info)
                return self._found[key]
            tried.append({"url": candidate.url, "reason": candidate.reason, "error": error})
        self._last[key] = not_found_result(tried)
        return self._last[key]

    async def _probe(self, candidate: Candidate) -> tuple[dict[str, Any] | None, str]:
        url = candidate.url.rstrip("/") + CLUSTER_INFO_PATH
        self.probes_sent += 1
        try:
            info = cluster_info(await asyncio.wait_for(self.get_json(url), self.timeout))
            error = "" if info is not None else "answered, but not as a YARN ResourceManager (no clusterInfo)"
        except asyncio.TimeoutError:
            info, error = None, f"no answer within {self.timeout:g}s"
        except Exception as failure:  # noqa: BLE001 - the injected client's own errors, whatever their type
            info, error = None, str(failure) or type(failure).__name__
        if info is None:
            self._failed[candidate.url] = (self.clock(), error)
        return info, error

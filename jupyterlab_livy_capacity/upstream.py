"""Async HTTP to Livy, Spark (driver REST API, standalone master and workers) and YARN.

The client is aiohttp, chosen by measurement (``benchmarks/http_clients.py``): against a 50 ms
server through 32 slots it did ~3x the requests/s of httpx at a twentieth of the CPU per
request, and a pool that saw hundreds of requests cancelled still answered the next request at
once. httpcore's pool can leak slots for good when requests are cancelled while they wait in it
(encode/httpcore#1093); tornado's simple client keeps a cancelled fetch's connection until its
timeout fires and opens a connection per request.

One client session per upstream origin (scheme, host, port), with keep-alive, and a semaphore in
front of it: a request waits its turn without a clock on it (bounded by ``queue_timeout``), then
gets the full ``request_timeout`` on the wire. So one hanging host never slows another, and
cancelled waiters leave nothing behind. Bodies are read up to ``max_body_bytes``.

Every failure becomes an :class:`UpstreamError` with a kind the panel can explain (unreachable,
timeout, auth, http, malformed, too_large) and the URL that failed (never its userinfo). An
upstream body is never echoed unless it is the JSON error Livy sends.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import functools
import json
import math
from dataclasses import dataclass
from typing import Any, NamedTuple
from urllib.parse import quote, urlencode, urlsplit

import aiohttp

from .config import Endpoint, without_userinfo

MIB = 1024 * 1024


class UpstreamError(Exception):
    def __init__(self, kind: str, url: str, message: str):
        url = without_userinfo(url)
        super().__init__(f"{message} ({url})")
        self.kind = kind
        self.url = url
        self.message = message


@dataclass
class HttpSettings:
    connect_timeout: float = 3.0
    request_timeout: float = 8.0
    # Requests on the wire to one origin at once; more wait their turn. On YARN every Spark UI is
    # behind the RM's proxy, one origin, and a refresh reads N of them in ⌈N/32⌉ round trips.
    max_per_host: int = 32
    queue_timeout: float = 30.0  # how long a request may wait for its turn before it is given up
    max_body_bytes: int = 16 * MIB


class UpstreamResponse(NamedTuple):
    body: bytes
    content_type: str


class _Turns:
    """Up to ``size`` requests on the wire, the others waiting first come, first served. A waiter
    is a bare future, not a task (a refresh queues hundreds), and one that gives up, by timeout or
    cancellation, leaves nothing behind: a turn handed to it at that moment is passed on."""

    def __init__(self, size: int):
        self.free = size
        self.waiters: collections.deque[asyncio.Future] = collections.deque()

    async def take(self, timeout: float) -> bool:
        """True once a turn is ours; False when none came within ``timeout`` seconds."""
        if self.free > 0 and not self.waiters:
            self.free -= 1
            return True
        loop = asyncio.get_running_loop()
        waiter = loop.create_future()
        self.waiters.append(waiter)
        expiry = loop.call_later(timeout, _expire, waiter)
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled() and waiter.result():
                self.give_back()  # handed over just as whoever waited gave up
            raise
        finally:
            expiry.cancel()

    def give_back(self) -> None:
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():  # skips the ones that expired or were cancelled
                waiter.set_result(True)
                return
        self.free += 1


def _expire(waiter: asyncio.Future) -> None:
    if not waiter.done():
        waiter.set_result(False)


class _Origin:
    """The keep-alive client session of one upstream origin and the turns it hands out."""

    def __init__(self, settings: HttpSettings):
        self.turns = _Turns(settings.max_per_host)
        # The connector's own limit matches the turns, so nothing ever queues inside aiohttp.
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=settings.max_per_host),
            timeout=aiohttp.ClientTimeout(total=settings.request_timeout, sock_connect=settings.connect_timeout),
            auto_decompress=True,
            # No cookie is kept: every endpoint on this origin shares the session, whatever its credentials.
            cookie_jar=aiohttp.DummyCookieJar(),
        )


@functools.lru_cache(maxsize=4 * 1024)  # every refresh asks the same URLs again: each parsed once
def _origin_key(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise UpstreamError("unreachable", url, "invalid port in the URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UpstreamError("unreachable", url, "not an http:// or https:// URL with a host")
    return parts.scheme, parts.hostname.lower(), port or (443 if parts.scheme == "https" else 80)


def _finite_float(text: str) -> float | None:
    value = float(text)
    return value if math.isfinite(value) else None


def decode_json(body: bytes) -> Any:
    """Strict JSON in, values strict JSON can carry out: NaN, Infinity and 1e999 become None."""
    return json.loads(body, parse_constant=lambda _: None, parse_float=_finite_float)


def _describe_body(response: UpstreamResponse) -> str:
    media_type = _clip(response.content_type.split(";")[0].strip(), 64) or "no content type"
    return f"{media_type}, {len(response.body)} bytes"


class Http:
    """One place for timeouts, turns, size limits, error mapping and JSON decoding."""

    def __init__(self, settings: HttpSettings | None = None):
        self.settings = settings or HttpSettings()
        self.requests_sent = 0  # read by the benchmark: upstream requests per refresh
        self._origins: dict[tuple[str, str, int], _Origin] = {}

    async def close(self) -> None:
        origins, self._origins = self._origins, {}
        for origin in origins.values():
            await origin.session.close()

    async def request(
        self,
        url: str,
        method: str = "GET",
        headers: dict[str, str] | None = None,
        username: str | None = None,
        password: str | None = None,
        verify: bool = True,
    ) -> UpstreamResponse:
        key = _origin_key(url)
        origin = self._origins.get(key)
        if origin is None:
            origin = self._origins[key] = _Origin(self.settings)
        headers = dict(headers or {})
        if username is not None:  # as requests (SparkMagic) sends it: Latin-1, the header wins over custom ones
            try:
                token = base64.b64encode(f"{username}:{password or ''}".encode("latin1")).decode("ascii")
            except UnicodeEncodeError:
                raise UpstreamError("auth", url, "the user name or password has characters outside Latin-1, "
                                                 "which HTTP Basic auth cannot send") from None
            headers["Authorization"] = f"Basic {token}"
        if not await origin.turns.take(self.settings.queue_timeout):
            raise UpstreamError("timeout", url, f"waited {self.settings.queue_timeout:g}s for a free connection "
                                                "to this host; it is too slow or too busy")
        try:
            self.requests_sent += 1
            return await self._send(origin, method, url, headers, verify)
        finally:
            origin.turns.give_back()

    async def _send(self, origin: _Origin, method: str, url: str, headers: dict[str, str],
                    verify: bool) -> UpstreamResponse:
        limit = self.settings.max_body_bytes
        too_large = f"the response is larger than the {limit // MIB} MiB limit; not read"
        try:
            async with origin.session.request(method, url, headers=headers, allow_redirects=False,
                                              ssl=None if verify else False) as response:
                if response.content_length is not None:
                    if response.content_length > limit:
                        raise UpstreamError("too_large", url, too_large)
                    body = await response.read()  # bounded by the length just checked
                else:
                    chunks = bytearray()
                    async for chunk in response.content.iter_chunked(64 * 1024):
                        chunks += chunk
                        if len(chunks) > limit:
                            raise UpstreamError("too_large", url, too_large)
                    body = bytes(chunks)
                result = UpstreamResponse(body, response.headers.get("Content-Type", ""))
                status = response.status
        except (asyncio.TimeoutError, aiohttp.ServerTimeoutError):
            raise UpstreamError("timeout", url, f"no answer within {self.settings.request_timeout:g}s") from None
        except aiohttp.ClientSSLError as error:
            raise UpstreamError("unreachable", url, f"TLS failed: {_clip(str(error))}") from None
        except aiohttp.ClientConnectorError as error:
            raise UpstreamError("unreachable", url,
                                f"cannot connect: nothing answers at this address ({_clip(str(error.os_error))})") from None
        except (aiohttp.ClientPayloadError, aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as error:
            raise UpstreamError("unreachable", url,
                                f"connection broken while reading the response ({type(error).__name__})") from None
        except aiohttp.ClientError as error:  # an invalid answer or URL; its text names no header value
            raise UpstreamError("unreachable", url, f"{type(error).__name__}: {_clip(str(error))}") from None
        except ValueError as error:  # the request could not be built; its text may quote a header value
            raise UpstreamError("unreachable", url, f"the request could not be sent ({type(error).__name__})") from None
        if status in (401, 403):
            raise UpstreamError("auth", url, f"HTTP {status}: authentication refused")
        if status >= 400:
            raise UpstreamError("http", url, f"HTTP {status}{_livy_message(result)}")
        return result

    async def get_json(self, url: str, **kwargs: Any) -> Any:
        response = await self.request(url, **kwargs)
        try:
            return decode_json(response.body)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise UpstreamError("malformed", url, f"expected JSON, got {_describe_body(response)}") from None


def _livy_message(response: UpstreamResponse) -> str:
    """Livy's own JSON error text ({"msg": ...}), clipped; anything else only by type and size."""
    try:
        data = decode_json(response.body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        data = None
    message = data.get("msg") or data.get("message") if isinstance(data, dict) else None
    if isinstance(message, str):
        return f": {_clip(message)}"
    return f" ({_describe_body(response)})" if response.body else ""


def _clip(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class LivyListing(NamedTuple):
    items: list[dict[str, Any]]
    warnings: list[str]


class LivyClient:
    """Livy's REST API for one endpoint, with its auth and custom headers (which stay here)."""

    PAGE_SIZE = 100
    MAX_ITEMS = 5000  # sessions or batches read per refresh at most, whatever Livy's total says

    def __init__(self, http: Http, endpoint: Endpoint):
        if endpoint.auth not in ("None", "Basic_Access"):
            raise UpstreamError(
                "auth",
                endpoint.url or endpoint.id,
                f"auth {endpoint.auth!r} is not supported by the panel's server-side client yet; "
                "live sessions need auth None or Basic_Access",
            )
        self.http = http
        self.url = endpoint.url or ""
        self._options: dict[str, Any] = {"headers": dict(endpoint.custom_headers), "verify": endpoint.verify_ssl}
        if endpoint.auth == "Basic_Access":
            self._options.update(username=endpoint.username or "", password=endpoint.password or "")

    async def version(self) -> str | None:
        data = await self.http.get_json(f"{self.url}/version", **self._options)
        version = data.get("version") if isinstance(data, dict) else None
        return _clip(version, 64) if isinstance(version, str) else None

    async def _page(self, collection: str, start: int) -> tuple[str, dict[str, Any]]:
        url = f"{self.url}/{collection}?{urlencode({'from': start, 'size': self.PAGE_SIZE})}"
        page = await self.http.get_json(url, **self._options)
        if not isinstance(page, dict) or not isinstance(page.get("sessions"), list):
            raise UpstreamError("malformed", url, "expected {from, total, sessions: [...]}")
        return url, page

    async def list_all(self, collection: str = "sessions") -> LivyListing:
        """Every interactive session (or batch), paged with from/size: the first page gives the
        total, the other pages are read concurrently. Reading stops at an empty page, at a page of
        ids already seen, and at MAX_ITEMS, and says so. Never GET /sessions/{id}: it refreshes
        that session's heartbeat and keeps orphaned sessions alive. Livy lists both collections
        under the JSON key "sessions"."""
        first = await self._page(collection, 0)
        total = first[1].get("total")
        total = total if isinstance(total, int) else len(first[1]["sessions"])
        wanted = min(total, self.MAX_ITEMS)
        rest = await asyncio.gather(*(self._page(collection, start)
                                      for start in range(self.PAGE_SIZE, wanted, self.PAGE_SIZE)))
        items: dict[int, dict[str, Any]] = {}
        warnings = []
        for url, page in [first, *rest]:
            listed = [s for s in page["sessions"] if isinstance(s, dict) and isinstance(s.get("id"), int)]
            repeated = bool(listed) and all(s["id"] in items for s in listed)
            if (not page["sessions"] and len(items) < wanted) or repeated:
                what = "a page of ones already listed" if repeated else "an empty page"
                warnings.append(f"Livy reports {total} {collection} but returned {what} at {url}; "
                                f"listing the {len(items)} read before it.")
                break
            items.update((s["id"], s) for s in listed)
        if total > self.MAX_ITEMS:
            warnings.append(f"Livy reports {total} {collection}; only the first {self.MAX_ITEMS} are listed.")
        return LivyListing(list(items.values())[: self.MAX_ITEMS], warnings)

    async def delete(self, collection: str, item_id: int) -> None:
        headers = {**self._options["headers"], "X-Requested-By": "jupyterlab-livy-capacity"}
        await self.http.request(
            f"{self.url}/{collection}/{quote(str(item_id))}", method="DELETE", **{**self._options, "headers": headers}
        )

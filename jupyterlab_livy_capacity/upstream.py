"""Async HTTP to Livy, Spark (driver REST API, standalone master and workers) and YARN.

The client is a small HTTP/1.1 keep-alive client on asyncio's protocols, chosen by measurement
(``benchmarks/http_clients.py``): a refresh where Spark's REST API is the source makes one request
per session, and through aiohttp each cost ~0.34 ms of CPU with our turns and JSON decoding (its
request and response objects, URL parsing, header multidicts, timers, tracing hooks), three
quarters of the refresh's CPU; through this client ~0.11 ms. It speaks only what Livy, Spark and
YARN need: GET and DELETE, no request body, Content-Length, chunked or close-delimited responses,
gzip/deflate if a server sends them anyway, TLS with or without verification, no redirects, no cookies, no proxies. httpx's pool
(httpcore) can leak slots for good when requests are cancelled while they wait in it
(encode/httpcore#1093); tornado's simple client opens a connection per request.

One pool of keep-alive connections per upstream origin (scheme, host, port), and turns in front of
it: a request waits its turn without a clock on it (bounded by ``queue_timeout``), then gets the
full ``request_timeout`` on the wire (``connect_timeout`` of it to connect). So one hanging host
never slows another, and cancelled waiters leave nothing behind: a request cancelled on the wire
closes its connection. A request on a kept-alive connection the server closed meanwhile is sent
once more on a new one. Bodies are read up to ``max_body_bytes``.

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
import re
import ssl
import zlib
from dataclasses import dataclass
from typing import Any, NamedTuple
from urllib.parse import quote, urlencode, urlsplit

from .sparkmagic_config import Endpoint
from .urls import without_userinfo

MIB = 1024 * 1024
MAX_HEAD = 64 * 1024  # bytes of a response's status line and headers
USER_AGENT = "jupyterlab-livy-capacity"


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
    """Up to ``size`` requests on the wire, the others waiting first come, first served, each at
    most ``timeout`` seconds. A waiter is a bare future, not a task (a refresh queues hundreds),
    and one that gives up, by timeout or cancellation, leaves nothing behind: a turn handed to it at
    that moment is passed on. Waiters queue in the order of their deadlines, so one timer, set
    for the oldest, expires them all (not one timer each in the loop's heap)."""

    def __init__(self, size: int, timeout: float):
        self.free = size
        self.timeout = timeout
        self.waiters: collections.deque[tuple[float, asyncio.Future]] = collections.deque()
        self._timer: asyncio.TimerHandle | None = None

    async def take(self) -> bool:
        """True once a turn is ours; False when none came within ``timeout`` seconds."""
        if self.free > 0 and not self.waiters:
            self.free -= 1
            return True
        loop = asyncio.get_running_loop()
        waiter = loop.create_future()
        self.waiters.append((loop.time() + self.timeout, waiter))
        if self._timer is None:
            self._timer = loop.call_at(self.waiters[0][0], self._expire)
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled() and waiter.result():
                self.give_back()  # handed over just as whoever waited gave up
            raise

    def give_back(self) -> None:
        while self.waiters:
            _, waiter = self.waiters.popleft()
            if not waiter.done():  # skips the ones that expired or were cancelled
                waiter.set_result(True)
                return
        self.free += 1

    def _expire(self) -> None:
        self._timer = None
        loop = asyncio.get_running_loop()
        now = loop.time()
        while self.waiters and (self.waiters[0][0] <= now or self.waiters[0][1].done()):
            _, waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_result(False)
        if self.waiters:
            self._timer = loop.call_at(self.waiters[0][0], self._expire)


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


class _Malformed(Exception):
    """The server's answer is not HTTP/1.x as this client reads it."""


class _TooLarge(Exception):
    pass


class _Broken(Exception):
    """The connection ended before the response did; ``silent``: before any byte of it came."""

    def __init__(self, reason: str, silent: bool):
        super().__init__(reason)
        self.silent = silent


_STATUS_LINE = re.compile(r"HTTP/1\.([01]) ([0-9]{3})(?: [^\r\n]*)?")
_HEX = re.compile(rb"[0-9A-Fa-f]{1,16}")
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_LENGTH, _CHUNKED, _UNTIL_CLOSE = range(3)


class _Response(NamedTuple):
    status: int
    headers: dict[str, str]  # lower-case names; repeated headers joined with ", "
    body: bytes


class _Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection, one exchange at a time: the response is parsed as it
    arrives and handed to the waiter of :meth:`exchange`."""

    def __init__(self, limit: int):
        self.limit = limit
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.reused = False
        self._waiter: asyncio.Future | None = None
        self._buffer = bytearray()
        self._head: tuple[int, dict[str, str]] | None = None
        self._received, self._keep_alive, self._mode = False, True, _LENGTH

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._waiter is not None and self._head is not None and self._mode == _UNTIL_CLOSE:
            self._finish(bytes(self._body), reusable=False)
        else:
            reason = type(exc).__name__ if exc is not None else "ServerDisconnected"
            self._fail(_Broken(reason, silent=not self._received))

    def data_received(self, data: bytes) -> None:
        if self._waiter is None:  # nothing was asked: the connection cannot be trusted any more
            self.close()
            return
        self._received = True
        self._buffer += data
        try:
            self._parse()
        except (_Malformed, _TooLarge) as error:
            self._fail(error)
            self.close()

    # used by Http
    def exchange(self, request: bytes) -> asyncio.Future:
        """Sends ``request``; the future gets its _Response or the exception that ended it."""
        self._waiter = waiter = asyncio.get_running_loop().create_future()
        self._head, self._received, self._keep_alive = None, False, True
        self._buffer.clear()
        self.transport.write(request)  # type: ignore[union-attr]
        return waiter

    def expire(self) -> None:
        self._fail(asyncio.TimeoutError())
        self.close()

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    # parsing
    def _fail(self, error: BaseException) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(error)

    def _finish(self, body: bytes, reusable: bool) -> None:
        waiter, self._waiter = self._waiter, None
        status, headers = self._head  # type: ignore[misc]
        self._head = None
        if not (reusable and self._keep_alive) or self._buffer:  # bytes beyond the response: not reused
            self.close()
        if waiter is not None and not waiter.done():
            waiter.set_result(_Response(status, headers, body))

    def _parse(self) -> None:
        buffer = self._buffer
        while self._head is None:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(buffer) > MAX_HEAD:
                    raise _Malformed("response headers too large")
                return
            head = bytes(buffer[:end])
            del buffer[: end + 4]
            self._read_head(head)
        if self._mode == _LENGTH:
            if len(buffer) >= self._remaining:
                body = bytes(buffer[: self._remaining])
                del buffer[: self._remaining]
                self._finish(body, reusable=True)
        elif self._mode == _CHUNKED:
            self._parse_chunks()
        else:
            self._body += buffer
            buffer.clear()
            if len(self._body) > self.limit:
                raise _TooLarge()

    def _read_head(self, head: bytes) -> None:
        lines = head.decode("latin-1").split("\r\n")
        match = _STATUS_LINE.fullmatch(lines[0])
        if match is None:
            raise _Malformed("invalid status line")
        status = int(match.group(2))
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, colon, value = line.partition(":")
            if not colon or not name or name[-1] in " \t" or line[0] in " \t":
                raise _Malformed("invalid header line")
            key, text = name.lower(), value.strip(" \t")
            headers[key] = f"{headers[key]}, {text}" if key in headers else text
        if 100 <= status < 200:
            if status == 101:
                raise _Malformed("unexpected protocol switch")
            return  # interim answer: the final one follows
        self._head = (status, headers)
        self._body = bytearray()
        if match.group(1) == "0" or "close" in headers.get("connection", "").lower():
            self._keep_alive = False
        encoding = headers.get("transfer-encoding")
        length = headers.get("content-length")
        if status in (204, 304):
            self._mode, self._remaining = _LENGTH, 0
        elif encoding is not None:
            self._mode = _CHUNKED if encoding.rsplit(",", 1)[-1].strip().lower() == "chunked" else _UNTIL_CLOSE
            self._chunk: int | None = None  # bytes left of the current chunk; None: a size line is next
            self._keep_alive = self._keep_alive and self._mode == _CHUNKED and length is None
        elif length is not None:
            values = {v.strip() for v in length.split(",")}
            if len(values) != 1 or not next(iter(values)).isdigit():
                raise _Malformed("invalid Content-Length")
            self._mode, self._remaining = _LENGTH, int(values.pop())
            if self._remaining > self.limit:
                raise _TooLarge()
        else:
            self._mode, self._keep_alive = _UNTIL_CLOSE, False

    def _parse_chunks(self) -> None:
        buffer, body = self._buffer, self._body
        while True:
            if self._chunk is None:  # a size line (extensions ignored), or the trailers after the last chunk
                end = buffer.find(b"\r\n")
                if end < 0:
                    if len(buffer) > MAX_HEAD:
                        raise _Malformed("invalid chunk size")
                    return
                line = bytes(buffer[:end])
                del buffer[: end + 2]
                size = line.split(b";", 1)[0].strip(b" \t")
                if not _HEX.fullmatch(size):
                    raise _Malformed("invalid chunk size")
                self._chunk = int(size, 16) or -1
                continue
            if self._chunk == -1:  # trailers, until an empty line
                end = buffer.find(b"\r\n")
                if end < 0:
                    if len(buffer) > MAX_HEAD:
                        raise _Malformed("trailers too large")
                    return
                trailer = bytes(buffer[:end])
                del buffer[: end + 2]
                if not trailer:
                    self._finish(bytes(body), reusable=True)
                    return
                continue
            if self._chunk > 0:
                taken = min(self._chunk, len(buffer))
                body += buffer[:taken]
                del buffer[:taken]
                self._chunk -= taken
                if len(body) > self.limit:
                    raise _TooLarge()
                if self._chunk:
                    return
            if len(buffer) < 2:  # the line break after the chunk's data
                return
            if buffer[:2] != b"\r\n":
                raise _Malformed("invalid chunk end")
            del buffer[:2]
            self._chunk = None


@functools.lru_cache(maxsize=4 * 1024)  # every refresh asks the same URLs again: each built once
def _request_line(method: str, url: str) -> bytes:
    parts = urlsplit(url)
    target = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    if parts.query:
        target += "?" + quote(parts.query, safe="/?%:@!$&'()*+,;=-._~")
    host = parts.netloc.rpartition("@")[2]
    return f"{method} {target} HTTP/1.1\r\nHost: {host}\r\n".encode("utf-8")


_DEFAULT_HEADERS = {"accept": b"Accept: */*\r\n", "user-agent": f"User-Agent: {USER_AGENT}\r\n".encode()}
_PLAIN_END = b"".join(_DEFAULT_HEADERS.values()) + b"\r\n"


def _request(method: str, url: str, headers: dict[str, str]) -> bytes:
    """The request's bytes. ValueError for a header no server should be sent (its text names no value)."""
    end = _PLAIN_END if method == "GET" else _DEFAULT_HEADERS["accept"] + _DEFAULT_HEADERS["user-agent"] + (
        b"Content-Length: 0\r\n\r\n")
    if not headers:
        return _request_line(method, url) + end
    lines = []
    given = set()
    for name, value in headers.items():
        if not isinstance(name, str) or not _TOKEN.fullmatch(name) or name.lower() in ("host", "content-length",
                                                                                      "transfer-encoding"):
            raise ValueError("invalid header name")
        if not isinstance(value, str) or any(c in value for c in "\r\n\0"):
            raise ValueError("invalid header value")
        given.add(name.lower())
        lines.append(f"{name}: {value}\r\n".encode("utf-8"))
    lines.extend(line for key, line in _DEFAULT_HEADERS.items() if key not in given)
    return _request_line(method, url) + b"".join(lines) + (b"\r\n" if method == "GET" else b"Content-Length: 0\r\n\r\n")


@functools.lru_cache(maxsize=2)
def _tls(verify: bool) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _decoded(body: bytes, encoding: str, limit: int) -> bytes:
    """A gzip or deflate body as sent, decompressed up to ``limit`` bytes (never asked for, but sent by some)."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise _Malformed(f"unsupported content encoding {encoding[:20]!r}")
    wbits = 16 + zlib.MAX_WBITS if encoding != "deflate" else (zlib.MAX_WBITS if body[:1] == b"\x78" else -zlib.MAX_WBITS)
    try:
        decompressor = zlib.decompressobj(wbits)
        data = decompressor.decompress(body, limit + 1)
    except zlib.error:
        raise _Malformed("the body could not be decompressed") from None
    if len(data) > limit or decompressor.unconsumed_tail:
        raise _TooLarge()
    return data


class _Origin:
    """The keep-alive connections of one upstream origin and the turns it hands out."""

    def __init__(self, settings: HttpSettings, key: tuple[str, str, int], verify: bool):
        self.turns = _Turns(settings.max_per_host, settings.queue_timeout)
        self.host, self.port = key[1], key[2]
        self.tls = _tls(verify) if key[0] == "https" else None
        self.limit, self.keep = settings.max_body_bytes, settings.max_per_host
        self.idle: list[_Connection] = []
        self.open: set[_Connection] = set()

    def take_idle(self) -> _Connection | None:
        while self.idle:
            connection = self.idle.pop()  # the most recently used: the likeliest to be alive still
            if not connection.closed and not connection.transport.is_closing():  # type: ignore[union-attr]
                return connection
            connection.close()
            self.open.discard(connection)
        return None

    def put_back(self, connection: _Connection) -> None:
        if connection.closed or len(self.idle) >= self.keep:
            connection.close()
            self.open.discard(connection)
        else:
            connection.reused = True
            self.idle.append(connection)

    def close(self) -> None:
        for connection in self.open:
            connection.close()
        self.open.clear()
        self.idle.clear()


def _finite_float(text: str) -> float | None:
    value = float(text)
    return value if math.isfinite(value) else None


# One decoder for every body: json.loads with hooks would build a new one (and its scanner) per call.
_DECODER = json.JSONDecoder(parse_constant=lambda _: None, parse_float=_finite_float)


def decode_json(body: bytes) -> Any:
    """Strict JSON in, values strict JSON can carry out: NaN, Infinity and 1e999 become None.
    Bytes are decoded as json.loads does (UTF-8, -16 or -32)."""
    return _DECODER.decode(body.decode(json.detect_encoding(body), "surrogatepass"))


def _describe_body(response: UpstreamResponse) -> str:
    media_type = _clip(response.content_type.split(";")[0].strip(), 64) or "no content type"
    return f"{media_type}, {len(response.body)} bytes"


class Http:
    """One place for timeouts, turns, size limits, error mapping and JSON decoding."""

    def __init__(self, settings: HttpSettings | None = None):
        self.settings = settings or HttpSettings()
        self.requests_sent = 0  # read by the benchmark: upstream requests per refresh
        self._origins: dict[tuple[tuple[str, str, int], bool], _Origin] = {}

    async def close(self) -> None:
        origins, self._origins = self._origins, {}
        for origin in origins.values():
            origin.close()

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
        pool = (key, verify or key[0] == "http")  # one pool per origin and TLS verification
        origin = self._origins.get(pool)
        if origin is None:
            origin = self._origins[pool] = _Origin(self.settings, key, pool[1])
        if username is not None:  # as requests (SparkMagic) sends it: Latin-1, the header wins over custom ones
            try:
                token = base64.b64encode(f"{username}:{password or ''}".encode("latin1")).decode("ascii")
            except UnicodeEncodeError:
                raise UpstreamError("auth", url, "the user name or password has characters outside Latin-1, "
                                                 "which HTTP Basic auth cannot send") from None
            headers = {k: v for k, v in (headers or {}).items() if str(k).lower() != "authorization"}
            headers["Authorization"] = f"Basic {token}"
        try:
            request = _request(method.upper(), url, headers or {})
        except ValueError as error:  # its text names no header value
            raise UpstreamError("unreachable", url, f"the request could not be sent ({error})") from None
        if not await origin.turns.take():
            raise UpstreamError("timeout", url, f"waited {self.settings.queue_timeout:g}s for a free connection "
                                                "to this host; it is too slow or too busy")
        try:
            self.requests_sent += 1
            return await self._send(origin, url, request)
        finally:
            origin.turns.give_back()

    async def _send(self, origin: _Origin, url: str, request: bytes) -> UpstreamResponse:
        settings = self.settings
        loop = asyncio.get_running_loop()
        deadline = loop.time() + settings.request_timeout
        try:
            for attempt in (1, 2):
                connection = origin.take_idle() or await self._connect(origin, url, deadline)
                timer = loop.call_at(deadline, connection.expire)
                try:
                    response = await connection.exchange(request)
                except _Broken as error:
                    origin.open.discard(connection)
                    if attempt == 1 and error.silent and connection.reused:
                        continue  # the server closed the idle connection as the request left: once more
                    raise
                except BaseException:  # timeout, cancellation: what comes on it later belongs to nobody
                    connection.close()
                    origin.open.discard(connection)
                    raise
                finally:
                    timer.cancel()
                origin.put_back(connection)
                break
            body = _decoded(response.body, response.headers.get("content-encoding", ""), settings.max_body_bytes)
        except asyncio.TimeoutError:
            raise UpstreamError("timeout", url, f"no answer within {settings.request_timeout:g}s") from None
        except _TooLarge:
            raise UpstreamError("too_large", url, f"the response is larger than the "
                                                  f"{settings.max_body_bytes // MIB} MiB limit; not read") from None
        except _Broken as error:
            raise UpstreamError("unreachable", url,
                                f"connection broken while reading the response ({error})") from None
        except _Malformed as error:
            raise UpstreamError("unreachable", url, f"invalid HTTP response: {error}") from None
        result = UpstreamResponse(body, response.headers.get("content-type", ""))
        status = response.status
        if status in (401, 403):
            raise UpstreamError("auth", url, f"HTTP {status}: authentication refused")
        if status >= 400:
            raise UpstreamError("http", url, f"HTTP {status}{_livy_message(result)}")
        return result

    async def _connect(self, origin: _Origin, url: str, deadline: float) -> _Connection:
        loop = asyncio.get_running_loop()
        timeout = min(self.settings.connect_timeout, max(deadline - loop.time(), 0.0))
        try:
            _, connection = await asyncio.wait_for(loop.create_connection(
                lambda: _Connection(origin.limit), origin.host, origin.port, ssl=origin.tls,
                server_hostname=origin.host if origin.tls else None), timeout)
        except asyncio.TimeoutError:
            raise UpstreamError("timeout", url, f"no connection within {timeout:g}s") from None
        except ssl.SSLError as error:
            raise UpstreamError("unreachable", url, f"TLS failed: {_clip(str(error))}") from None
        except OSError as error:
            raise UpstreamError("unreachable", url,
                                f"cannot connect: nothing answers at this address ({_clip(str(error))})") from None
        origin.open.add(connection)
        return connection

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


async def gather_all(*awaitables: Any) -> list[Any]:
    """asyncio.gather that lets every awaitable finish, then raises the first failure: no task is
    left with an exception nobody retrieves (asyncio logs those as errors in the server's log)."""
    results = await asyncio.gather(*awaitables, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


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

    async def list_all(self, collection: str = "sessions", expected: int = 0) -> LivyListing:
        """Every interactive session (or batch), paged with from/size: the first page gives the
        total, the other pages are read concurrently. The pages that ``expected`` items fill (what
        the last refresh listed) are asked for together with the first, so while the count holds a
        listing takes one round trip, not two; pages past the total are dropped. Reading stops at
        an empty page, at a page of ids already seen, and at MAX_ITEMS, and says so. Never GET
        /sessions/{id}: it refreshes that session's heartbeat and keeps orphaned sessions alive.
        Livy lists both collections under the JSON key "sessions"."""
        guessed = range(0, max(min(expected, self.MAX_ITEMS), 1), self.PAGE_SIZE)
        first, *rest = await gather_all(*(self._page(collection, start) for start in guessed))
        total = first[1].get("total")
        total = total if isinstance(total, int) else len(first[1]["sessions"])
        wanted = min(total, self.MAX_ITEMS)
        rest = rest[: max(math.ceil(wanted / self.PAGE_SIZE) - 1, 0)]
        rest += await gather_all(*(self._page(collection, start)
                                       for start in range(len(guessed) * self.PAGE_SIZE, wanted, self.PAGE_SIZE)))
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

"""Async HTTP to Livy, Spark (driver REST API, standalone master and workers) and YARN.

httpx's AsyncClient with a connect timeout and a total deadline per request, so the Jupyter
server's event loop never waits on a slow cluster. (Tornado's simple client turns a connection
reset mid-body into a timeout, so the panel could not say what happened.) Every failure becomes
an :class:`UpstreamError` with a kind the panel can explain (unreachable, timeout, auth, http,
malformed) and the URL that failed.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from .config import Endpoint


class UpstreamError(Exception):
    def __init__(self, kind: str, url: str, message: str):
        super().__init__(f"{message} ({url})")
        self.kind = kind
        self.url = url
        self.message = message


@dataclass
class HttpSettings:
    connect_timeout: float = 3.0
    request_timeout: float = 8.0
    max_concurrent: int = 32  # upstream requests in flight at once; more wait for a connection


class Http:
    """One place for timeouts, error mapping and JSON decoding."""

    def __init__(self, settings: HttpSettings | None = None):
        self.settings = settings or HttpSettings()
        self.requests_sent = 0  # read by the benchmark: upstream requests per refresh
        self._clients: dict[bool, httpx.AsyncClient] = {}

    def _client(self, verify: bool) -> httpx.AsyncClient:
        # TLS verification is a client setting in httpx: one client per choice, created lazily.
        if verify not in self._clients:
            self._clients[verify] = httpx.AsyncClient(
                verify=verify,
                follow_redirects=False,
                timeout=httpx.Timeout(self.settings.request_timeout, connect=self.settings.connect_timeout),
                limits=httpx.Limits(max_connections=self.settings.max_concurrent),
            )
        return self._clients[verify]

    async def request(
        self,
        url: str,
        method: str = "GET",
        headers: dict[str, str] | None = None,
        username: str | None = None,
        password: str | None = None,
        verify: bool = True,
    ) -> bytes:
        self.requests_sent += 1
        auth = (username, password or "") if username is not None else None
        try:
            response = await asyncio.wait_for(
                self._client(verify).request(method, url, headers=headers or {}, auth=auth),
                self.settings.request_timeout,
            )
        except (asyncio.TimeoutError, httpx.TimeoutException):
            raise UpstreamError("timeout", url, f"no answer within {self.settings.request_timeout:g}s") from None
        except (httpx.TransportError, OSError, ValueError) as error:  # refused, reset mid-body, bad host, TLS
            raise UpstreamError("unreachable", url, _describe(error)) from None
        if response.status_code in (401, 403):
            raise UpstreamError("auth", url, f"HTTP {response.status_code}: authentication refused")
        if response.status_code >= 400:
            excerpt = response.content[:160].decode("utf-8", "replace").replace("\n", " ")
            raise UpstreamError("http", url, f"HTTP {response.status_code} {excerpt}".strip())
        return response.content

    async def get_json(self, url: str, **kwargs: Any) -> Any:
        body = await self.request(url, **kwargs)
        try:
            return json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise UpstreamError("malformed", url, f"not JSON: {body[:80]!r}") from None


def _describe(error: BaseException) -> str:
    if isinstance(error, (httpx.ReadError, httpx.RemoteProtocolError)):
        return f"connection broken while reading the response ({type(error).__name__})"
    if isinstance(error, httpx.ConnectError):
        return f"cannot connect: nothing answers at this address ({error})"
    text = str(error) or type(error).__name__
    return text if len(text) < 200 else text[:200] + "…"


class LivyClient:
    """Livy's REST API for one endpoint, with its auth and custom headers (which stay here)."""

    PAGE_SIZE = 100

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
        return data.get("version") if isinstance(data, dict) else None

    async def list_all(self, collection: str = "sessions") -> list[dict[str, Any]]:
        """Every interactive session (or batch), paged with from/size. Never GET /sessions/{id}:
        it refreshes that session's heartbeat and keeps orphaned sessions alive. Livy lists both
        collections under the JSON key "sessions"."""
        items: list[dict[str, Any]] = []
        while True:
            url = f"{self.url}/{collection}?{urlencode({'from': len(items), 'size': self.PAGE_SIZE})}"
            page = await self.http.get_json(url, **self._options)
            if not isinstance(page, dict) or not isinstance(page.get("sessions"), list):
                raise UpstreamError("malformed", url, "expected {from, total, sessions: [...]}")
            items.extend(s for s in page["sessions"] if isinstance(s, dict) and isinstance(s.get("id"), int))
            total = page.get("total")
            if not page["sessions"] or not isinstance(total, int) or len(items) >= total:
                return items

    async def delete(self, collection: str, item_id: int) -> None:
        headers = {**self._options["headers"], "X-Requested-By": "jupyterlab-livy-capacity"}
        await self.http.request(
            f"{self.url}/{collection}/{quote(str(item_id))}", method="DELETE", **{**self._options, "headers": headers}
        )

"""Async HTTP to Livy, Spark (driver REST API, standalone master and workers) and YARN.

Tornado's AsyncHTTPClient with connect and request timeouts, so the Jupyter server's event loop
never waits on a slow cluster. Every failure becomes an :class:`UpstreamError` with a kind the
panel can explain (unreachable, timeout, auth, http, malformed) and the URL that failed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest

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
    max_concurrent: int = 32  # upstream requests in flight at once; more wait in Tornado's queue


class Http:
    """One place for timeouts, error mapping and JSON decoding."""

    def __init__(self, settings: HttpSettings | None = None):
        self.settings = settings or HttpSettings()
        self.requests_sent = 0  # read by the benchmark: upstream requests per refresh
        self._client: AsyncHTTPClient | None = None

    @property
    def client(self) -> AsyncHTTPClient:
        # Created lazily inside the running loop; our own instance, so the server's shared client
        # keeps its settings.
        if self._client is None:
            self._client = AsyncHTTPClient(force_instance=True, max_clients=self.settings.max_concurrent)
        return self._client

    async def request(
        self,
        url: str,
        method: str = "GET",
        headers: dict[str, str] | None = None,
        username: str | None = None,
        password: str | None = None,
        verify: bool = True,
    ) -> bytes:
        request = HTTPRequest(
            url,
            method=method,
            headers=headers or {},
            auth_username=username,
            auth_password=password,
            auth_mode="basic" if username is not None else None,
            validate_cert=verify,
            connect_timeout=self.settings.connect_timeout,
            request_timeout=self.settings.request_timeout,
            follow_redirects=False,
        )
        self.requests_sent += 1
        try:
            response = await self.client.fetch(request)
        except HTTPClientError as error:
            if error.code == 599:
                kind = "timeout" if "Timeout" in str(error) else "unreachable"
                raise UpstreamError(kind, url, _describe(error)) from None
            if error.code in (401, 403):
                raise UpstreamError("auth", url, f"HTTP {error.code}: authentication refused") from None
            raise UpstreamError("http", url, f"HTTP {error.code} {_body_excerpt(error.response)}".strip()) from None
        except (OSError, ValueError) as error:  # refused, reset mid-body, bad host, TLS
            raise UpstreamError("unreachable", url, _describe(error)) from None
        return response.body or b""

    async def get_json(self, url: str, **kwargs: Any) -> Any:
        body = await self.request(url, **kwargs)
        try:
            return json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise UpstreamError("malformed", url, f"not JSON: {body[:80]!r}") from None


def _describe(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return text if len(text) < 200 else text[:200] + "…"


def _body_excerpt(response: Any) -> str:
    body = getattr(response, "body", None) or b""
    return body[:160].decode("utf-8", "replace").replace("\n", " ")


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

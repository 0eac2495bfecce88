"""Local stand-ins for Livy, Spark and YARN in unit tests: aiohttp servers on 127.0.0.1, free port."""

from __future__ import annotations

import asyncio
import json
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Awaitable, Callable

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@asynccontextmanager
async def serve(routes: dict[str, Handler]) -> AsyncIterator[str]:
    """Serves ``{path: handler}`` until the block ends; yields the base URL."""
    app = web.Application()
    for path, handler in routes.items():
        app.router.add_route("*", path, handler)
    # Handlers end when their client goes away, so hanging ones do not outlive the test.
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1, handler_cancellation=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


def reply(data: Any, status: int = 200) -> web.Response:
    """JSON as Livy writes it (Python's json also writes NaN, as a careless upstream may)."""
    return web.Response(status=status, text=json.dumps(data), content_type="application/json")


async def hang(request: web.Request) -> web.Response:
    """Accepts the request and never answers."""
    await asyncio.Event().wait()
    raise AssertionError("unreachable")


def livy_pages(sessions: list[dict[str, Any]], total: int | None = None, seen: list[str] | None = None) -> Handler:
    """GET /sessions or /batches paged with from/size, as Livy does; ``total`` may lie."""
    async def handler(request: web.Request) -> web.Response:
        if seen is not None:
            seen.append(request.path_qs)
        start, size = int(request.query.get("from", 0)), int(request.query.get("size", 100))
        page = sessions[start : start + size] if request.path == "/sessions" else []
        return reply({"from": start, "total": len(sessions) if total is None else total, "sessions": page})
    return handler

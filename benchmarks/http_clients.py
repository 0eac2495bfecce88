"""Which async HTTP client the server extension should use for Livy, Spark and YARN: measured.

Compares httpx (httpcore pool), tornado's AsyncHTTPClient (simple_httpclient, shipped with
Jupyter), aiohttp (if installed) and the extension's own ``upstream.Http`` on what the upstream
layer needs:

- throughput: requests/s through 32 concurrent slots against a local server answering after 50 ms;
- CPU per request in this process (the test server runs in a child process, so it is not counted);
- cancellation: hundreds of requests queued on a hanging server are cancelled (as a refresh's
  timeouts do), then one request to a healthy path must succeed at once. Run with and without a
  semaphore in front of the client's own pool (the semaphore is what ``upstream.Http`` does).

Every server binds 127.0.0.1 on a free port. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/http_clients.py [--requests 1000] [--cancelled 300] [--delay-ms 50]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import time
from typing import Awaitable, Callable

SLOTS = 32  # concurrent upstream requests, as HttpSettings.max_per_host


def serve(port_queue, delay: float) -> None:
    """HTTP/1.1 keep-alive server: ``/ok`` answers ``{}`` after ``delay``, ``/hang`` never answers."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                if b"GET /hang" in head.split(b"\r\n", 1)[0]:
                    await reader.read()  # until the client gives up and closes
                    return
                await asyncio.sleep(delay)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
        port_queue.put(server.sockets[0].getsockname()[1])
        await server.serve_forever()

    asyncio.run(main())


class HttpxClient:
    name = "httpx"

    async def open(self) -> None:
        import httpx

        self._client = httpx.AsyncClient(limits=httpx.Limits(max_connections=SLOTS), timeout=httpx.Timeout(30.0))

    async def get(self, url: str) -> bytes:
        return (await self._client.get(url)).content

    async def close(self) -> None:
        await self._client.aclose()


class TornadoClient:
    name = "tornado simple_httpclient"

    async def open(self) -> None:
        from tornado.httpclient import AsyncHTTPClient

        self._client = AsyncHTTPClient(force_instance=True, max_clients=SLOTS)

    async def get(self, url: str) -> bytes:
        return (await self._client.fetch(url, connect_timeout=30, request_timeout=30)).body

    async def close(self) -> None:
        self._client.close()


class AiohttpClient:
    name = "aiohttp"

    async def open(self) -> None:
        import aiohttp

        self._client = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=SLOTS),
                                             timeout=aiohttp.ClientTimeout(total=30))

    async def get(self, url: str) -> bytes:
        async with self._client.get(url) as response:
            return await response.read()

    async def close(self) -> None:
        await self._client.close()


class UpstreamClient:
    """What the extension uses: ``upstream.Http`` (its own HTTP/1.1 client), turns included."""
    name = "upstream.Http (ours)"

    async def open(self) -> None:
        import sys
        from pathlib import Path

        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from jupyterlab_livy_capacity.upstream import Http, HttpSettings

        self._client = Http(HttpSettings(connect_timeout=30, request_timeout=30, max_per_host=SLOTS))

    async def get(self, url: str) -> bytes:
        return (await self._client.request(url)).body

    async def close(self) -> None:
        await self._client.close()


def clients() -> list:
    found = [HttpxClient(), TornadoClient(), UpstreamClient()]
    try:
        import aiohttp  # noqa: F401

        found.append(AiohttpClient())
    except ImportError:
        print("aiohttp not installed: not compared")
    return found


def bounded(get: Callable[[str], Awaitable[bytes]], semaphore: asyncio.Semaphore | None):
    async def run(url: str) -> bytes:
        if semaphore is None:
            return await get(url)
        async with semaphore:
            return await get(url)
    return run


async def throughput(client, base: str, requests: int) -> tuple[float, float]:
    """(requests per second, CPU milliseconds per request)."""
    get = bounded(client.get, asyncio.Semaphore(SLOTS))
    await asyncio.gather(*(get(f"{base}/ok") for _ in range(SLOTS)))  # warm the pool
    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(get(f"{base}/ok") for _ in range(requests)))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return requests / wall, cpu * 1000 / requests


async def after_cancellation(client, base: str, cancelled: int, with_semaphore: bool) -> str:
    """Queues ``cancelled`` requests on /hang, cancels them all, then times one request to /ok."""
    get = bounded(client.get, asyncio.Semaphore(SLOTS) if with_semaphore else None)
    results = []
    for _ in range(3):  # rounds: a leak that needs several rounds to fill the pool shows too
        tasks = [asyncio.ensure_future(get(f"{base}/hang")) for _ in range(cancelled)]
        await asyncio.sleep(0.3)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        started = time.perf_counter()
        try:
            await asyncio.wait_for(get(f"{base}/ok"), 3.0)
            results.append(f"{(time.perf_counter() - started) * 1000:.0f} ms")
        except asyncio.TimeoutError:
            results.append("WEDGED (no answer in 3 s)")
        except Exception as error:  # noqa: BLE001 - a benchmark reports every failure
            results.append(f"failed: {type(error).__name__}")
    return ", ".join(results)


async def measure(base: str, requests: int, cancelled: int) -> None:
    print(f"{'client':<27} {'req/s':>7} {'CPU ms/req':>11}   next request after {cancelled} cancelled (3 rounds)")
    for client in clients():
        await client.open()
        try:
            rate, cpu = await throughput(client, base, requests)
            raw = await after_cancellation(client, base, cancelled, with_semaphore=False)
        finally:
            await client.close()
        await client.open()  # a fresh pool: the raw run may have wedged the first one
        try:
            guarded = await after_cancellation(client, base, cancelled, with_semaphore=True)
        finally:
            await client.close()
        print(f"{client.name:<27} {rate:>7.0f} {cpu:>11.2f}   pool only: {raw}")
        print(f"{'':<27} {'':>7} {'':>11}   semaphore({SLOTS}) in front: {guarded}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--cancelled", type=int, default=300)
    parser.add_argument("--delay-ms", type=float, default=50.0)
    args = parser.parse_args()
    ports = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve, args=(ports, args.delay_ms / 1000), daemon=True)
    server.start()
    try:
        base = f"http://127.0.0.1:{ports.get(timeout=10)}"
        print(f"server latency {args.delay_ms:.0f} ms, {SLOTS} slots, {args.requests} requests per client")
        asyncio.run(measure(base, args.requests, args.cancelled))
    finally:
        server.terminate()
        server.join(5)


if __name__ == "__main__":
    main()

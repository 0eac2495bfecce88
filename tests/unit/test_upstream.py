"""The upstream client: no wedge after cancellations, time on the wire only, bounded paging and
bodies, and errors that never echo an upstream body."""

import asyncio
import contextlib
import itertools
import socket
import ssl
import subprocess
import time

import pytest
from aiohttp import web
from fake_upstream import hang, livy_pages, reply, serve

from jupyterlab_livy_capacity.sparkmagic_config import Endpoint
from jupyterlab_livy_capacity.upstream import Http, HttpSettings, LivyClient, UpstreamError

MIB = 1024 * 1024


async def ok(request):
    return reply({"ok": True})


def session(i, **extra):
    return {"id": i, "state": "idle", "kind": "pyspark", **extra}


async def test_cancelled_queued_requests_leave_the_client_usable():
    """Hundreds of requests to a hanging host, queued and on the wire, all cancelled (as a refresh's
    deadline does), three times over: the next request to that server and a Livy listing succeed."""
    http = Http(HttpSettings(connect_timeout=1, request_timeout=30, max_per_host=8))
    try:
        async with serve({"/hang": hang, "/ok": ok, "/sessions": livy_pages([session(1)])}) as base:
            for _ in range(3):
                tasks = [asyncio.ensure_future(http.get_json(f"{base}/hang")) for _ in range(300)]
                await asyncio.sleep(0.2)
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                assert await asyncio.wait_for(http.get_json(f"{base}/ok"), 2) == {"ok": True}
            listing = await asyncio.wait_for(LivyClient(http, Endpoint("livy", base)).list_all(), 2)
            assert [s["id"] for s in listing.items] == [1]
    finally:
        await http.close()


async def test_cancelled_connects_do_not_wedge_other_hosts():
    """Requests cancelled while still connecting (a host whose listen backlog is full) must not
    take connection slots that other hosts need (encode/httpcore#1093)."""
    with socket.socket() as stuck:
        stuck.bind(("127.0.0.1", 0))
        stuck.listen(0)  # never accepted: after the backlog fills, connects hang
        stuck_url = f"http://127.0.0.1:{stuck.getsockname()[1]}/x"
        http = Http(HttpSettings(connect_timeout=30, request_timeout=30))
        try:
            async with serve({"/ok": ok}) as base:
                for _ in range(3):
                    tasks = [asyncio.ensure_future(http.get_json(stuck_url)) for _ in range(100)]
                    await asyncio.sleep(0.2)
                    for task in tasks:
                        task.cancel()
                    await asyncio.gather(*tasks, return_exceptions=True)
                assert await asyncio.wait_for(http.get_json(f"{base}/ok"), 2) == {"ok": True}
        finally:
            await http.close()


async def test_timeout_counts_time_on_the_wire_not_time_queued():
    """60 requests of 0.3 s each through 8 slots take ~2.4 s in all, yet none may time out at 1 s."""
    async def slow(request):
        await asyncio.sleep(0.3)
        return reply({})

    http = Http(HttpSettings(connect_timeout=1, request_timeout=1, max_per_host=8))
    try:
        async with serve({"/slow": slow}) as base:
            results = await asyncio.gather(*(http.get_json(f"{base}/slow") for _ in range(60)),
                                           return_exceptions=True)
        assert results == [{}] * 60
    finally:
        await http.close()


@pytest.mark.parametrize("sessions, total, warning", [
    ([session(i) for i in range(150)], 10**9, "returned an empty page"),  # total larger than what pages give
    ([session(i) for i in range(5)], 10**9, "already listed"),  # the same page whatever `from` says
])
async def test_paging_stops_and_says_why(sessions, total, warning):
    seen = []
    pages = livy_pages(sessions, total, seen)
    if warning == "already listed":
        async def pages(request, inner=pages):  # noqa: F811 - Livy ignoring `from`
            seen.append(request.path_qs)
            return reply({"from": 0, "total": total, "sessions": sessions})
    http = Http()
    try:
        async with serve({"/sessions": pages}) as base:
            started = time.monotonic()
            listing = await LivyClient(http, Endpoint("livy", base)).list_all()
        assert time.monotonic() - started < 5
        assert sorted(s["id"] for s in listing.items) == [s["id"] for s in sessions]
        assert any(warning in w for w in listing.warnings), listing.warnings
        assert len(seen) <= LivyClient.MAX_ITEMS // LivyClient.PAGE_SIZE
    finally:
        await http.close()


async def test_paging_stops_at_the_hard_cap():
    endless = [session(i) for i in range(LivyClient.MAX_ITEMS + 500)]
    http = Http()
    try:
        async with serve({"/sessions": livy_pages(endless)}) as base:
            listing = await LivyClient(http, Endpoint("livy", base)).list_all()
        assert len(listing.items) == LivyClient.MAX_ITEMS
        assert listing.warnings == [f"Livy reports {len(endless)} sessions; only the first "
                                    f"{LivyClient.MAX_ITEMS} are listed."]
    finally:
        await http.close()


async def test_first_page_then_the_rest_concurrently():
    in_flight, most, order = 0, 0, []

    async def pages(request):
        nonlocal in_flight, most
        order.append(int(request.query["from"]))
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.05)
        in_flight -= 1
        start = int(request.query["from"])
        return reply({"from": start, "total": 450, "sessions": [session(i) for i in range(start, min(start + 100, 450))]})

    http = Http()
    try:
        async with serve({"/sessions": pages}) as base:
            listing = await LivyClient(http, Endpoint("livy", base)).list_all()
        assert len(listing.items) == 450 and listing.warnings == []
        assert order[0] == 0 and sorted(order[1:]) == [100, 200, 300, 400] and most == 4
    finally:
        await http.close()


@pytest.mark.parametrize("chunked", [False, True])
async def test_bodies_larger_than_the_limit_are_not_read(chunked):
    async def huge(request):
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        if chunked:
            response.enable_chunked_encoding()
        else:
            response.content_length = 17 * MIB
        await response.prepare(request)
        for _ in range(17):
            await response.write(b" " * MIB)
        return response

    http = Http()
    try:
        async with serve({"/huge": huge}) as base:
            with pytest.raises(UpstreamError) as info:
                await http.get_json(f"{base}/huge")
        assert info.value.kind == "too_large" and "16 MiB" in info.value.message
    finally:
        await http.close()


@pytest.mark.parametrize("status, body, content_type, shown, hidden", [
    (200, "<html>private page</html>", "text/html", "expected JSON, got text/html, 25 bytes", "private"),
    (500, "<html>stack trace</html>", "text/html", "HTTP 500 (text/html, 24 bytes)", "stack"),
    (404, '{"msg": "Session \'7\' not found."}', "application/json", "HTTP 404: Session '7' not found.", None),
])
async def test_errors_never_echo_an_unexpected_body(status, body, content_type, shown, hidden):
    async def answer(request):
        return web.Response(status=status, text=body, content_type=content_type)

    http = Http()
    try:
        async with serve({"/x": answer}) as base:
            with pytest.raises(UpstreamError) as info:
                await http.get_json(f"{base}/x")
        assert shown in info.value.message
        assert hidden is None or hidden not in str(info.value)
    finally:
        await http.close()


async def test_non_finite_numbers_from_upstream_become_null():
    async def nan(request):
        return web.Response(text='{"a": NaN, "b": Infinity, "c": 1e999, "d": 1.5}', content_type="application/json")

    http = Http()
    try:
        async with serve({"/x": nan}) as base:
            assert await http.get_json(f"{base}/x") == {"a": None, "b": None, "c": None, "d": 1.5}
    finally:
        await http.close()


async def test_userinfo_never_appears_in_errors():
    error = UpstreamError("unreachable", "http://alice:s3cret@127.0.0.1:9/x", "down")
    assert "s3cret" not in str(error) and error.url == "http://127.0.0.1:9/x"


@pytest.mark.parametrize("framing", ["length", "chunked", "close", "gzip"])
async def test_every_response_framing_is_read(framing):
    """Content-Length, chunked (with trailers), close-delimited and gzip bodies, several in a row
    on kept-alive connections."""
    import gzip

    payload = b'{"items": [' + b", ".join(b'{"id": %d}' % i for i in range(2000)) + b"]}"

    async def answer(request):
        if framing == "gzip":
            return web.Response(body=gzip.compress(payload), content_type="application/json",
                                headers={"Content-Encoding": "gzip"})
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        if framing == "chunked":
            response.enable_chunked_encoding()
        elif framing == "length":
            response.content_length = len(payload)
        else:
            response.force_close()
        await response.prepare(request)
        for start in range(0, len(payload), 7000):
            await response.write(payload[start:start + 7000])
        await response.write_eof()
        return response

    http = Http()
    try:
        async with serve({"/x": answer}) as base:
            for _ in range(3):
                assert (await http.get_json(f"{base}/x"))["items"][-1] == {"id": 1999}
    finally:
        await http.close()


async def test_a_kept_alive_connection_the_server_closed_is_replaced():
    http = Http(HttpSettings(max_per_host=1))
    try:
        async with serve({"/ok": ok}) as base:
            assert await http.get_json(f"{base}/ok") == {"ok": True}
        async with serve({"/ok": ok}) as other:  # the first server closed its connections
            assert await http.get_json(f"{other}/ok") == {"ok": True}
        # a server that closes idle connections between requests
        async def closing(request):
            response = reply({"ok": True})
            response.force_close()
            return response
        async with serve({"/ok": closing}) as base:
            for _ in range(3):
                assert await http.get_json(f"{base}/ok") == {"ok": True}
    finally:
        await http.close()


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory):
    """A certificate for 127.0.0.1 that no authority signed, made with Debian's openssl."""
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(folder / "key.pem"),
                    "-out", str(folder / "cert.pem")], check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    return context


async def test_tls_is_verified_unless_the_endpoint_says_not_to(self_signed):
    async def version(request):
        return reply({"version": "0.7.1", "auth": request.headers.get("Authorization")})

    app = web.Application()
    app.router.add_get("/version", version)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=self_signed)
    await site.start()
    url = f"https://127.0.0.1:{runner.addresses[0][1]}/version"
    http = Http()
    try:
        with pytest.raises(UpstreamError) as refused:
            await http.get_json(url)
        assert refused.value.kind == "unreachable" and "TLS failed" in refused.value.message
        # verify_ssl false in the SparkMagic config: encrypted, not verified; Basic auth still sent.
        answer = await http.get_json(url, verify=False, username="u", password="p")
        assert answer == {"version": "0.7.1", "auth": "Basic dTpw"}
    finally:
        await http.close()
        await runner.cleanup()


@contextlib.asynccontextmanager
async def raw_server(on_request):
    """A bare HTTP/1.1 server on 127.0.0.1: ``on_request(request_number_on_its_connection)`` gives
    the bytes to answer with and whether to keep the connection open after them."""
    connections = []

    async def handle(reader, writer):
        connections.append(writer)
        try:
            for request in itertools.count(1):
                await reader.readuntil(b"\r\n\r\n")
                answer, keep_open = on_request(request)
                writer.write(answer)
                await writer.drain()
                if not keep_open:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", connections
    finally:
        server.close()


ANSWER = (b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n{"ok": true}', True)
DROP = (b"", False)  # closed unanswered
PART = (ANSWER[0][:20], False)  # closed in the middle of the status line


async def test_a_reused_connection_closed_before_any_answer_is_tried_once_more():
    # The race keep-alive clients must handle: the server drops an idle connection as a request leaves.
    http = Http(HttpSettings(max_per_host=1))
    try:
        async with raw_server(lambda request: ANSWER if request == 1 else DROP) as (base, connections):
            for _ in range(3):
                assert await http.get_json(f"{base}/x") == {"ok": True}
            assert len(connections) == 3  # each second request on a connection went again on a new one
    finally:
        await http.close()


@pytest.mark.parametrize("first, second", [
    (DROP, None),  # a fresh connection closed unanswered: sending again would not help
    (PART, None),  # part of an answer came
    (ANSWER, PART),  # part of an answer on a reused connection: the request may have been acted on
])
async def test_a_connection_broken_otherwise_is_an_error_not_a_retry(first, second):
    http = Http(HttpSettings(max_per_host=1))
    try:
        async with raw_server(lambda request: first if request == 1 else second) as (base, connections):
            if second is not None:
                assert await http.get_json(f"{base}/x") == {"ok": True}
            with pytest.raises(UpstreamError) as raised:
                await http.get_json(f"{base}/x")
            assert raised.value.kind == "unreachable" and "connection broken" in raised.value.message
            assert len(connections) == 1
    finally:
        await http.close()


@pytest.mark.parametrize("expected, total, first_round, second_round", [
    (450, 450, [0, 100, 200, 300, 400], []),  # the count held: every page at once
    (250, 450, [0, 100, 200], [300, 400]),  # it grew: the pages it did not fill follow
    (450, 120, [0, 100, 200, 300, 400], []),  # it shrank: pages past the total are dropped
    (0, 450, [0], [100, 200, 300, 400]),  # nothing known: page 1 first
])
async def test_the_pages_the_last_listing_filled_are_asked_for_with_the_first(expected, total, first_round,
                                                                              second_round):
    rounds: list[list[int]] = [[]]
    release = asyncio.Event()

    async def pages(request):
        start = int(request.query["from"])
        if release.is_set() and start not in rounds[-1] and len(rounds) == 1:
            rounds.append([])
        rounds[-1].append(start)
        await asyncio.sleep(0.2)  # the requests of one round all arrive while the first waits
        release.set()
        return reply({"from": start, "total": total,
                      "sessions": [session(i) for i in range(start, min(start + 100, total))]})

    http = Http()
    try:
        async with serve({"/sessions": pages}) as base:
            listing = await LivyClient(http, Endpoint("livy", base)).list_all("sessions", expected)
        assert [s["id"] for s in listing.items] == list(range(total)) and listing.warnings == []
        assert sorted(rounds[0]) == first_round and sorted(rounds[1] if len(rounds) > 1 else []) == second_round
    finally:
        await http.close()

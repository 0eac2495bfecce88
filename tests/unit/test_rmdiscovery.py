"""Finding a YARN ResourceManager next to Livy: candidates (pure), and probes against tiny real HTTP
servers on 127.0.0.1, through the project's own client (``upstream.Http.get_json``)."""

import asyncio
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from jupyterlab_livy_capacity import rmdiscovery as R
from jupyterlab_livy_capacity.upstream import Http, HttpSettings

CLUSTER_INFO = {"clusterInfo": {"id": 1700000000000, "state": "STARTED", "haState": "ACTIVE",
                                "resourceManagerVersion": "3.3.6", "hadoopVersion": "3.3.6"}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """Answers every GET with one (status, JSON body) after `delay` seconds, and counts requests."""

    def __init__(self, body, status=200, delay=0.0, port=None):
        self.requests = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                time.sleep(delay)
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                try:
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the prober gave up first (the timeout test): expected


            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port or 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def servers():
    started = []

    def start(*args, **kwargs):
        started.append(Server(*args, **kwargs))
        return started[-1]

    yield start
    for server in started:
        server.close()


@pytest.fixture
def get_json(jp_asyncio_loop):
    http = Http(HttpSettings(connect_timeout=1.0, request_timeout=3.0))
    yield http.get_json
    jp_asyncio_loop.run_until_complete(http.close())


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


# --- candidates (pure) ---------------------------------------------------------------------------

def test_spark_ui_url_on_yarn_gives_the_proxy_origin_then_its_host_at_the_rm_port():
    emr = "http://ip-10-0-0-9.ec2.internal:20888/proxy/application_1700000000000_0001/"
    assert R.candidates_from_spark_ui(emr) == [
        R.Candidate("http://ip-10-0-0-9.ec2.internal:20888", "from the host of the sparkUiUrl Livy reports"),
        R.Candidate("http://ip-10-0-0-9.ec2.internal:8088", "from the host of the sparkUiUrl Livy reports, at port 8088"),
    ]
    assert R.candidates_from_spark_ui("http://rm:8088/proxy/application_1_0001/") == [
        R.Candidate("http://rm:8088", "from the host of the sparkUiUrl Livy reports")]
    # A driver's own UI (standalone, local) is no ResourceManager.
    assert R.candidates_from_spark_ui("http://10.0.0.5:4040") == []


def test_candidates_most_specific_first_each_once():
    glue = R.Candidate("http://172.31.0.7:8088", R.FROM_GLUE)
    urls = R.candidate_rm_urls("https://master:8998", ["http://master:8088/proxy/application_1_0001/", None,
                                                       "http://master:8088/proxy/application_1_0002/"], [glue])
    assert urls == [glue, R.Candidate("http://master:8088", "from the host of the sparkUiUrl Livy reports")]
    assert R.candidate_rm_urls("http://[fd00::5]:8998") == [
        R.Candidate("http://[fd00::5]:8088", "from the Livy host's port 8088")]


def test_only_a_cluster_info_answer_counts():
    assert R.cluster_info(CLUSTER_INFO)["resourceManagerVersion"] == "3.3.6"
    assert R.cluster_info({"clusterInfo": {"id": 1}}) is None
    assert R.cluster_info({"beans": []}) is None
    assert R.cluster_info(["clusterInfo"]) is None


# --- probes against real local servers -----------------------------------------------------------

async def test_finds_the_rm_on_the_livy_host_and_remembers_it(servers, get_json):
    rm = servers(CLUSTER_INFO)
    discovery = R.RmDiscovery(get_json, timeout=1.0, rm_port=rm.port)
    result = await discovery.find("http://127.0.0.1:8998")
    assert result["state"] == "found"
    assert result["message"] == f"ResourceManager found at {rm.url}, from the Livy host's port {rm.port}"
    assert result["clusterInfo"]["haState"] == "ACTIVE"
    assert rm.requests == ["/ws/v1/cluster/info"]
    assert await discovery.find("http://127.0.0.1:8998/") is result
    assert len(rm.requests) == 1  # remembered: no second probe
    discovery.forget("http://127.0.0.1:8998")
    await discovery.find("http://127.0.0.1:8998")
    assert len(rm.requests) == 2


async def test_prefers_the_host_livy_reports_in_spark_ui_urls(servers, get_json):
    rm = servers(CLUSTER_INFO)
    # Livy on 127.0.0.2: nothing listens there (the RM binds 127.0.0.1 only).
    discovery = R.RmDiscovery(get_json, timeout=1.0, rm_port=rm.port)
    result = await discovery.find("http://127.0.0.2:8998", [f"{rm.url}/proxy/application_1_0001/"])
    assert (result["url"], result["reason"]) == (rm.url, "from the host of the sparkUiUrl Livy reports")


async def test_emr_style_web_proxy_is_passed_over_for_the_rm_on_its_host(servers, get_json):
    proxy = servers({"error": "not found"}, status=404)
    rm = servers(CLUSTER_INFO)
    discovery = R.RmDiscovery(get_json, timeout=1.0, rm_port=rm.port)
    result = await discovery.find("http://127.0.0.2:8998", [f"{proxy.url}/proxy/application_1_0001/"])
    assert (result["url"], result["reason"]) == (rm.url, f"from the host of the sparkUiUrl Livy reports, at port {rm.port}")
    assert proxy.requests == ["/ws/v1/cluster/info"]


async def test_a_server_that_is_no_rm_does_not_count(servers, get_json):
    other = servers({"version": "0.7.1"})
    result = await R.RmDiscovery(get_json, timeout=1.0, rm_port=other.port).find("http://127.0.0.1:8998")
    assert result["state"] == "not-found"
    assert result["tried"] == [{"url": other.url, "reason": f"from the Livy host's port {other.port}",
                                "error": "answered, but not as a YARN ResourceManager (no clusterInfo)"}]


async def test_short_timeout_and_failures_remembered_for_a_while(servers, get_json):
    slow = servers(CLUSTER_INFO, delay=2.0)
    clock = Clock()
    discovery = R.RmDiscovery(get_json, timeout=0.3, failure_ttl=300, rm_port=slow.port, clock=clock)
    started = time.monotonic()
    result = await discovery.find("http://127.0.0.1:8998")
    assert time.monotonic() - started < 1.5
    assert result["state"] == "not-found"
    assert result["tried"][0]["error"] == "no answer within 0.3s"
    assert "set the ResourceManager web URL in Settings Editor" in result["message"]

    again = await discovery.find("http://127.0.0.1:8998")
    assert discovery.probes_sent == 1  # the failed candidate is left alone
    assert again["tried"][0]["error"] == "no answer within 0.3s (remembered)"
    clock.now += 300
    await discovery.find("http://127.0.0.1:8998")
    assert discovery.probes_sent == 2


async def test_a_new_candidate_is_probed_at_once_and_a_closed_port_reported(servers, get_json):
    closed = free_port()
    discovery = R.RmDiscovery(get_json, timeout=1.0, rm_port=closed)
    first = await discovery.find("http://127.0.0.1:8998")
    assert first["state"] == "not-found" and "cannot connect" in first["tried"][0]["error"]
    rm = servers(CLUSTER_INFO)  # a session appears, and Livy reports its sparkUiUrl
    found = await discovery.find("http://127.0.0.1:8998", [f"{rm.url}/proxy/application_1_0001/"])
    assert found["url"] == rm.url


async def test_concurrent_searches_share_one_set_of_probes(servers, get_json):
    rm = servers(CLUSTER_INFO, delay=0.2)
    discovery = R.RmDiscovery(get_json, timeout=1.0, rm_port=rm.port)
    results = await asyncio.gather(*(discovery.find("http://127.0.0.1:8998") for _ in range(4)))
    assert all(r is results[0] for r in results)
    assert len(rm.requests) == 1


async def test_lookup_answers_at_once_and_searches_in_the_background(servers, get_json):
    rm = servers(CLUSTER_INFO, delay=0.2)
    discovery = R.RmDiscovery(get_json, timeout=1.0, rm_port=rm.port)
    started = time.monotonic()
    assert discovery.lookup("http://127.0.0.1:8998") == {"source": "rm-discovery", "state": "pending"}
    assert discovery.lookup("http://127.0.0.1:8998")["state"] == "pending"
    assert time.monotonic() - started < 0.1  # never waits for the 0.2 s answer
    found = await discovery.find("http://127.0.0.1:8998")  # joins the search lookup() started
    assert discovery.lookup("http://127.0.0.1:8998") is found
    assert len(rm.requests) == 1

"""Glue dev endpoint discovery against moto's AWS-protocol server, and the pure capacity model.

moto runs as its own process (``moto_server``) on 127.0.0.1 and a free port; boto3 talks to it over
HTTP with the real Glue protocol, so paging, error shapes and retries are the wire's. A second
moto process enforces IAM (moto keeps that switch process-wide) for the AccessDenied cases.
"""

import json
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

from jupyterlab_livy_capacity import glue as G

ROLE = "arn:aws:iam::123456789012:role/glue-dev"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(url: str, body: bytes = b"") -> None:
    # moto reads reset-auth's count from the raw body: no form content type.
    urllib.request.urlopen(urllib.request.Request(url, data=body, method="POST",
                                                  headers={"Content-Type": "text/plain"}), timeout=5)


def start_moto_server():
    port = free_port()
    process = subprocess.Popen([str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(f"{url}/moto-api/", timeout=1)
            return process, url
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"moto_server did not start on {url}")
            time.sleep(0.1)


@pytest.fixture(scope="module")
def moto_url():
    process, url = start_moto_server()
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def aws_env(monkeypatch):
    """boto3's default chain sees test keys and us-east-1 from the environment, and nothing else
    (no profile files, no instance metadata)."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                 "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_GLUE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    return monkeypatch


@pytest.fixture
def moto(moto_url, aws_env):
    post(f"{moto_url}/moto-api/reset")
    return moto_url


def glue_client(url: str, region: str = "us-east-1"):
    return boto3.client("glue", endpoint_url=url, region_name=region)


def create(url: str, name: str, worker_type: str, count: int, region: str = "us-east-1", **extra) -> None:
    # Standard endpoints are sized in DPUs (NumberOfNodes), G.* in workers.
    size = {"NumberOfNodes": count} if worker_type == "Standard" else {"WorkerType": worker_type, "NumberOfWorkers": count}
    glue_client(url, region).create_dev_endpoint(EndpointName=name, RoleArn=ROLE, **size, **extra)


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def discovery(url: str, **options) -> G.GlueDiscovery:
    return G.GlueDiscovery(endpoint_url=url, connect_timeout=1, read_timeout=3, max_attempts=1, **options)


# --- the capacity model: AWS's table, and the same numbers as src/capacity.ts ----------------------

@pytest.mark.parametrize("worker_type, count, executors, memory, cores, driver", [
    ("Standard", 2, 1, 5, 4, 5),       # (DPU - 1) * 2 - 1
    ("Standard", 10, 17, 5, 4, 5),
    ("G.1X", 2, 1, 10, 8, 10),         # workers - 1
    ("G.1X", 10, 9, 10, 8, 10),        # AWS's example: 9 executors, 90G of executor memory
    ("G.2X", 10, 9, 20, 16, 20),
    ("G.2X", 50, 49, 20, 16, 20),
])
def test_glue_capacity_follows_the_aws_table(worker_type, count, executors, memory, cores, driver):
    assert G.glue_capacity(worker_type, count) == {
        "maxExecutors": executors, "executorMemoryGiB": memory, "executorCores": cores, "driverMemoryGiB": driver,
        "totalExecutorMemoryGiB": executors * memory, "totalExecutorCores": executors * cores}


def test_the_frontend_table_in_src_capacity_ts_says_the_same():
    """The panel still computes capacity from typed settings in TypeScript: both tables must agree."""
    source = (Path(__file__).resolve().parents[2] / "src" / "capacity.ts").read_text()
    table = source[source.index("GLUE_WORKER_TYPES"):source.index("MIN_GLUE_COUNT")]
    blocks = dict(re.findall(r"'?(Standard|G\.1X|G\.2X)'?: \{(.*?)\n  \}", table, re.S))
    assert set(blocks) == set(G.GLUE_WORKER_TYPES)
    for name, spec in G.GLUE_WORKER_TYPES.items():
        fields = dict(re.findall(r"(\w+): ([^,\n]+)", blocks[name]))
        assert (int(fields["executorMemoryGiB"]), int(fields["executorCores"]), int(fields["driverMemoryGiB"]),
                fields["unit"].strip("'")) == (spec.executor_memory_gib, spec.executor_cores, spec.driver_memory_gib,
                                               spec.unit)
        variable, formula = fields["maxExecutors"].split(" => ")
        for count in range(2, 30):  # the arrow body is a Python expression too
            assert eval(formula, {}, {variable: count}) == spec.max_executors(count)


def test_g1x_times_10_is_90g_of_executor_memory():
    assert G.glue_capacity("G.1X", 10)["totalExecutorMemoryGiB"] == 90


@pytest.mark.parametrize("worker_type, count, message", [
    ("G.4X", 10, 'workerType "G.4X" is not a Glue dev endpoint worker type; use one of Standard, G.1X, G.2X'),
    ("G.1X", 1, "numberOfWorkers must be a whole number of workers of at least 2 for G.1X, not 1"),
    ("Standard", None, "numberOfWorkers must be a whole number of DPUs of at least 2 for Standard, not None"),
    ("G.2X", 2.5, "numberOfWorkers must be a whole number of workers of at least 2 for G.2X, not 2.5"),
])
def test_glue_capacity_names_the_bad_field_like_the_frontend(worker_type, count, message):
    with pytest.raises(ValueError) as error:
        G.glue_capacity(worker_type, count)
    assert str(error.value) == message


def test_dev_endpoint_sizing_uses_dpus_for_standard_and_workers_for_g_types():
    # An endpoint created with DPUs only has no WorkerType: it is Standard.
    assert G.capacity_from_dev_endpoint({"NumberOfNodes": 5, "NumberOfWorkers": 1}) == {
        "details": {"clusterKind": "glue", "workerType": "Standard", "numberOfWorkers": 5},
        "capacity": G.glue_capacity("Standard", 5)}
    g2x = G.capacity_from_dev_endpoint({"WorkerType": "G.2X", "NumberOfWorkers": 4, "NumberOfNodes": 1})
    assert (g2x["details"]["numberOfWorkers"], g2x["capacity"]["maxExecutors"]) == (4, 3)
    assert "capacity" not in G.capacity_from_dev_endpoint({"WorkerType": "G.1X", "NumberOfWorkers": 1})


# --- matching (pure) -------------------------------------------------------------------------------

def test_ec2_dns_names_match_the_bare_ip_and_give_the_region():
    forms = G.host_forms(G.livy_host("http://IP-10-0-0-1.eu-west-1.compute.internal:8998/"))
    assert G.matching_address_field(forms, {"PrivateAddress": "10.0.0.1"}) == "PrivateAddress"
    assert G.matching_address_field(forms, {"PrivateAddress": "10.0.0.2", "PublicAddress": None}) is None
    assert G.region_from_host("ip-10-0-0-1.eu-west-1.compute.internal") == "eu-west-1"
    assert G.region_from_host("ip-10-0-0-1.ec2.internal") == "us-east-1"
    assert G.region_from_host("ec2-3-4-5-6.compute-1.amazonaws.com") == "us-east-1"
    assert G.region_from_host("ec2-3-4-5-6.us-gov-west-1.compute.amazonaws.com") == "us-gov-west-1"
    assert G.region_from_host("livy.example.com") is None


@pytest.mark.parametrize("address, url", [
    ("172.31.5.6", "http://172.31.5.6:8088"),
    ("ip-172-31-5-6.ec2.internal:8032", "http://ip-172-31-5-6.ec2.internal:8088"),  # RPC port, not the web UI
    ("fd00::1", "http://[fd00::1]:8088"),
    (None, None),
])
def test_yarn_endpoint_address_becomes_a_resource_manager_web_url(address, url):
    assert G.rm_url_from_yarn_address(address) == url


# --- what the user set wins (pure) ---------------------------------------------------------------

GLUE_OK = {"source": "glue", "state": "ok", "summary": "Glue: G.1X × 10 workers, from GetDevEndpoints",
           "details": {"clusterKind": "glue", "workerType": "G.1X", "numberOfWorkers": 10}}
RM_FOUND = {"state": "found", "url": "http://10.0.0.1:8088",
            "message": "ResourceManager found at http://10.0.0.1:8088, from the Livy host's port 8088"}


def test_settings_sizing_wins_whole_over_discovery():
    settings = {"clusterKind": "glue", "workerType": "G.2X", "numberOfWorkers": 4}
    merged = G.effective_endpoint_details(settings, GLUE_OK, RM_FOUND)
    assert merged["details"] == {**settings, "yarnResourceManagerUrl": "http://10.0.0.1:8088"}
    assert merged["sources"] == {"capacity": "Settings Editor", "yarnResourceManagerUrl": RM_FOUND["message"]}
    custom = {"clusterKind": "custom", "custom": {"executors": 3, "executorMemoryGiB": 1, "executorCores": 1,
                                                  "driverMemoryGiB": 1}}
    assert G.effective_endpoint_details(custom, GLUE_OK)["details"] == custom  # no discovered workerType mixed in


def test_discovery_fills_what_the_settings_leave_out():
    merged = G.effective_endpoint_details({"yarnResourceManagerUrl": "http://rm:8088"}, GLUE_OK, RM_FOUND)
    assert merged["details"] == {**GLUE_OK["details"], "yarnResourceManagerUrl": "http://rm:8088"}
    assert merged["sources"] == {"capacity": GLUE_OK["summary"], "yarnResourceManagerUrl": "Settings Editor"}
    failed = {"source": "glue", "state": "error", "error": {"kind": "no-match", "message": "…"}}
    assert G.effective_endpoint_details(None, failed, {"state": "not-found"}) == {"details": {}, "sources": {}}


@pytest.mark.parametrize("details, executors", [
    ({"clusterKind": "glue", "workerType": "G.1X", "numberOfWorkers": 10}, 9),
    ({"clusterKind": "glue", "workerType": "Standard", "numberOfWorkers": 10}, 17),
    ({"clusterKind": "glue", "workerType": "G.9X", "numberOfWorkers": 10}, None),
    ({"clusterKind": "custom", "custom": {"executors": 6}}, 6),
    ({"clusterKind": "custom", "custom": {"executors": True}}, None),
    ({"sparkMasterUrl": "http://m:8080"}, None),
])
def test_cluster_executors_from_endpoint_details(details, executors):
    assert G.executors_from_details(details) == executors


# --- the documented AWS error shapes (real Glue: AccessDeniedException with HTTP 400) --------------

def client_error(code: str, status: int, message: str = "") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}},
                       "GetDevEndpoints")


def test_real_glue_access_denied_shape_names_the_permission():
    error = client_error("AccessDeniedException", 400, "User: arn:aws:sts::1:assumed-role/nb/x is not authorized to "
                                                       "perform: glue:GetDevEndpoints on resource: *")
    result = G.classify_aws_error(error, "GetDevEndpoints", G.LIST_PERMISSION, "us-east-1")
    assert result["error"]["kind"] == "access-denied"
    assert "needs the IAM permission glue:GetDevEndpoints" in result["error"]["message"]
    expired = G.classify_aws_error(client_error("ExpiredTokenException", 400), "GetDevEndpoints", "", "us-east-1")
    assert expired["error"]["kind"] == "no-credentials"
    throttled = G.classify_aws_error(client_error("ThrottlingException", 400), "GetDevEndpoints", "", "us-east-1")
    assert throttled["error"]["kind"] == "aws-error"


# --- discovery against moto ------------------------------------------------------------------------

@pytest.mark.parametrize("worker_type, count, executors", [("Standard", 10, 17), ("G.1X", 10, 9), ("G.2X", 5, 4)])
async def test_discovers_each_worker_type_by_public_address(moto, worker_type, count, executors):
    create(moto, "other", "G.1X", 3)
    create(moto, "team-dev", worker_type, count)
    glue = discovery(moto)
    url = "http://team-dev.glue.amazonaws.com:8998"
    assert glue.lookup(url) == {"source": "glue", "state": "pending"}
    result = await glue.settled(url)
    assert result["state"] == "ok", result
    assert (result["endpointName"], result["workerType"], result["matchedBy"], result["operation"]) == (
        "team-dev", worker_type, "PublicAddress", "GetDevEndpoints")
    assert result["capacity"]["maxExecutors"] == executors
    assert result["details"] == {"clusterKind": "glue", "workerType": worker_type, "numberOfWorkers": count}
    assert (result["status"], result["region"]) == ("READY", "us-east-1")
    assert result["summary"].startswith(f"Glue: {worker_type} × {count} ")
    assert result["resourceManagerCandidate"] == "http://yarn-team-dev.glue.amazonaws.com:8088"
    json.dumps(result)  # served as is


async def test_discovers_by_yarn_endpoint_address(moto):
    create(moto, "etl", "G.1X", 10)
    result = await discovery(moto).settled("http://yarn-etl.glue.amazonaws.com:8998")
    assert (result["endpointName"], result["matchedBy"]) == ("etl", "YarnEndpointAddress")


async def test_discovers_a_vpc_endpoint_by_private_address_and_the_region_its_dns_name_spells(moto, aws_env):
    aws_env.delenv("AWS_DEFAULT_REGION")  # no region in the chain: the EC2 DNS name gives it
    create(moto, "vpc-dev", "G.2X", 3, region="eu-west-1", SubnetId="subnet-1234", SecurityGroupIds=["sg-1"])
    result = await discovery(moto).settled("http://ip-10-0-0-1.eu-west-1.compute.internal:8998")
    assert (result["state"], result["endpointName"], result["matchedBy"], result["region"]) == (
        "ok", "vpc-dev", "PrivateAddress", "eu-west-1")
    no_region = await discovery(moto).settled("http://livy.example.com:8998")
    assert no_region["error"]["kind"] == "no-region"


async def test_discovers_by_name_with_get_dev_endpoint(moto):
    create(moto, "named", "G.1X", 10, SubnetId="subnet-1", SecurityGroupIds=["sg-1"])
    glue = discovery(moto)
    result = await glue.settled("http://localhost:8998", endpoint_name="named")
    assert (result["state"], result["operation"], result["matchedBy"]) == ("ok", "GetDevEndpoint", "name")
    assert result["capacity"]["maxExecutors"] == 9
    assert result["summary"] == "Glue: G.1X × 10 workers, from GetDevEndpoint (named, by name, us-east-1)"
    assert glue.aws_calls == 1
    missing = await glue.settled("http://localhost:8998", endpoint_name="nope")
    assert missing["error"]["kind"] == "no-match"
    assert "No Glue dev endpoint named 'nope' in us-east-1" in missing["error"]["message"]


async def test_region_override_wins_over_the_chain(moto):
    create(moto, "west", "G.1X", 4, region="us-west-2")
    url = "http://west.glue.amazonaws.com:8998"
    assert (await discovery(moto).settled(url))["error"]["kind"] == "no-match"  # the chain says us-east-1
    assert (await discovery(moto).settled(url, region="us-west-2"))["endpointName"] == "west"
    assert (await discovery(moto, region="us-west-2").settled(url))["endpointName"] == "west"


async def test_pages_through_get_dev_endpoints(moto):
    for index in range(7):
        create(moto, f"dev-{index}", "G.1X", 2 + index)
    glue = discovery(moto, page_size=3)
    result = await glue.settled("http://dev-6.glue.amazonaws.com:8998")  # on the third page of 3 + 3 + 1
    assert (result["endpointName"], result["numberOfWorkers"]) == ("dev-6", 8)
    assert glue.aws_calls == 3
    early = discovery(moto, page_size=3)
    await early.settled("http://dev-1.glue.amazonaws.com:8998")
    assert early.aws_calls == 1  # stops at the page that matched


async def test_no_match_says_how_many_were_checked_and_what_to_set(moto):
    for index in range(4):
        create(moto, f"dev-{index}", "Standard", 3)
    glue = discovery(moto, page_size=3)
    result = await glue.settled("http://10.9.9.9:8998")
    assert result["error"]["kind"] == "no-match"
    assert result["checked"] == 4
    assert "None of the 4 Glue dev endpoints in us-east-1 has 10.9.9.9" in result["error"]["message"]
    assert "Set the dev endpoint's name" in result["error"]["message"]
    tunnel = await glue.settled("http://localhost:8998")
    assert "loopback address (an SSH tunnel?)" in tunnel["error"]["message"]


async def test_no_credentials(moto, aws_env):
    aws_env.delenv("AWS_ACCESS_KEY_ID")
    aws_env.delenv("AWS_SECRET_ACCESS_KEY")
    glue = discovery(moto)
    result = await glue.settled("http://x.glue.amazonaws.com:8998")
    assert result["error"]["kind"] == "no-credentials"
    assert "attach a role to the notebook instance" in result["error"]["message"]
    assert glue.aws_calls == 0  # refused before anything is sent


async def test_boto3_missing_says_how_to_enable_discovery(moto, monkeypatch):
    monkeypatch.setitem(sys.modules, "boto3", None)  # `import boto3` now fails as if not installed
    result = await discovery(moto).settled("http://x.glue.amazonaws.com:8998")
    assert result["error"]["kind"] == "boto3-missing"
    assert "pip install jupyterlab-livy-capacity[aws]" in result["error"]["message"]


# --- caching, single flight, refresh off the request path ---------------------------------------

async def test_cached_single_flight_and_refreshed_after_the_ttl(moto):
    create(moto, "shared", "G.1X", 10)
    clock = Clock()
    glue = discovery(moto, ttl=600, clock=clock)
    url = "http://shared.glue.amazonaws.com:8998"
    assert all(glue.lookup(url) == {"source": "glue", "state": "pending"} for _ in range(5))
    first = await glue.settled(url)
    assert glue.aws_calls == 1  # five lookups, one request

    clock.now += 599
    assert glue.lookup(url) is first
    await glue.settled(url)
    assert glue.aws_calls == 1

    glue_client(moto).delete_dev_endpoint(EndpointName="shared")
    create(moto, "shared", "G.2X", 20)
    clock.now += 1
    assert glue.lookup(url) is first  # the old answer at once; the refresh runs in the background
    refreshed = await glue.settled(url)
    assert glue.aws_calls == 2
    assert (refreshed["workerType"], refreshed["capacity"]["maxExecutors"]) == ("G.2X", 19)


async def test_problems_are_cached_for_less_time(moto):
    clock = Clock()
    glue = discovery(moto, ttl=600, error_ttl=60, clock=clock)
    url = "http://later.glue.amazonaws.com:8998"
    assert (await glue.settled(url))["error"]["kind"] == "no-match"
    clock.now += 59
    await glue.settled(url)
    assert glue.aws_calls == 1
    create(moto, "later", "G.1X", 3)
    clock.now += 1
    assert (await glue.settled(url))["endpointName"] == "later"
    assert glue.aws_calls == 2


async def test_a_passing_aws_failure_keeps_the_last_answer_marked_stale(moto):
    create(moto, "steady", "G.1X", 10)
    clock = Clock()
    glue = discovery(moto, clock=clock)
    url = "http://steady.glue.amazonaws.com:8998"
    good = await glue.settled(url)
    glue.endpoint_url = f"http://127.0.0.1:{free_port()}"  # Glue unreachable from now on
    clock.now += glue.ttl
    stale = await glue.settled(url)
    assert stale["stale"] is True and stale["refreshError"]["kind"] == "aws-error"
    assert stale["capacity"] == good["capacity"]
    glue.endpoint_url = moto
    clock.now += glue.error_ttl  # a stale answer is retried as soon as a problem would be
    assert "stale" not in await glue.settled(url)


# --- AccessDenied from moto's IAM enforcement ----------------------------------------------------

@pytest.fixture(scope="module")
def locked_moto():
    """A moto server that enforces IAM, with a user allowed glue:GetDevEndpoint but not
    glue:GetDevEndpoints. Setup runs before enforcement is switched on."""
    process, url = start_moto_server()
    admin = {"endpoint_url": url, "region_name": "us-east-1", "aws_access_key_id": "testing",
             "aws_secret_access_key": "testing"}
    boto3.client("glue", **admin).create_dev_endpoint(EndpointName="guarded", RoleArn=ROLE, WorkerType="G.1X",
                                                      NumberOfWorkers=10)
    iam = boto3.client("iam", **admin)
    iam.create_user(UserName="notebook")
    key = iam.create_access_key(UserName="notebook")["AccessKey"]
    iam.put_user_policy(UserName="notebook", PolicyName="get-one", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "glue:GetDevEndpoint", "Resource": "*"}]}))
    post(f"{url}/moto-api/reset-auth", b"0")
    yield url, key
    process.terminate()
    process.wait(timeout=10)


async def test_access_denied_names_the_missing_permission(locked_moto, aws_env):
    url, key = locked_moto
    aws_env.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    aws_env.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    glue = discovery(url)
    denied = await glue.settled("http://guarded.glue.amazonaws.com:8998")
    assert denied["error"]["kind"] == "access-denied"
    assert "GetDevEndpoints was denied in us-east-1" in denied["error"]["message"]
    assert "needs the IAM permission glue:GetDevEndpoints" in denied["error"]["message"]
    # The permission it has is enough to read the endpoint by name.
    by_name = await glue.settled("http://guarded.glue.amazonaws.com:8998", endpoint_name="guarded")
    assert (by_name["state"], by_name["capacity"]["maxExecutors"]) == ("ok", 9)

"""Finding the AWS Glue development endpoint behind a SparkMagic Livy URL, and its capacity.

Credentials and region come from boto3's default chain (environment, profile, the SageMaker
notebook instance's role), the region overridable. The endpoint is found by name with
``GetDevEndpoint`` when the user gives one, else by matching the Livy URL's host against each
endpoint's ``PrivateAddress``, ``PublicAddress`` and ``YarnEndpointAddress`` (``GetDevEndpoints``,
paged). Dev endpoints rarely change, so :class:`GlueDiscovery` answers from a cache at once and
refreshes it in a worker thread every few minutes: no poll ever waits on AWS.

boto3 is optional (``pip install jupyterlab-livy-capacity[aws]``). It is imported in the worker
thread on first use, so a server without it loses nothing and a server with it does not pay its
import time (~0.3 s) at start. Only :meth:`GlueDiscovery._discover` talks to AWS; the functions
above the class are pure.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit

from .rmdiscovery import RM_WEB_PORT
from .urls import is_loopback

INSTALL_HINT = "pip install jupyterlab-livy-capacity[aws]"
LIST_PERMISSION = "glue:GetDevEndpoints"
GET_PERMISSION = "glue:GetDevEndpoint"
ADDRESS_FIELDS = ("PrivateAddress", "PublicAddress", "YarnEndpointAddress")
# Real Glue answers AccessDeniedException (HTTP 400, JSON protocol); other services and moto's
# IAM layer say AccessDenied with HTTP 403, so the status counts too.
ACCESS_DENIED_CODES = {"AccessDeniedException", "AccessDenied", "UnauthorizedOperation"}
# Credentials that exist but that AWS refuses: the user has to fix them, like missing ones.
BAD_CREDENTIAL_CODES = {
    "ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "UnrecognizedClientException",
    "InvalidSignatureException", "SignatureDoesNotMatch",
}
# Every problem ends with the way around it: typing what discovery would have found.
FALLBACK = "give the worker type and count in Settings Editor → Spark Capacity"


# --- the capacity model (mirrors src/capacity.ts; keep both in step) ----------------------------

@dataclass(frozen=True)
class WorkerType:
    executor_memory_gib: int
    executor_cores: int
    driver_memory_gib: int
    unit: str  # what the count measures, for messages
    max_executors: Callable[[int], int]


# AWS, "How AWS Glue Development Endpoints Work with SageMaker Notebooks": executor size per worker
# type and "the number of max Spark executors" per DPU or worker count.
GLUE_WORKER_TYPES: dict[str, WorkerType] = {
    "Standard": WorkerType(5, 4, 5, "DPUs", lambda dpus: (dpus - 1) * 2 - 1),
    "G.1X": WorkerType(10, 8, 10, "workers", lambda workers: workers - 1),
    "G.2X": WorkerType(20, 16, 20, "workers", lambda workers: workers - 1),
}
MIN_GLUE_COUNT = 2  # the smallest dev endpoint; schema/plugin.json and capacity.ts say the same


def glue_capacity(worker_type: str, count: Any) -> dict[str, int]:
    """``ICapacity`` of src/capacity.ts for a dev endpoint; ValueError names the bad field."""
    spec = GLUE_WORKER_TYPES.get(worker_type)
    if spec is None:
        raise ValueError(f'workerType "{worker_type}" is not a Glue dev endpoint worker type; '
                         f"use one of {', '.join(GLUE_WORKER_TYPES)}")
    if isinstance(count, bool) or not isinstance(count, int) or count < MIN_GLUE_COUNT:
        raise ValueError(f"numberOfWorkers must be a whole number of {spec.unit} of at least {MIN_GLUE_COUNT} "
                         f"for {worker_type}, not {count}")
    executors = spec.max_executors(count)
    return {
        "maxExecutors": executors,
        "executorMemoryGiB": spec.executor_memory_gib,
        "executorCores": spec.executor_cores,
        "driverMemoryGiB": spec.driver_memory_gib,
        "totalExecutorMemoryGiB": executors * spec.executor_memory_gib,
        "totalExecutorCores": executors * spec.executor_cores,
    }


def executors_from_details(details: Mapping[str, Any]) -> int | None:
    """The cluster's executors from endpoint details (Settings Editor or Glue discovery shaped):
    a Glue size by its worker type, a custom size as given; None when they do not say."""
    kind = details.get("clusterKind")
    if kind == "glue":
        try:
            return glue_capacity(str(details.get("workerType")), details.get("numberOfWorkers"))["maxExecutors"]
        except ValueError:
            return None
    custom = details.get("custom")
    executors = custom.get("executors") if kind == "custom" and isinstance(custom, Mapping) else None
    return executors if isinstance(executors, int) and not isinstance(executors, bool) and executors >= 1 else None


def sizing_of_dev_endpoint(dev_endpoint: Mapping[str, Any]) -> tuple[str, Any]:
    """(worker type, count) of a Glue ``DevEndpoint``. Endpoints created with DPUs only carry no
    WorkerType: they are Standard, and Standard is sized by NumberOfNodes (DPUs), not workers."""
    worker_type = dev_endpoint.get("WorkerType") or "Standard"
    count = dev_endpoint.get("NumberOfNodes") if worker_type == "Standard" else dev_endpoint.get("NumberOfWorkers")
    return worker_type, count


def capacity_from_dev_endpoint(dev_endpoint: Mapping[str, Any]) -> dict[str, Any]:
    """A Glue ``DevEndpoint`` (as GetDevEndpoint(s) returns it) → the Settings-Editor-shaped details
    the frontend's ``capacityFromDetails`` takes, and the capacity, or why there is none."""
    worker_type, count = sizing_of_dev_endpoint(dev_endpoint)
    result: dict[str, Any] = {"details": {"clusterKind": "glue", "workerType": worker_type, "numberOfWorkers": count}}
    try:
        result["capacity"] = glue_capacity(worker_type, count)
    except ValueError as error:
        result["capacityError"] = str(error)
    return result


# --- matching a Livy URL to a dev endpoint (pure) ------------------------------------------------

# EC2 DNS names carry the instance's address and region, so a Livy URL written with the DNS name
# still matches an endpoint whose PrivateAddress/PublicAddress is the bare IP.
EC2_HOST_IP = re.compile(r"^(?:ip|ec2)-(\d{1,3}-\d{1,3}-\d{1,3}-\d{1,3})\.")
EC2_HOST_REGION = re.compile(r"\.([a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d)\.compute\.(?:internal|amazonaws\.com)$")
US_EAST_1_HOSTS = (".ec2.internal", ".compute-1.amazonaws.com")


def livy_host(livy_url: str) -> str:
    return (urlsplit(livy_url.strip()).hostname or "").rstrip(".").lower()


def host_forms(host: str) -> set[str]:
    """The host as written, plus the IP address an EC2 DNS name spells out."""
    forms = {host}
    spelled = EC2_HOST_IP.match(host)
    if spelled:
        forms.add(spelled.group(1).replace("-", "."))
    return forms


def region_from_host(host: str) -> str | None:
    """The region an EC2 DNS name spells out, as the region chain's last resort."""
    if host.endswith(US_EAST_1_HOSTS):
        return "us-east-1"
    found = EC2_HOST_REGION.search(host)
    return found.group(1) if found else None


def matching_address_field(forms: set[str], dev_endpoint: Mapping[str, Any]) -> str | None:
    """Which of the endpoint's address fields names the Livy host, if any."""
    for name in ADDRESS_FIELDS:
        address = dev_endpoint.get(name)
        if isinstance(address, str) and address.rstrip(".").lower() in forms:
            return name
    return None


def rm_url_from_yarn_address(address: str | None) -> str | None:
    """``YarnEndpointAddress`` → the ResourceManager web URL to probe. Any port it carries is not
    the web UI's (YARN's RPC port is 8032), so the host is kept and the web port used."""
    if not address:
        return None
    try:
        host: str | None = str(ipaddress.ip_address(address.strip("[] ")))  # a bare IPv6 address has colons
    except ValueError:
        host = urlsplit(address if "://" in address else f"//{address}").hostname
    if not host:
        return None
    return f"http://[{host}]:{RM_WEB_PORT}" if ":" in host else f"http://{host}:{RM_WEB_PORT}"


# --- result shapes ---------------------------------------------------------------------------------

def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat()


def problem(kind: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"source": "glue", "state": "error", "error": {"kind": kind, "message": message}, "fetchedAt": _now_iso(),
            **extra}


def discovered(dev_endpoint: Mapping[str, Any], region: str, operation: str, matched_by: str) -> dict[str, Any]:
    worker_type, count = sizing_of_dev_endpoint(dev_endpoint)
    model = capacity_from_dev_endpoint(dev_endpoint)
    unit = GLUE_WORKER_TYPES[worker_type].unit if worker_type in GLUE_WORKER_TYPES else "workers"
    how = "by name" if matched_by == "name" else f"matched by {matched_by}"
    return {
        "source": "glue",
        "state": "ok",
        "endpointName": dev_endpoint.get("EndpointName"),
        "workerType": worker_type,
        "numberOfWorkers": dev_endpoint.get("NumberOfWorkers"),
        "numberOfNodes": dev_endpoint.get("NumberOfNodes"),
        "status": dev_endpoint.get("Status"),
        "glueVersion": dev_endpoint.get("GlueVersion"),
        "yarnEndpointAddress": dev_endpoint.get("YarnEndpointAddress"),
        "resourceManagerCandidate": rm_url_from_yarn_address(dev_endpoint.get("YarnEndpointAddress")),
        "region": region,
        "operation": operation,
        "matchedBy": matched_by,
        "summary": f"Glue: {worker_type} × {count} {unit}, from {operation} "
                   f"({dev_endpoint.get('EndpointName')}, {how}, {region})",
        "fetchedAt": _now_iso(),
        **model,
    }


def no_match_problem(host: str, checked: int, region: str) -> dict[str, Any]:
    why = (f"The Livy URL's host is {host}, a loopback address (an SSH tunnel?), which cannot identify a dev "
           "endpoint. " if is_loopback(host) else "")
    return problem(
        "no-match",
        f"{why}None of the {checked} Glue dev endpoint{'s' if checked != 1 else ''} in {region} has {host} as its "
        f"PrivateAddress, PublicAddress or YarnEndpointAddress. Set the dev endpoint's name (or the region, if it "
        f"lives elsewhere) for this endpoint in Settings Editor → Spark Capacity, or {FALLBACK}.",
        checked=checked, region=region)


def classify_aws_error(error: BaseException, operation: str, permission: str, region: str | None) -> dict[str, Any]:
    """A botocore exception → a problem saying what to do. Never raises."""
    from botocore import exceptions as aws  # only reached once boto3 imported

    if isinstance(error, (aws.NoCredentialsError, aws.PartialCredentialsError, aws.CredentialRetrievalError,
                          aws.ProfileNotFound)):
        return problem("no-credentials",
                       f"boto3 found no usable AWS credentials ({error}). On SageMaker attach a role to the notebook "
                       "instance; elsewhere set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY for the Jupyter "
                       f"server, or {FALLBACK}.")
    if isinstance(error, aws.ClientError):
        code = str(error.response.get("Error", {}).get("Code", ""))
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        aws_says = str(error.response.get("Error", {}).get("Message", ""))[:300]
        if code in BAD_CREDENTIAL_CODES:
            return problem("no-credentials",
                           f"AWS refused the Jupyter server's credentials ({code}: {aws_says}). Renew or fix them, "
                           f"or {FALLBACK}.")
        if code in ACCESS_DENIED_CODES or status == 403:
            return problem("access-denied",
                           f"{operation} was denied in {region}: the AWS identity of the Jupyter server needs the "
                           f"IAM permission {permission} ({LIST_PERMISSION} to find the endpoint by its address, "
                           f"{GET_PERMISSION} to read it by name). Add it to the notebook's role, or {FALLBACK}. "
                           f"AWS said: {code} {aws_says}".strip())
        return problem("aws-error", f"{operation} failed in {region}: {code} {aws_says}".strip() +
                       f". It is tried again shortly; meanwhile {FALLBACK}.")
    return problem("aws-error", f"{operation} failed in {region}: {error}. It is tried again shortly; "
                                f"meanwhile {FALLBACK}.")


# --- settings win over discovery (pure) ----------------------------------------------------------

SIZING_FIELDS = ("clusterKind", "workerType", "numberOfWorkers", "custom")
LIVE_SOURCE_FIELDS = ("sparkMasterUrl", "yarnResourceManagerUrl")
FROM_SETTINGS = "Settings Editor"


def effective_endpoint_details(settings: Mapping[str, Any] | None, glue: Mapping[str, Any] | None = None,
                               rm: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The endpoint details the capacity model uses, and where each part came from.

    What the user set in the Settings Editor wins. The sizing is taken whole from one place (a
    user's G.2X must not be combined with a discovered worker count): the settings when they name
    a ``clusterKind``, else a successful Glue discovery. Each live-source URL is the user's if set,
    else the ResourceManager that discovery found (``rmdiscovery``)."""
    settings = settings or {}
    details: dict[str, Any] = {}
    sources: dict[str, str] = {}
    if settings.get("clusterKind"):
        details.update({name: settings[name] for name in SIZING_FIELDS if name in settings})
        sources["capacity"] = FROM_SETTINGS
    elif glue and glue.get("state") == "ok":
        details.update(glue["details"])
        sources["capacity"] = glue["summary"]
    for name in LIVE_SOURCE_FIELDS:
        if settings.get(name):
            details[name] = settings[name]
            sources[name] = FROM_SETTINGS
    if "yarnResourceManagerUrl" not in details and rm and rm.get("state") == "found":
        details["yarnResourceManagerUrl"] = rm["url"]
        sources["yarnResourceManagerUrl"] = rm["message"]
    return {"details": details, "sources": sources}


# --- discovery, cached, off the event loop ----------------------------------------------------------

def _import_boto3():
    try:
        import boto3
    except ImportError:
        return None
    return boto3


@dataclass
class _Entry:
    result: dict[str, Any] | None = None
    refreshed_at: float = float("-inf")
    inflight: asyncio.Future | None = None


class GlueDiscovery:
    """Cached, single-flight Glue dev endpoint discovery per (Livy URL, endpoint name, region).

    :meth:`lookup` never waits on AWS: it answers ``{"source": "glue", "state": "pending"}`` until the
    first answer arrives, then the cached answer, and starts a background refresh when that is older
    than ``ttl`` (``error_ttl`` for problems, so a fixed role shows up soon). A refresh that fails for
    a passing reason (``aws-error``: timeout, throttling) keeps the last good answer, marked stale.
    ``aws_calls`` counts the HTTP requests sent to AWS, retries and pages included.
    """

    def __init__(self, ttl: float = 600.0, error_ttl: float = 60.0, region: str | None = None,
                 connect_timeout: float = 3.0, read_timeout: float = 10.0, max_attempts: int = 2,
                 page_size: int = 100, endpoint_url: str | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.ttl = ttl
        self.error_ttl = error_ttl
        self.region = region
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_attempts = max_attempts
        self.page_size = page_size
        self.endpoint_url = endpoint_url  # a VPC endpoint for Glue, or a test server
        self.clock = clock
        self.aws_calls = 0
        self._calls_lock = threading.Lock()  # counted from worker threads
        self._session: Any = None  # boto3.session.Session, created in a worker thread on first use
        self._session_lock = threading.Lock()
        self._entries: dict[tuple[str, str | None, str | None], _Entry] = {}

    def lookup(self, livy_url: str, endpoint_name: str | None = None, region: str | None = None) -> dict[str, Any]:
        """The cached answer for this Livy URL, at once; call it on the event loop."""
        key = self._key(livy_url, endpoint_name, region)
        entry = self._entries.setdefault(key, _Entry())
        if entry.inflight is None and self._expired(entry):
            entry.inflight = asyncio.ensure_future(self._refresh(key, entry))
        return entry.result or {"source": "glue", "state": "pending"}

    async def settled(self, livy_url: str, endpoint_name: str | None = None, region: str | None = None) -> dict[str, Any]:
        """Like :meth:`lookup`, but waits for a refresh in flight (for a first open that can wait a
        moment, and for tests)."""
        self.lookup(livy_url, endpoint_name, region)
        entry = self._entries[self._key(livy_url, endpoint_name, region)]
        if entry.inflight is not None:
            await asyncio.shield(entry.inflight)
        assert entry.result is not None
        return entry.result

    def _key(self, livy_url: str, endpoint_name: str | None, region: str | None) -> tuple[str, str | None, str | None]:
        return livy_url.strip().rstrip("/"), (endpoint_name or "").strip() or None, region or self.region

    def _expired(self, entry: _Entry) -> bool:
        ttl = self.ttl if entry.result and entry.result.get("state") == "ok" and not entry.result.get("stale") \
            else self.error_ttl
        return self.clock() - entry.refreshed_at >= ttl

    async def _refresh(self, key: tuple[str, str | None, str | None], entry: _Entry) -> None:
        try:
            result = await asyncio.get_running_loop().run_in_executor(None, self._discover, *key)
            passing = result.get("state") == "error" and result["error"]["kind"] == "aws-error"
            if passing and entry.result and entry.result.get("state") == "ok":
                result = {**entry.result, "stale": True, "refreshError": result["error"], "fetchedAt": result["fetchedAt"]}
            entry.result = result
        finally:
            entry.refreshed_at = self.clock()
            entry.inflight = None

    def _count_call(self, **_: Any) -> None:
        with self._calls_lock:
            self.aws_calls += 1

    def _discover(self, livy_url: str, endpoint_name: str | None, region: str | None) -> dict[str, Any]:
        """Runs in a worker thread: the only code here that talks to AWS."""
        boto3 = _import_boto3()
        if boto3 is None:
            return problem("boto3-missing",
                           f"Glue dev endpoint discovery needs boto3 in the Jupyter server's environment: "
                           f"{INSTALL_HINT}, then restart Jupyter, or {FALLBACK}.")
        from botocore.config import Config

        host = livy_host(livy_url)
        operation, permission = ("GetDevEndpoint", GET_PERMISSION) if endpoint_name else (
            "GetDevEndpoints", LIST_PERMISSION)
        try:
            with self._session_lock:
                # One boto3 session for all refreshes: it keeps the parsed Glue API model and the
                # credentials it found (role credentials refresh themselves). Sessions are not
                # thread-safe, clients are: only client creation happens under the lock.
                if self._session is None:
                    self._session = boto3.session.Session()
                region = region or self._session.region_name or region_from_host(host)
                if not region:
                    return problem(
                        "no-region",
                        "No AWS region: boto3's chain (AWS_REGION, AWS_DEFAULT_REGION, the profile) names none and "
                        f"the Livy host {host} does not spell one. Set AWS_DEFAULT_REGION for the Jupyter server "
                        f"or the region in Settings Editor → Spark Capacity, or {FALLBACK}.")
                client = self._session.client("glue", region_name=region, endpoint_url=self.endpoint_url, config=Config(
                    connect_timeout=self.connect_timeout, read_timeout=self.read_timeout,
                    retries={"total_max_attempts": self.max_attempts, "mode": "standard"}))
            client.meta.events.register("before-send.glue", self._count_call)
            if endpoint_name:
                return self._by_name(client, endpoint_name, region)
            return self._by_address(client, host, region)
        except Exception as error:  # noqa: BLE001 - every failure becomes a problem the panel shows
            return classify_aws_error(error, operation, permission, region)

    def _by_name(self, client: Any, endpoint_name: str, region: str) -> dict[str, Any]:
        try:
            dev_endpoint = client.get_dev_endpoint(EndpointName=endpoint_name)["DevEndpoint"]
        except client.exceptions.EntityNotFoundException:
            return problem("no-match",
                           f"No Glue dev endpoint named {endpoint_name!r} in {region}. Check the name (and the region) "
                           "in Settings Editor → Spark Capacity.", region=region)
        return discovered(dev_endpoint, region, "GetDevEndpoint", matched_by="name")

    def _by_address(self, client: Any, host: str, region: str) -> dict[str, Any]:
        forms = host_forms(host)
        checked = 0
        pages = client.get_paginator("get_dev_endpoints").paginate(PaginationConfig={"PageSize": self.page_size})
        for page in pages:
            for dev_endpoint in page.get("DevEndpoints", []):
                checked += 1
                field_name = matching_address_field(forms, dev_endpoint)
                if field_name:
                    return discovered(dev_endpoint, region, "GetDevEndpoints", matched_by=field_name)
        return no_match_problem(host, checked, region)

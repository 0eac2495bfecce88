"""One real local cluster per pytest run: Livy -> Spark on YARN (ResourceManager + NodeManager),
on free ports that scripts/cluster chooses at start time (instance "test", apart from the demo's)."""

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Explicit ports from the caller's environment would pin the instance to them: leave the choice to
# scripts/cluster, which picks free ones and records them in the instance's state dir.
PORT_VARIABLES = {"LIVY_PORT", "LIVY_RSC_PORT_RANGE", "RM_WEB_PORT", "RM_PORT", "RM_SCHEDULER_PORT",
                  "RM_TRACKER_PORT", "RM_ADMIN_PORT", "NM_PORT", "NM_LOCALIZER_PORT", "NM_WEB_PORT",
                  "SPARK_MASTER_PORT", "SPARK_MASTER_WEBUI_PORT", "SPARK_WORKER_WEBUI_PORT", "LC_MODE", "NM_VCORES"}
# LC_TEST_INSTANCE: another instance name, so two pytest runs in one checkout do not stop each other's.
INSTANCE = os.environ.get("LC_TEST_INSTANCE", "test")
ENV = {**{k: v for k, v in os.environ.items() if k not in PORT_VARIABLES}, "LC_INSTANCE": INSTANCE}
STATE = Path(os.environ.get("LC_STATE", ROOT / ".cluster")) / INSTANCE


def cluster(command: str) -> str:
    return subprocess.run(["bash", str(ROOT / "scripts" / "cluster"), command], env=ENV, check=True,
                          capture_output=command == "env", text=True).stdout


@pytest.fixture(scope="session")
def local_cluster():
    try:
        cluster("start")
        exports = dict(line.replace("export ", "").split("=", 1) for line in cluster("env").splitlines())
        values = {k: v.strip("'") for k, v in exports.items()}
        yield SimpleNamespace(
            livy_url=values["LIVY_URL"],
            rm_url=values["YARN_RM_URL"],
            # One application holds its application master + this many 1-core, 512m executors at most.
            executors=int(values["CLUSTER_EXECUTORS"]),
            sparkmagic_conf_dir=Path(values["SPARKMAGIC_CONF_DIR"]),
            jobs_dir=ROOT / "cluster" / "jobs",
            state_dir=STATE,
            env=ENV,
        )
    finally:
        cluster("stop")  # even when start or a test failed


def write_lab_settings(settings_dir: Path, endpoints: dict[str, dict]) -> Path:
    """The extension's JupyterLab settings, as a user would enter them in the Settings Editor."""
    path = settings_dir / "jupyterlab-livy-capacity" / "plugin.jupyterlab-settings"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"endpoints": endpoints}, indent=2))
    return path


def endpoint_details(cluster, yarn_url: str | None) -> dict:
    """Endpoint details for the local cluster: its size, and the RM URL when given (under both the
    schema's yarnResourceManagerUrl and the yarnUrl name the server side is moving to)."""
    details = {"clusterKind": "custom",
               "custom": {"executors": cluster.executors, "executorMemoryGiB": 0.5, "executorCores": 1,
                          "driverMemoryGiB": 0.5}}
    if yarn_url:
        details.update(yarnUrl=yarn_url, yarnResourceManagerUrl=yarn_url)
    return details


@pytest.fixture
def lab_settings(local_cluster, tmp_path, monkeypatch):
    """JUPYTERLAB_SETTINGS_DIR with the local cluster's endpoint details (RM URL included); returns
    a function that adds or replaces an endpoint's details. Request it before jp_fetch, so the
    settings exist when the server starts."""
    settings_dir = tmp_path / "lab-settings"
    endpoints = {local_cluster.livy_url: endpoint_details(local_cluster, local_cluster.rm_url)}
    write_lab_settings(settings_dir, endpoints)
    monkeypatch.setenv("JUPYTERLAB_SETTINGS_DIR", str(settings_dir))

    def set_endpoint(url: str, yarn_url: str | None) -> None:
        endpoints[url] = endpoint_details(local_cluster, yarn_url)
        write_lab_settings(settings_dir, endpoints)

    return set_endpoint


@pytest.fixture
def jp_server_config():
    return {"ServerApp": {"jpserver_extensions": {"jupyterlab_livy_capacity": True}},
            "LivyCapacity": {"snapshot_ttl": 0.0, "kernel_timeout": 5.0}}


@pytest.fixture
def sparkmagic_env(local_cluster, monkeypatch):
    monkeypatch.setenv("SPARKMAGIC_CONF_DIR", str(local_cluster.sparkmagic_conf_dir))
    return local_cluster


def pytest_sessionfinish(session, exitstatus):
    # Safety net for an interrupted run: stop whatever the "test" instance still runs.
    if (STATE / "run").exists() and any((STATE / "run").iterdir()):
        subprocess.run(["bash", str(ROOT / "scripts" / "cluster"), "stop"], env=ENV, check=False)


@pytest.fixture
def sparkmagic_kernelspecs(jp_data_dir):
    for name, module in (("pysparkkernel", "pysparkkernel.pysparkkernel"), ("sparkkernel", "sparkkernel.sparkkernel")):
        spec = jp_data_dir / "kernels" / name
        spec.mkdir(parents=True)
        (spec / "kernel.json").write_text(json.dumps({
            "argv": [sys.executable, "-m", f"sparkmagic.kernels.{module}", "-f", "{connection_file}"],
            "display_name": name, "language": "python"}))

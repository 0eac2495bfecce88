"""One real local cluster (Spark standalone + Livy) per pytest run, on ports apart from the demo's."""

import json
import os
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[2]
PORTS = {"LIVY_PORT": "18998", "SPARK_MASTER_PORT": "17077", "SPARK_MASTER_WEBUI_PORT": "18080",
         "SPARK_WORKER_WEBUI_PORT": "18081", "LIVY_RSC_PORT_RANGE": "11000~11100"}
ENV = {**os.environ, "LC_INSTANCE": "test", **PORTS}


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
            master_web_url=values["SPARK_MASTER_WEB_URL"],
            sparkmagic_conf_dir=Path(values["SPARKMAGIC_CONF_DIR"]),
            jobs_dir=ROOT / "cluster" / "jobs",
            env=ENV,
        )
    finally:
        cluster("stop")  # even when start or a test failed


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
    if (ROOT / ".cluster" / "test" / "run").exists() and any((ROOT / ".cluster" / "test" / "run").iterdir()):
        subprocess.run(["bash", str(ROOT / "scripts" / "cluster"), "stop"], env=ENV, check=False)

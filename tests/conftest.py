import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

pytest_plugins = ("pytest_jupyter.jupyter_server",)
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def world_dir():
    """A folder every user can reach (pytest's tmp_path sits under a root-only 0700 folder),
    for tests that drop to `nobody` to prove permission errors."""
    path = Path(tempfile.mkdtemp(prefix="livy-capacity-", dir="/tmp"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def run_as_nobody():
    """Runs Python code as `nobody` with the project importable; skips where that is impossible
    (not root, no setpriv, or the checkout is not reachable by other users)."""
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root and setpriv to drop privileges")
    command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-c"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    probe = subprocess.run([*command, "import jupyterlab_livy_capacity"], capture_output=True, cwd="/", env=env)
    if probe.returncode != 0:
        pytest.skip(f"`nobody` cannot import the project from {ROOT}")

    def run(code: str, *args: str) -> str:
        return subprocess.run([*command, code, *args], capture_output=True, text=True, cwd="/", env=env,
                              check=True).stdout

    return run

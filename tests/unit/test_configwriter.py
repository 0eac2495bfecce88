"""Applying a maxExecutors cap to the SparkMagic config: safe, atomic, backed up."""

import json
import pytest

from jupyterlab_livy_capacity.configwriter import (ConfigWriteError, apply_max_executors, backup_path,
                                                   plan_max_executors)

ORIGINAL = """{
    "kernel_python_credentials": {"username": "", "password": "pw", "url": "http://x:8998", "auth": "None"},
    "session_configs": {
        "driverMemory": "1000M",
        "conf": {"spark.sql.shuffle.partitions": "8"}
    },
    "heartbeat_refresh_seconds": 30
}
"""


@pytest.fixture
def conf(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(ORIGINAL)
    return path


def test_preview_then_apply_keeps_everything_else(conf):
    change = plan_max_executors(conf, 3)
    assert change.preview()["before"] is None and change.preview()["after"] == "3"
    assert conf.read_text() == ORIGINAL  # a preview writes nothing
    apply_max_executors(conf, 3, change.sha256)
    data = json.loads(conf.read_text())
    assert data["session_configs"]["conf"] == {"spark.sql.shuffle.partitions": "8",
                                               "spark.dynamicAllocation.maxExecutors": "3"}
    assert data["session_configs"]["driverMemory"] == "1000M" and data["heartbeat_refresh_seconds"] == 30
    assert data["kernel_python_credentials"]["password"] == "pw"
    assert list(data) == ["kernel_python_credentials", "session_configs", "heartbeat_refresh_seconds"]
    text = conf.read_text()
    assert text.endswith("}\n") and '\n    "session_configs": {\n        "driverMemory"' in text  # 4-space indent
    assert backup_path(conf).read_text() == ORIGINAL
    assert sorted(p.name for p in conf.parent.iterdir()) == ["config.json", "config.json.livy-capacity.bak"]


def test_existing_cap_is_replaced_and_reported(conf):
    apply_max_executors(conf, 3, plan_max_executors(conf, 3).sha256)
    change = plan_max_executors(conf, 2)
    assert (change.before, change.after) == ("3", "2")


def test_missing_session_configs_created(tmp_path):
    path = tmp_path / "config.json"
    path.write_text('{"kernel_python_credentials": {"url": "http://x:8998"}}')
    apply_max_executors(path, 4, plan_max_executors(path, 4).sha256)
    assert json.loads(path.read_text())["session_configs"] == {"conf": {"spark.dynamicAllocation.maxExecutors": "4"}}


def test_concurrent_modification_refused(conf):
    change = plan_max_executors(conf, 3)
    conf.write_text(ORIGINAL.replace("30", "31"))
    with pytest.raises(ConfigWriteError) as info:
        apply_max_executors(conf, 3, change.sha256)
    assert info.value.status == 409 and "changed since the preview" in str(info.value)
    assert "31" in conf.read_text() and not backup_path(conf).exists()


@pytest.mark.parametrize("text, words", [("{ oops", ["not valid JSON", "line 1"]),
                                         ('{"session_configs": []}', ["session_configs", "not a JSON object"]),
                                         ('{"session_configs": {"conf": 5}}', ["session_configs.conf"])])
def test_files_it_cannot_edit(tmp_path, text, words):
    path = tmp_path / "config.json"
    path.write_text(text)
    with pytest.raises(ConfigWriteError) as info:
        plan_max_executors(path, 2)
    for word in words:
        assert word in str(info.value)
    assert path.read_text() == text


@pytest.mark.parametrize("value", [0, -1, 2.5, "3", True])
def test_bad_values(conf, value):
    with pytest.raises(ConfigWriteError) as info:
        plan_max_executors(conf, value)
    assert info.value.status == 400


def test_unwritable_file_reported(world_dir, run_as_nobody):
    """As root everything is writable, so try as `nobody`, who may read but not write the file."""
    conf = world_dir / "config.json"
    conf.write_text(ORIGINAL)
    conf.chmod(0o644)
    out = run_as_nobody(
        "import sys; from pathlib import Path; from jupyterlab_livy_capacity.configwriter import *;"
        "p = Path(sys.argv[1]); c = plan_max_executors(p, 2)\n"
        "try:\n apply_max_executors(p, 2, c.sha256)\nexcept ConfigWriteError as e:\n print(e.status, e)", str(conf))
    assert out.startswith("403 Cannot write") and str(conf) in out
    assert conf.read_text() == ORIGINAL

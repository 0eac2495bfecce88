"""Applying a maxExecutors cap to the SparkMagic config: safe, atomic, backed up, nothing lost."""

import json
import os
import stat

import pytest

from jupyterlab_livy_capacity.configwriter import (MAX_CAP, ConfigWriteError, apply_max_executors, backup_path,
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
    assert backup_path(conf, 1).read_text() == ORIGINAL
    assert sorted(p.name for p in conf.parent.iterdir()) == ["config.json", "config.json.livy-capacity-backup-1"]


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
    assert "31" in conf.read_text() and not backup_path(conf, 1).exists()


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


@pytest.mark.parametrize("value", [0, -1, 2.5, "3", True, MAX_CAP + 1, 2147483648, int("9" * 300)])
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


def apply(path, value):
    return apply_max_executors(path, value, plan_max_executors(path, value).sha256)


CAP = '"spark.dynamicAllocation.maxExecutors": "7"'


@pytest.mark.parametrize("text, expected", [
    ('{\r\n  "a": 1.50,\r\n  "b": 1e5,\r\n  "session_configs": {\r\n    "conf": {\r\n      "x": "y"\r\n    }\r\n  }\r\n}\r\n',
     '{\r\n  "a": 1.50,\r\n  "b": 1e5,\r\n  "session_configs": {\r\n    "conf": {\r\n      "x": "y",\r\n      '
     + CAP + '\r\n    }\r\n  }\r\n}\r\n'),
    ('{"dup": 1, "dup": 2, "n": -0.0, "u": "\\u00e9t\u00e9", "session_configs": {"conf": {}}}',
     '{"dup": 1, "dup": 2, "n": -0.0, "u": "\\u00e9t\u00e9", "session_configs": {"conf": {' + CAP + '}}}'),
    ('{\n\t"k": [1.0, 2E+3],\n\t"session_configs": {"driverMemory": "1g"}\n}',
     '{\n\t"k": [1.0, 2E+3],\n\t"session_configs": {"driverMemory": "1g", "conf": {' + CAP + '}}\n}'),
    ('{"kernel_python_credentials": {"url": "http://x:8998"}}',
     '{"kernel_python_credentials": {"url": "http://x:8998"}, "session_configs": {"conf": {' + CAP + '}}}'),
    ('  {}  ', '  {"session_configs": {"conf": {' + CAP + '}}}  '),
])
def test_only_the_cap_changes_byte_for_byte(tmp_path, text, expected):
    """CRLF, 1.50, 1e5, duplicate keys, escapes, tabs and inline objects survive as they are."""
    path = tmp_path / "config.json"
    path.write_bytes(text.encode("utf-8"))
    apply(path, 7)
    assert path.read_bytes().decode("utf-8") == expected
    assert backup_path(path, 1).read_bytes() == text.encode("utf-8")


def test_existing_value_is_replaced_in_place(tmp_path):
    path = tmp_path / "config.json"
    text = '{"session_configs": {"conf": {"spark.dynamicAllocation.maxExecutors": 12, "z": 1.50}}, "w": 1e5}\r\n'
    path.write_bytes(text.encode())
    change = apply(path, 4)
    assert change.before == "12"
    assert path.read_bytes() == text.replace("12", '"4"').encode()


@pytest.mark.parametrize("text, words", [
    ('{"session_configs": {"conf": {}}, "session_configs": {"conf": {}}}', ["session_configs", "2 times"]),
    ('{"session_configs": {"conf": {"spark.dynamicAllocation.maxExecutors": "1", '
     '"spark.dynamicAllocation.maxExecutors": "2"}}}', ["maxExecutors", "2 times"]),
])
def test_duplicate_keys_on_the_path_are_refused(tmp_path, text, words):
    path = tmp_path / "config.json"
    path.write_text(text)
    with pytest.raises(ConfigWriteError) as info:
        apply(path, 3)
    assert info.value.status == 422 and all(w in str(info.value) for w in words)
    assert path.read_text() == text


def test_invalid_utf8_is_refused_not_rewritten(tmp_path):
    path = tmp_path / "config.json"
    raw = b'{"name": "caf\xe9", "session_configs": {}}'
    path.write_bytes(raw)
    with pytest.raises(ConfigWriteError) as info:
        plan_max_executors(path, 3)
    assert info.value.status == 422 and "UTF-8" in str(info.value)
    assert path.read_bytes() == raw and list(tmp_path.iterdir()) == [path]


def test_symlinked_config_updates_its_target(tmp_path):
    real = tmp_path / "dotfiles" / "sparkmagic.json"
    real.parent.mkdir()
    real.write_text(ORIGINAL)
    link = tmp_path / "config.json"
    link.symlink_to(real)
    apply(link, 5)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert json.loads(real.read_text())["session_configs"]["conf"]["spark.dynamicAllocation.maxExecutors"] == "5"
    assert backup_path(real, 1).read_text() == ORIGINAL


def test_backups_are_numbered_keep_the_first_original_and_never_follow_links(tmp_path, conf):
    victim = tmp_path / "victim.txt"
    victim.write_text("do not touch")
    backup_path(conf, 1).symlink_to(victim)  # a planted backup symlink
    apply(conf, 3)
    apply(conf, 4)
    assert victim.read_text() == "do not touch" and backup_path(conf, 1).is_symlink()
    assert backup_path(conf, 2).read_text() == ORIGINAL  # the first original is kept...
    assert json.loads(backup_path(conf, 3).read_text())["session_configs"]["conf"][
        "spark.dynamicAllocation.maxExecutors"] == "3"  # ...and every later one too


def test_backup_and_config_keep_the_config_mode(conf):
    conf.chmod(0o600)
    apply(conf, 3)
    assert stat.S_IMODE(backup_path(conf, 1).stat().st_mode) == 0o600
    assert stat.S_IMODE(conf.stat().st_mode) == 0o600

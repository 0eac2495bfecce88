"""The SparkMagic config reader: every bad input gets a clear message and breaks nothing else."""

import base64
import json
import os
from pathlib import Path

import pytest

from jupyterlab_livy_capacity.sparkmagic_config import (REDACTED, ConfigWatcher, config_path, parse_config,
                                                        read_config)

GOOD = {
    "kernel_python_credentials": {"username": "", "password": "", "url": "http://livy.example:8998/", "auth": "None"},
    "kernel_scala_credentials": {"username": "", "password": "", "url": "http://livy.example:8998", "auth": "None"},
    "kernel_r_credentials": {"username": "bob", "base64_password": base64.b64encode(b"s3cr3t-pw").decode(),
                             "url": "https://other.example/livy"},
    "custom_headers": {"X-Requested-By": "admin", "Authorization": "Bearer tok-123"},
    "session_configs_defaults": {"conf": {"spark.sql.catalog.spark_catalog.type": "hive",
                                          "spark.hadoop.fs.s3a.secret.key": "AKIA-SECRET"}},
    "session_configs": {"driverMemory": "1000M", "executorCores": 2,
                        "conf": {"spark.dynamicAllocation.enabled": "true"}},
}


def parse(data, path=Path("/conf/config.json")):
    return parse_config(json.dumps(data) if not isinstance(data, str) else data, path)


def by_id(config):
    return {e["id"]: e for e in config.to_json()["endpoints"]}


def test_path_follows_sparkmagic_variables(tmp_path):
    assert config_path({"HOME": "/h"}) == Path(os.path.expanduser("~/.sparkmagic/config.json"))
    assert config_path({"SPARKMAGIC_CONF_DIR": str(tmp_path), "SPARKMAGIC_CONF_FILE": "c.json"}) == tmp_path / "c.json"


def test_endpoints_merged_by_url_with_their_kernels_and_settings():
    endpoints = by_id(parse(GOOD))
    assert set(endpoints) == {"http://livy.example:8998", "https://other.example/livy"}
    local = endpoints["http://livy.example:8998"]
    assert local["kernels"] == ["python", "scala"]
    assert local["auth"] == "None" and local["hasPassword"] is False and local["verifySsl"] is True
    assert local["customHeaderNames"] == ["Authorization", "X-Requested-By"]
    settings = local["sessionSettings"]
    assert settings["driverMemory"] == "1000M" and settings["executorCores"] == 2
    assert settings["executorMemory"] is None and settings["numExecutors"] is None
    assert settings["dynamicAllocation"] == {"spark.dynamicAllocation.enabled": "true"}
    assert settings["maxExecutorsUnset"] is True
    # deep merge: defaults' conf keys survive next to session_configs' conf
    assert settings["properties"]["conf"]["spark.sql.catalog.spark_catalog.type"] == "hive"
    remote = endpoints["https://other.example/livy"]
    assert remote["auth"] == "Basic_Access" and remote["username"] == "bob" and remote["hasPassword"] is True


def test_session_configs_win_over_defaults_and_max_executors_detected():
    data = {**GOOD, "session_configs": {"conf": {"spark.dynamicAllocation.maxExecutors": "4"}},
            "session_configs_defaults": {"conf": {"spark.dynamicAllocation.maxExecutors": "9"}}}
    settings = by_id(parse(data))["http://livy.example:8998"]["sessionSettings"]
    assert settings["dynamicAllocation"] == {"spark.dynamicAllocation.maxExecutors": "4"}
    assert settings["maxExecutorsUnset"] is False


def test_secrets_never_serialized():
    config = parse(GOOD)
    text = json.dumps(config.to_json())
    for secret in ("s3cr3t-pw", base64.b64encode(b"s3cr3t-pw").decode(), "tok-123", "admin", "AKIA-SECRET"):
        assert secret not in text
    assert REDACTED in text  # the secret conf key is shown as redacted, not dropped
    # ...but the server side keeps what it needs to talk to Livy
    remote = config.endpoint("https://other.example/livy/")
    assert remote.password == "s3cr3t-pw" and remote.custom_headers["Authorization"] == "Bearer tok-123"


@pytest.mark.parametrize(
    "text, status, words",
    [
        ("", "empty", ["is empty", "kernel_python_credentials"]),
        ("  \n", "empty", ["is empty"]),
        ('{"kernel_python_credentials": {"url": "http://x:8998",}\n}', "invalid_json", ["line 1", "column"]),
        ("[1, 2]", "not_object", ["JSON object"]),
    ],
)
def test_file_level_problems(text, status, words):
    config = parse(text)
    assert config.status == status and config.endpoints == []
    for word in words:
        assert word in config.message
    assert "/conf/config.json" in config.message


def test_invalid_json_gives_line_and_column():
    config = parse('{\n  "kernel_python_credentials": {\n    "url": "http://x:8998"\n    "auth": "None"\n  }\n}')
    assert (config.line, config.column) == (4, 5)
    assert config.to_json()["config"]["line"] == 4


def test_missing_and_unreadable_files(tmp_path):
    missing = read_config(tmp_path / "nope.json")
    assert missing.status == "missing" and str(tmp_path / "nope.json") in missing.message
    assert "SPARKMAGIC_CONF_DIR" in missing.message
    directory = read_config(tmp_path)  # a directory where the file should be
    assert directory.status == "unreadable" and str(tmp_path) in directory.message


def test_unreadable_by_permissions(world_dir, run_as_nobody):
    """As root every file is readable, so read it as `nobody` to prove the permission case."""
    conf = world_dir / "config.json"
    conf.write_text(json.dumps(GOOD))
    conf.chmod(0o200)
    out = run_as_nobody("import sys, json; from pathlib import Path; from jupyterlab_livy_capacity.sparkmagic_config import *;"
                        "c = read_config(Path(sys.argv[1])); print(json.dumps([c.status, c.message]))", str(conf))
    status, message = json.loads(out)
    assert status == "unreadable" and "Permission denied" in message and str(conf) in message


@pytest.mark.parametrize(
    "block, field, words",
    [
        ("not an object", "kernel_scala_credentials", ["JSON object", "str"]),
        ({"auth": "None"}, "kernel_scala_credentials.url", ["must be a string"]),
        ({"url": 8998}, "kernel_scala_credentials.url", ["must be a string"]),
        ({"url": "livy:8998"}, "kernel_scala_credentials.url", ["http://"]),
        ({"url": "http://s:8998", "auth": "Magic"}, "kernel_scala_credentials.auth", ["'Magic'", "Basic_Access"]),
        ({"url": "http://s:8998", "base64_password": "%%%not-base64"}, "kernel_scala_credentials.base64_password",
         ["not valid base64"]),
    ],
)
def test_invalid_entry_breaks_only_its_card(block, field, words):
    config = parse({**GOOD, "kernel_scala_credentials": block})
    cards = config.to_json()["endpoints"]
    broken = [c for c in cards if c["errors"]]
    assert len(broken) == 1 and broken[0]["errors"][0]["field"] == field
    for word in words:
        assert word in broken[0]["errors"][0]["message"]
    assert "%%%not-base64" not in json.dumps(cards)
    healthy = by_id(config)["http://livy.example:8998"]
    assert healthy["errors"] == [] and healthy["kernels"] == ["python"]
    assert config.endpoint("http://livy.example:8998") is not None


def test_custom_authenticator_accepted_when_listed():
    data = {"authenticators": {"Custom_Auth": "pkg.mod.Class"},
            "kernel_python_credentials": {"url": "http://c:8998", "auth": "Custom_Auth"}}
    card = by_id(parse(data))["http://c:8998"]
    assert card["auth"] == "Custom_Auth" and card["errors"] == []


def test_duplicate_url_with_different_credentials_warns():
    data = {"kernel_python_credentials": {"url": "http://d:8998", "auth": "None"},
            "kernel_scala_credentials": {"url": "http://d:8998/", "username": "u", "password": "p"}}
    card = by_id(parse(data))["http://d:8998"]
    assert card["kernels"] == ["python", "scala"] and card["errors"] == []
    assert "different credentials" in card["warnings"][0]["message"]


def test_no_credentials_and_bad_session_configs_reported():
    config = parse({"session_configs": ["not", "an", "object"]})
    fields = {p["field"] for p in config.to_json()["config"]["problems"]}
    assert fields == {"session_configs", "kernel_python_credentials"}


def test_watcher_rereads_when_the_file_changes(tmp_path):
    conf = tmp_path / "config.json"
    watcher = ConfigWatcher(lambda: conf)
    assert watcher.current().status == "missing"
    conf.write_text(json.dumps({"kernel_python_credentials": {"url": "http://one:8998"}}))
    assert [e.url for e in watcher.current().endpoints] == ["http://one:8998"]
    first = watcher.current()
    assert watcher.current() is first  # unchanged file: not re-read
    conf.write_text(json.dumps({"kernel_python_credentials": {"url": "http://two:8998"}}))
    os.utime(conf, ns=(1, 10**18))
    assert [e.url for e in watcher.current().endpoints] == ["http://two:8998"]

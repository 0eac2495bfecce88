"""The local cluster's own Livy REPL driver (cluster/repl, issue 10) behind a real Apache Livy 0.7.1.

Standalone: the module starts its own private Livy server (Spark local[2], free ports on 127.0.0.1,
its own temp dir) with livy.repl.jars from cluster/repl/build, and stops it (process group) at the
end. It needs the set-up's JDK 17, Maven and .venv, nothing from scripts/cluster.

Run it alone with `pytest --noconftest tests/integration/test_repl_driver.py`: it uses no conftest
fixture, and tests/integration/conftest.py's pytest_sessionfinish stops the "test" cluster instance
(scripts/cluster) whenever one is running, even one that another run started.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
LIVY_VERSION = "0.7.1-incubating"
JAVA_HOME = "/usr/lib/jvm/java-17-openjdk-amd64"
CACHE = Path(os.environ.get("LIVY_CAPACITY_CACHE", Path.home() / ".cache" / "jupyterlab-livy-capacity"))
ADD_OPENS = [f"--add-opens=java.base/{p}=ALL-UNNAMED" for p in (
    "java.lang", "java.lang.invoke", "java.nio", "sun.nio.ch", "java.util.concurrent.atomic", "java.net",
    "java.io", "sun.util.calendar")]


# ---- A private Livy server. ----

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_range(count: int = 20) -> str:
    """count consecutive free loopback ports (Livy's launcher and drivers' RPC servers use a range)."""
    for _ in range(200):
        base = 20000 + int.from_bytes(os.urandom(2), "big") % 12000
        socks = []
        try:
            for port in range(base, base + count):
                s = socket.socket()
                s.bind(("127.0.0.1", port))
                socks.append(s)
            return f"{base}~{base + count - 1}"
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free port range")


def livy_server_jars() -> Path:
    shared = CACHE / f"livy-{LIVY_VERSION}" / "jars"  # what scripts/cluster assembles
    if (shared / ".complete").exists():
        return shared
    own = CACHE / "repl" / f"livy-server-{LIVY_VERSION}"
    if not (own / ".complete").exists():
        tmp = Path(f"{own}.tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        subprocess.run(["mvn", "-B", "-q", "-f", str(ROOT / "cluster" / "livy" / "pom.xml"),
                        "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies",
                        f"-DoutputDirectory={tmp}", "-DincludeScope=runtime"], check=True)
        shutil.rmtree(own, ignore_errors=True)
        tmp.rename(own)
        (own / ".complete").touch()
    return own


@pytest.fixture(scope="module")
def livy():
    import pyspark

    jars = livy_server_jars()
    build = subprocess.run(["bash", str(ROOT / "cluster" / "repl" / "build")], check=True, capture_output=True,
                           text=True, env={**os.environ, "LIVY_RSC_JARS_DIR": str(jars)})
    repl_jars = build.stdout.strip().splitlines()[-1]
    current = dict(line.split("=", 1) for line in (CACHE / "repl" / "current.env").read_text().splitlines())
    spark_home = os.path.dirname(pyspark.__file__)
    work = Path(tempfile.mkdtemp(prefix="livy-repl-test-"))
    conf = work / "conf"
    conf.mkdir()
    (work / "logs").mkdir()  # Livy insists on $LIVY_HOME/logs
    port = free_port()
    (conf / "livy.conf").write_text("\n".join([
        "livy.server.host = 127.0.0.1", f"livy.server.port = {port}",
        "livy.spark.master = local[2]", "livy.spark.deploy-mode = client",
        "livy.repl.enable-hive-context = false", "livy.impersonation.enabled = false",
        "livy.server.csrf-protection.enabled = false", "livy.server.recovery.mode = off",
        "livy.server.session.state-retain.sec = 600s",
        "livy.rsc.launcher.address = 127.0.0.1", "livy.rsc.rpc.server.address = 127.0.0.1",
        f"livy.rsc.launcher.port.range = {free_range()}", "livy.rsc.server.connect.timeout = 180s",
        f"livy.repl.jars = {repl_jars}",
        f"livy.rsc.jars = {jars}/livy-rsc-{LIVY_VERSION}.jar,{jars}/livy-api-{LIVY_VERSION}.jar", ""]))
    (conf / "spark-defaults.conf").write_text("\n".join([
        "spark.driver.memory 512m", "spark.ui.showConsoleProgress false", "spark.ui.enabled false",
        "spark.sql.shuffle.partitions 2", f"spark.pyspark.python {sys.executable}", ""]))
    shutil.copy(ROOT / "cluster" / "conf" / "log4j.properties", conf / "log4j.properties")
    env = {**os.environ, "JAVA_HOME": JAVA_HOME, "SPARK_HOME": spark_home, "SPARK_CONF_DIR": str(conf),
           "LIVY_CONF_DIR": str(conf), "LIVY_HOME": str(work), "SPARK_LOCAL_IP": "127.0.0.1",
           "PYSPARK_PYTHON": sys.executable, "PATH": f"{JAVA_HOME}/bin:{os.environ['PATH']}"}
    log = open(work / "livy.log", "wb")
    proc = subprocess.Popen([f"{JAVA_HOME}/bin/java", "-Xmx256m", *ADD_OPENS, "-cp", f"{jars}/*:{conf}",
                             "org.apache.livy.server.LivyServer"], env=env, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True, cwd=work)
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_for(lambda: proc.poll() is None and http("GET", f"{url}/version"), "Livy up", 120,
                     fail=lambda: proc.poll() is not None)
        except AssertionError as e:
            raise AssertionError(f"{e}; Livy's log ends:\n{(work / 'livy.log').read_text()[-3000:]}") from None
        yield SimpleNamespace(url=url, work=work, env=env, repl=current.get("LIVY_REPL"),
                              repl_jars=repl_jars, spark_home=spark_home)
    finally:
        try:
            for session in (http("GET", f"{url}/sessions") or {}).get("sessions", []):
                http("DELETE", f"{url}/sessions/{session['id']}")
            time.sleep(2)
        except Exception:  # noqa: BLE001 - Livy may already be down; the process group goes anyway
            pass
        for sig, grace in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
            try:
                os.killpg(proc.pid, sig)  # Livy, and the drivers and Python children it started
            except ProcessLookupError:
                break
            try:
                proc.wait(grace)
                break
            except subprocess.TimeoutExpired:
                continue
        log.close()
        shutil.rmtree(work, ignore_errors=True)


def http(method: str, url: str, body: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            text = r.read().decode()
            return json.loads(text) if text else {}
    except urllib.error.HTTPError as e:
        raise AssertionError(f"{method} {url}: {e.code} {e.read().decode()}") from None
    except (urllib.error.URLError, ConnectionError):
        return None


def wait_for(check, what: str, seconds: float, interval: float = 0.25, fail=lambda: False):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        if fail():
            raise AssertionError(f"{what}: failed")
        time.sleep(interval)
    raise AssertionError(f"{what}: not within {seconds}s")


def start_session(livy, kind: str = "pyspark") -> tuple[int, float]:
    t0 = time.monotonic()
    sid = http("POST", f"{livy.url}/sessions", {"kind": kind})["id"]
    state = wait_for(lambda: (s := http("GET", f"{livy.url}/sessions/{sid}")["state"]) != "starting" and s,
                     f"session {sid} out of 'starting'", 180, interval=0.1)
    assert state == "idle", (state, http("GET", f"{livy.url}/sessions/{sid}/log?size=200"))
    return sid, time.monotonic() - t0


def run(livy, sid: int, code: str, kind: str | None = None, poll: float = 0.05) -> dict:
    body = {"code": code, **({"kind": kind} if kind else {})}
    stmt = http("POST", f"{livy.url}/sessions/{sid}/statements", body)
    return wait_for(lambda: (s := http("GET", f"{livy.url}/sessions/{sid}/statements/{stmt['id']}"))["state"]
                    in ("available", "cancelled", "error") and s, f"statement {stmt['id']}", 120, interval=poll)


def text(stmt: dict) -> str:
    assert stmt["output"]["status"] == "ok", stmt
    return stmt["output"]["data"]["text/plain"]


def vm_hwm_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmHWM for {pid}")


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/status").read_text().split("State:")[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


# ---- Tests. ----

def test_pyspark_session_statements_and_figures(livy, record_property):
    sid, to_idle = start_session(livy)
    assert text(run(livy, sid, "sc.parallelize(range(1000)).sum()")) == "499500"
    assert text(run(livy, sid, 'print("hi")\nx = 41\nx + 1')) == "hi\n42"
    # What SparkMagic runs right after the session is idle, and its %%sql shape through PySpark.
    assert text(run(livy, sid, "spark")).startswith("<pyspark.sql.session.SparkSession object")
    assert "SQLContext" in text(run(livy, sid, "sqlContext"))
    rows = text(run(livy, sid, 'import sys\nfor r in spark.sql(u"""SELECT 1 AS one, \'a\' AS s """)'
                               '.toJSON(use_unicode=(sys.version_info.major > 2)).take(2500): print(r)'))
    assert json.loads(rows) == {"one": 1, "s": "a"}
    err = run(livy, sid, "def f():\n    return 1 / 0\nf()")["output"]
    assert (err["status"], err["ename"], err["evalue"]) == ("error", "ZeroDivisionError", "division by zero")
    assert err["traceback"][0].startswith("Traceback") and 'File "<stdin>", line 2, in f' in "".join(err["traceback"])
    assert run(livy, sid, "def f(:")["output"]["ename"] == "SyntaxError"
    assert run(livy, sid, '%json {"a": [1, 2]}')["output"]["data"] == {"application/json": {"a": [1, 2]}}
    # Statements of another kind in the same session: sql runs; Scala is answered with a clear error.
    run(livy, sid, 'spark.range(3).createOrReplaceTempView("t")')
    table = run(livy, sid, "SELECT id, id * 2 AS d FROM t ORDER BY id", kind="sql")["output"]["data"]["application/json"]
    assert table["data"] == [[0, 0], [1, 2], [2, 4]] and [f["name"] for f in table["schema"]["fields"]] == ["id", "d"]
    scala = run(livy, sid, "val x = 1", kind="spark")["output"]
    assert scala["ename"] == "UnsupportedKind" and "pyspark and sql" in scala["evalue"]
    assert http("GET", f"{livy.url}/sessions/{sid}")["state"] == "idle"

    round_trips = []
    for i in range(20):
        t0 = time.monotonic()
        assert text(run(livy, sid, f"{i} + 1", poll=0.01)) == str(i + 1)
        round_trips.append(time.monotonic() - t0)
    python_pid, driver_pid = json.loads(text(run(livy, sid, "import os, json\njson.dumps([os.getpid(), os.getppid()])"))
                                        .strip("'"))
    figures = {"repl": livy.repl, "post_to_idle_s": round(to_idle, 2),
               "statement_round_trip_median_ms": round(statistics.median(round_trips) * 1000, 1),
               "driver_vmhwm_mib": round(vm_hwm_mib(driver_pid), 1),
               "python_child_vmhwm_mib": round(vm_hwm_mib(python_pid), 1)}
    for key, value in figures.items():
        record_property(key, value)
    print("REPL figures:", json.dumps(figures))

    # DELETE ends the driver JVM and its Python child.
    http("DELETE", f"{livy.url}/sessions/{sid}")
    wait_for(lambda: not alive(driver_pid) and not alive(python_pid), "driver and Python child gone", 60)


def test_cancel_spark_job_and_python_loop(livy):
    sid, _ = start_session(livy)
    for code in ("import time\nsc.parallelize(range(4), 2).map(lambda x: time.sleep(60) or x).sum()",  # job group
                 "import time\nwhile True:\n    time.sleep(0.1)"):  # no Spark job: KeyboardInterrupt
        stmt = http("POST", f"{livy.url}/sessions/{sid}/statements", {"code": code})
        wait_for(lambda: http("GET", f"{livy.url}/sessions/{sid}/statements/{stmt['id']}")["state"] == "running",
                 "statement running", 30)
        time.sleep(2)
        assert http("GET", f"{livy.url}/sessions/{sid}")["state"] == "busy"
        t0 = time.monotonic()
        http("POST", f"{livy.url}/sessions/{sid}/statements/{stmt['id']}/cancel")
        done = wait_for(lambda: (s := http("GET", f"{livy.url}/sessions/{sid}/statements/{stmt['id']}"))["state"]
                        == "cancelled" and s, "statement cancelled", 30)
        assert time.monotonic() - t0 < 15, done
        wait_for(lambda: http("GET", f"{livy.url}/sessions/{sid}")["state"] == "idle", "session idle again", 30)
    assert text(run(livy, sid, "sc.parallelize(range(10)).count()")) == "10"  # the REPL survived both
    http("DELETE", f"{livy.url}/sessions/{sid}")


def test_dead_python_child_puts_session_in_error(livy):
    sid, _ = start_session(livy)
    out = run(livy, sid, "import os\nos._exit(3)")["output"]
    assert (out["status"], out["ename"]) == ("error", "PythonProcessDied") and "exit code 3" in out["evalue"]
    wait_for(lambda: http("GET", f"{livy.url}/sessions/{sid}")["state"] == "error", "session in error", 30)
    http("DELETE", f"{livy.url}/sessions/{sid}")


def test_real_sparkmagic_pyspark_kernel(livy, tmp_path, record_property):
    """SparkMagic 0.23's PySpark kernel: session start, a Spark job, %%sql and %%info."""
    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpecManager

    (tmp_path / "sparkmagic").mkdir()
    credentials = {"username": "", "password": "", "url": livy.url, "auth": "None"}
    (tmp_path / "sparkmagic" / "config.json").write_text(json.dumps({
        "kernel_python_credentials": credentials, "kernel_scala_credentials": credentials,
        "session_configs": {"driverMemory": "512m"}, "livy_session_startup_timeout_seconds": 180,
        "livy_server_heartbeat_timeout_seconds": 0}))
    spec = tmp_path / "kernels" / "pysparkkernel"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "sparkmagic.kernels.pysparkkernel.pysparkkernel", "-f", "{connection_file}"],
        "display_name": "PySpark", "language": "python"}))
    km = KernelManager(kernel_name="pysparkkernel",
                       kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(tmp_path / "kernels")]))
    km.start_kernel(env={**os.environ, "SPARKMAGIC_CONF_DIR": str(tmp_path / "sparkmagic")})
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=120)

        def cell(code: str) -> tuple[str, str]:
            outputs, errors = [], []

            def hook(msg):
                content = msg["content"]
                if msg["msg_type"] == "stream":
                    (errors if content["name"] == "stderr" else outputs).append(content["text"])
                elif msg["msg_type"] in ("execute_result", "display_data"):
                    outputs.append(content["data"].get("text/html") or content["data"].get("text/plain", ""))
                elif msg["msg_type"] == "error":
                    errors.append("\n".join(content["traceback"]))
            reply = kc.execute_interactive(code, timeout=300, output_hook=hook)
            assert reply["content"]["status"] == "ok", (reply["content"], outputs, errors)
            return "".join(outputs), "".join(errors)

        t0 = time.monotonic()
        out, err = cell("sc.parallelize(range(10**6), 8).sum()")
        record_property("sparkmagic_first_cell_s", round(time.monotonic() - t0, 2))
        print("SparkMagic first cell (session start + job):", round(time.monotonic() - t0, 2), "s")
        assert "499999500000" in out and not err, (out, err)
        out, err = cell("%%sql\nSELECT id, id * 2 AS doubled FROM range(3)")
        assert not err and "doubled" in out, (out, err)
        out, err = cell("%%info")
        assert "\u2714" in out and "pyspark" in out, out  # the current session marked with a check
        sessions = http("GET", f"{livy.url}/sessions")["sessions"]
        assert [s["state"] for s in sessions] == ["idle"], sessions
        # %%configure -f ends that session and starts one with the new conf.
        cell('%%configure -f\n{"driverMemory": "512m", "conf": {"spark.sql.shuffle.partitions": "3"}}')
        out, err = cell('spark.conf.get("spark.sql.shuffle.partitions")')
        assert "'3'" in out and not err, (out, err)
        after = http("GET", f"{livy.url}/sessions")["sessions"]
        assert [(s["state"], s["id"] > sessions[0]["id"]) for s in after] == [("idle", True)], after
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
        for session in http("GET", f"{livy.url}/sessions")["sessions"]:
            http("DELETE", f"{livy.url}/sessions/{session['id']}")

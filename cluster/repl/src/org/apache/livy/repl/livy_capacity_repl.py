"""Python child of the local cluster's REPL driver (jupyterlab-livy-capacity, cluster/repl).

Started by org.apache.livy.repl.PythonChild with the py4j port and secret in its environment.
Defines `sc`, `spark` and `sqlContext` on the driver's own SparkContext and SparkSession, then pulls
statements from the driver and answers each with Livy's statement output JSON.
"""
import ast
import glob
import io
import json
import os
import signal
import sys
import traceback
import warnings

executing = False


def on_sigint(signum, frame):
    # The driver sends SIGINT to cancel a statement that Spark job cancellation did not end; between
    # statements it is ignored, so a late signal cannot end the REPL.
    if executing:
        raise KeyboardInterrupt()


def import_pyspark():
    try:
        import pyspark  # noqa: F401
    except ImportError:  # a Python without the pyspark package: use Spark's own zips
        sys.path[:0] = sorted(glob.glob(os.path.join(os.environ.get("SPARK_HOME", ""), "python", "lib", "*.zip")))


def connect():
    from py4j.java_gateway import GatewayParameters, JavaGateway, java_import

    gateway = JavaGateway(gateway_parameters=GatewayParameters(
        address="127.0.0.1", port=int(os.environ["LIVY_CAPACITY_REPL_PORT"]),
        auth_token=os.environ["LIVY_CAPACITY_REPL_SECRET"], auto_convert=True))
    # The JVM names PySpark looks up through gateway.jvm.
    for name in ("org.apache.spark.SparkConf", "org.apache.spark.api.java.*", "org.apache.spark.api.python.*",
                 "org.apache.spark.ml.python.*", "org.apache.spark.mllib.api.python.*", "org.apache.spark.resource.*",
                 "org.apache.spark.sql.*", "org.apache.spark.sql.api.python.*", "org.apache.spark.sql.hive.*",
                 "scala.Tuple2"):
        java_import(gateway.jvm, name)
    return gateway


def error_output(count, exc):
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != "<stdin>":
        tb = tb.tb_next  # show the user's frames, not this file's
    return {"status": "error", "execution_count": count, "ename": type(exc).__name__,
            "evalue": str(exc), "traceback": traceback.format_exception(type(exc), exc, tb)}


def run_code(code, namespace):
    """Runs code like an interactive prompt: the value of a final expression is printed."""
    tree = ast.parse(code, "<stdin>", "exec")
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    exec(compile(tree, "<stdin>", "exec"), namespace)
    if last is not None:
        value = eval(compile(last, "<stdin>", "eval"), namespace)
        if value is not None:
            print(repr(value))


def execute(count, code, namespace):
    stripped = code.strip()
    if stripped.startswith("%json "):
        value = eval(compile(stripped[len("%json "):], "<stdin>", "eval"), namespace)
        return {"status": "ok", "execution_count": count, "data": {"application/json": value}}
    if stripped.startswith("%"):
        raise NotImplementedError("magic %s is not supported by the local cluster's REPL (only %%json)"
                                  % stripped.split()[0])
    run_code(code, namespace)
    return None


def main():
    global executing
    import_pyspark()
    gateway = connect()
    bridge = gateway.entry_point
    from pyspark import SparkConf, SparkContext
    from pyspark.sql import SparkSession, SQLContext

    jsc = bridge.jsc()
    sc = SparkContext(gateway=gateway, jsc=jsc, conf=SparkConf(_jconf=jsc.getConf()))
    spark = SparkSession(sc, bridge.session())
    signal.signal(signal.SIGINT, on_sigint)  # after SparkContext, which installs its own handler
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sql_context = SQLContext(sc, spark)
    namespace = {"__name__": "__main__", "__builtins__": __builtins__, "sc": sc, "spark": spark,
                 "sqlContext": sql_context}
    bridge.hello(os.getpid())
    print("livy-capacity REPL: Python %s ready" % sys.version.split()[0], file=sys.stderr)

    while True:
        request = bridge.take(1000)  # a broken gateway (driver gone) raises and ends this process
        if request is None:
            continue
        request = json.loads(request)
        count = request["id"]
        sc.setJobGroup(request["group"], "Livy statement %d" % count, True)
        buffer = io.StringIO()
        saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = buffer
        executing = True
        try:
            output = execute(count, request["code"], namespace)
            if output is None:
                output = {"status": "ok", "execution_count": count,
                          "data": {"text/plain": buffer.getvalue().rstrip("\n")}}
        except BaseException as exc:  # SystemExit and KeyboardInterrupt end the statement, not the REPL
            output = error_output(count, exc)
        finally:
            executing = False
            sys.stdout, sys.stderr = saved
        try:
            text = json.dumps(output)
        except (TypeError, ValueError) as exc:
            text = json.dumps(error_output(count, exc))
        bridge.done(count, text)


if __name__ == "__main__":
    main()

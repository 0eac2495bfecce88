/*
 * The Python side of the local cluster's REPL driver (jupyterlab-livy-capacity, issue 10): a child
 * process running livy_capacity_repl.py (shipped inside this jar), connected to this driver's
 * SparkContext through py4j's GatewayServer (the py4j that Spark ships), bound to 127.0.0.1 with a
 * random secret. The child pulls statements from Bridge.take() and hands results to Bridge.done().
 */
package org.apache.livy.repl;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.livy.rsc.driver.SparkEntries;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import py4j.GatewayServer;

final class PythonChild {
  static final String SCRIPT = "livy_capacity_repl.py";

  private final ReplDriver driver;
  private final Bridge bridge;
  private final GatewayServer gateway;
  private final Process process;
  private volatile boolean dead;

  private PythonChild(ReplDriver driver, Bridge bridge, GatewayServer gateway, Process process) {
    this.driver = driver;
    this.bridge = bridge;
    this.gateway = gateway;
    this.process = process;
  }

  /** Entry point the Python child calls through py4j; public for py4j's reflection. */
  public static final class Bridge {
    private final SparkEntries entries;
    private final BlockingQueue<String> requests = new LinkedBlockingQueue<>();
    private final Map<Integer, CompletableFuture<String>> results = new ConcurrentHashMap<>();
    private final CountDownLatch ready = new CountDownLatch(1);
    private volatile int pid = -1;

    Bridge(SparkEntries entries) {
      this.entries = entries;
    }

    public JavaSparkContext jsc() {
      return entries.sc();
    }

    public SparkSession session() throws Exception {
      return entries.sparkSession();
    }

    public void hello(int childPid) {
      pid = childPid;
      ready.countDown();
    }

    /** The next statement as {"id", "code", "group"} JSON, or null after timeoutMs. */
    public String take(int timeoutMs) throws InterruptedException {
      return requests.poll(timeoutMs, TimeUnit.MILLISECONDS);
    }

    public void done(int id, String output) {
      CompletableFuture<String> f = results.remove(id);
      if (f != null) {
        f.complete(output);
      }
    }
  }

  static PythonChild start(ReplDriver driver, SparkEntries entries, SparkConf conf) throws Exception {
    File script = File.createTempFile("livy-capacity-repl-", ".py");
    script.deleteOnExit();
    try (InputStream in = PythonChild.class.getResourceAsStream(SCRIPT)) {
      if (in == null) {
        throw new IllegalStateException(SCRIPT + " is missing from the REPL jar; rebuild with cluster/repl/build");
      }
      Files.copy(in, script.toPath(), StandardCopyOption.REPLACE_EXISTING);
    }
    byte[] raw = new byte[24];
    new SecureRandom().nextBytes(raw);
    StringBuilder secret = new StringBuilder();
    for (byte b : raw) {
      secret.append(String.format("%02x", b));
    }
    Bridge bridge = new Bridge(entries);
    GatewayServer gateway = new GatewayServer.GatewayServerBuilder()
        .entryPoint(bridge)
        .javaAddress(InetAddress.getLoopbackAddress())
        .javaPort(0)
        .authToken(secret.toString())
        .build();
    gateway.start(true);

    String python = firstSet(conf.get("spark.pyspark.driver.python", null),
        conf.get("spark.pyspark.python", null), System.getenv("PYSPARK_DRIVER_PYTHON"),
        System.getenv("PYSPARK_PYTHON"), "python3");
    ProcessBuilder pb = new ProcessBuilder(python, script.getAbsolutePath());
    Map<String, String> env = pb.environment();
    env.put("LIVY_CAPACITY_REPL_PORT", Integer.toString(gateway.getListeningPort()));
    env.put("LIVY_CAPACITY_REPL_SECRET", secret.toString());
    // A plain GatewayServer (no pinned threads): PySpark must not expect one JVM thread per
    // Python thread.
    env.put("PYSPARK_PIN_THREAD", "false");
    env.put("PYTHONUNBUFFERED", "1");
    if (!env.containsKey("PYSPARK_PYTHON")) {
      env.put("PYSPARK_PYTHON", firstSet(conf.get("spark.pyspark.python", null), python));
    }
    pb.redirectOutput(ProcessBuilder.Redirect.INHERIT).redirectError(ProcessBuilder.Redirect.INHERIT);
    ReplDriver.LOG.info("starting the Python REPL: {} {} (py4j on 127.0.0.1:{})", python, script,
        gateway.getListeningPort());
    Process process = pb.start();
    final PythonChild child = new PythonChild(driver, bridge, gateway, process);
    Thread watcher = new Thread(child::watch, "repl-python-watcher");
    watcher.setDaemon(true);
    watcher.start();
    long deadline = System.currentTimeMillis() + 180_000;
    while (!bridge.ready.await(200, TimeUnit.MILLISECONDS)) {
      if (child.dead || System.currentTimeMillis() > deadline) {
        child.stop();
        throw new IllegalStateException("the Python REPL (" + python + ") did not start"
            + (child.dead ? ": it exited with code " + process.exitValue() : " within 180 s")
            + "; its output is in the driver's log");
      }
    }
    ReplDriver.LOG.info("Python REPL ready (pid {})", bridge.pid);
    return child;
  }

  private void watch() {
    int code;
    try {
      code = process.waitFor();
    } catch (InterruptedException e) {
      return;
    }
    dead = true;
    String why = "exit code " + code;
    for (Integer id : bridge.results.keySet()) {
      bridge.done(id, ReplDriver.errorOutput(id, "PythonProcessDied",
          "The Python process of this session ended (" + why + "); the session is in error. "
              + "Start a new session (in SparkMagic: %%configure -f, or restart the kernel).",
          new ArrayList<>()));
    }
    if (!driver.isShuttingDown()) {
      driver.pythonDied(why);
    }
  }

  String execute(int id, String code) throws Exception {
    if (dead) {
      return ReplDriver.errorOutput(id, "PythonProcessDied",
          "The Python process of this session has ended; start a new session.", new ArrayList<>());
    }
    CompletableFuture<String> result = new CompletableFuture<>();
    bridge.results.put(id, result);
    ObjectNode req = ReplDriver.JSON.createObjectNode();
    req.put("id", id);
    req.put("code", code);
    req.put("group", ReplDriver.jobGroup(id));
    bridge.requests.put(ReplDriver.JSON.writeValueAsString(req));
    while (true) {
      try {
        return result.get(1, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        if (dead) { // the watcher may have run before this id was registered
          bridge.done(id, ReplDriver.errorOutput(id, "PythonProcessDied",
              "The Python process of this session has ended; start a new session.", new ArrayList<>()));
        }
      }
    }
  }

  /** One KeyboardInterrupt for a statement that does not end on Spark job cancellation. */
  void interrupt(int id) {
    if (dead || bridge.pid <= 0 || !bridge.results.containsKey(id)) {
      return;
    }
    try {
      new ProcessBuilder("kill", "-INT", Integer.toString(bridge.pid)).start().waitFor();
    } catch (Exception e) {
      ReplDriver.LOG.warn("could not interrupt the Python REPL", e);
    }
  }

  void stop() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
    }
    gateway.shutdown();
  }

  private static String firstSet(String... values) {
    for (String v : values) {
      if (v != null && !v.trim().isEmpty()) {
        return v.trim();
      }
    }
    return null;
  }
}

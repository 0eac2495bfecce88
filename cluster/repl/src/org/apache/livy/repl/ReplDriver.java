/*
 * The local cluster's own REPL driver for Apache Livy 0.7.1 (jupyterlab-livy-capacity, issue 10).
 *
 * Test and demo infrastructure only: the package registry serves no livy-repl jars, and Livy 0.7.1
 * starts every interactive session's driver as org.apache.livy.repl.ReplDriver (fixed name), so the
 * project provides a class of that name. Written from the protocol that the served livy-rsc jar
 * declares (read with javap) and Livy's REST documentation; it contains no Livy source code.
 *
 * Kinds: pyspark (a Python child process on the driver's SparkContext through py4j, see
 * PythonChild) and sql (spark.sql in this JVM). Other kinds are answered with a clear error.
 */
package org.apache.livy.repl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.channel.ChannelHandlerContext;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.livy.rsc.BaseProtocol;
import org.apache.livy.rsc.RSCConf;
import org.apache.livy.rsc.ReplJobResults;
import org.apache.livy.rsc.driver.RSCDriver;
import org.apache.livy.rsc.driver.SparkEntries;
import org.apache.livy.rsc.driver.Statement;
import org.apache.livy.rsc.driver.StatementState;
import org.apache.livy.rsc.rpc.Rpc;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkJobInfo;
import org.apache.spark.SparkStageInfo;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.JavaSparkStatusTracker;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructField;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public class ReplDriver extends RSCDriver {
  static final Logger LOG = LoggerFactory.getLogger(ReplDriver.class);
  static final ObjectMapper JSON = new ObjectMapper();

  private final String sessionKind;
  private final int retained;
  private final int sqlRows;
  private final AtomicInteger nextId = new AtomicInteger();
  private final Map<Integer, Statement> statements = new LinkedHashMap<>(); // guarded by this
  private int pending; // statements waiting or running; guarded by this
  private String state = "starting"; // Livy session state names; guarded by this
  private final ExecutorService runner = Executors.newSingleThreadExecutor(daemon("repl-statements"));
  private final ExecutorService cancellers = Executors.newCachedThreadPool(daemon("repl-cancel"));
  private volatile SparkEntries entries;
  private volatile PythonChild python;
  private final Object pythonLock = new Object();
  private final CountDownLatch initialized = new CountDownLatch(1); // Spark (and Python) set up
  private volatile boolean shuttingDown;
  private volatile String startFailure; // why the REPL could not start, if it could not

  public ReplDriver(SparkConf conf, RSCConf livyConf) throws Exception {
    super(conf, new LoopbackConf(livyConf));
    String kind = livyConf.get(RSCConf.Entry.SESSION_KIND);
    this.sessionKind = kind == null || kind.isEmpty() ? "pyspark" : kind;
    this.retained = Math.max(1, intConf(livyConf, RSCConf.Entry.RETAINED_STATEMENTS, 100));
    this.sqlRows = Math.max(1, intConf(livyConf, RSCConf.Entry.SQL_NUM_ROWS, 1000));
    LOG.info("jupyterlab-livy-capacity REPL driver (not Livy's own REPL), session kind {}", sessionKind);
  }

  /**
   * RSCDriver clears livy.rsc.rpc.server.address before it starts its RPC server and then
   * advertises findLocalAddress() (the machine's external interface) to the Livy server. This
   * copy of the configuration answers the configured address instead, so the Livy server reaches
   * the driver on loopback. Note: Livy 0.7.1's RpcServer itself binds all interfaces (its own
   * code, not changeable from here); everything this REPL opens binds 127.0.0.1.
   */
  static final class LoopbackConf extends RSCConf {
    private final String address;

    LoopbackConf(RSCConf original) {
      super(new Properties());
      setAll(original);
      String a = original.get(RSCConf.Entry.RPC_SERVER_ADDRESS);
      this.address = a == null || a.trim().isEmpty() ? null : a.trim();
    }

    @Override
    public String findLocalAddress() throws IOException {
      return address != null ? address : super.findLocalAddress();
    }
  }

  @Override
  protected SparkEntries initializeSparkEntries() throws Exception {
    SparkEntries created = super.initializeSparkEntries();
    entries = created;
    try {
      created.sparkSession();
      if (isPython(sessionKind)) {
        python = PythonChild.start(this, created, conf);
      }
      synchronized (this) {
        setState(pending > 0 ? "busy" : "idle");
      }
    } catch (Exception e) {
      LOG.error("REPL failed to start; the session goes to error", e);
      startFailure = String.valueOf(e.getMessage());
      setState("error");
    } finally {
      initialized.countDown();
    }
    return created;
  }

  @Override
  protected void onClientAuthenticated(Rpc client) {
    super.onClientAuthenticated(client);
    String now;
    synchronized (this) {
      now = state;
    }
    client.call(new BaseProtocol.ReplState(now));
  }

  @Override
  protected void shutdownContext() {
    shuttingDown = true;
    PythonChild child = python;
    if (child != null) {
      child.stop();
    }
    runner.shutdownNow();
    cancellers.shutdownNow();
    super.shutdownContext();
  }

  boolean isShuttingDown() {
    return shuttingDown;
  }

  /** The Python child died on its own: the session cannot run Python any more. */
  void pythonDied(String why) {
    LOG.error("Python REPL process died ({}); the session goes to error", why);
    setState("error");
  }

  synchronized void setState(String next) {
    if (state.equals(next) || ("error".equals(state) && !"error".equals(next))) {
      return; // error is final: a session whose interpreter died never reports idle again
    }
    LOG.info("REPL state {} -> {}", state, next);
    state = next;
    broadcast(new BaseProtocol.ReplState(next));
  }

  // ---- Messages from the Livy server, dispatched by reflection on handle(ctx, message). ----

  public Integer handle(ChannelHandlerContext ctx, BaseProtocol.ReplJobRequest msg) {
    final int id = nextId.getAndIncrement();
    final Statement st = new Statement(id, msg.code, StatementState.Waiting, null);
    // A statement that names no kind runs in the session's kind.
    final String kind = msg.codeType == null || msg.codeType.isEmpty() ? sessionKind : msg.codeType;
    synchronized (this) {
      statements.put(id, st);
      pending++;
      trimStatements();
      if (!"starting".equals(state)) {
        setState("busy");
      }
    }
    runner.execute(() -> execute(st, kind));
    return id;
  }

  public ReplJobResults handle(ChannelHandlerContext ctx, BaseProtocol.GetReplJobResults msg) {
    List<Statement> out = new ArrayList<>();
    synchronized (this) {
      int from = msg.from == null ? 0 : msg.from;
      int size = msg.size == null ? Integer.MAX_VALUE : msg.size;
      for (Statement st : statements.values()) {
        if (msg.allResults || (st.id >= from && out.size() < size)) {
          out.add(st);
        }
      }
    }
    for (Statement st : out) {
      if (st.state.get() == StatementState.Running) {
        st.updateProgress(progressOf(st.id));
      }
    }
    return new ReplJobResults(out.toArray(new Statement[0]));
  }

  public void handle(ChannelHandlerContext ctx, BaseProtocol.CancelReplJobRequest msg) {
    final Statement st;
    synchronized (this) {
      st = statements.get(msg.id);
    }
    if (st == null || st.compareAndTransit(StatementState.Waiting, StatementState.Cancelled)) {
      return; // unknown, or cancelled before it ran (execute() skips it)
    }
    if (st.compareAndTransit(StatementState.Running, StatementState.Cancelling)) {
      cancellers.execute(() -> cancel(st));
    }
  }

  public String[] handle(ChannelHandlerContext ctx, BaseProtocol.ReplCompleteRequest msg) {
    return new String[0]; // no code completion in this REPL
  }

  // ---- Statements. ----

  static String jobGroup(int id) {
    return "livy-statement-" + id;
  }

  private void execute(Statement st, String kind) {
    try {
      initialized.await(); // a statement that arrives while Spark starts waits for it
      if (!st.compareAndTransit(StatementState.Waiting, StatementState.Running)) {
        return;
      }
      st.started = System.currentTimeMillis();
      String output;
      try {
        output = run(st.id, st.code, kind);
      } catch (Throwable t) {
        output = errorOutput(st.id, t);
      }
      st.output = output; // set before the state says "available": Livy reads state, then output
      st.updateProgress(1.0);
      st.completed = System.currentTimeMillis();
      if (!st.compareAndTransit(StatementState.Running, StatementState.Available)) {
        st.compareAndTransit(StatementState.Cancelling, StatementState.Cancelled);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // shutting down
    } finally {
      synchronized (this) {
        pending--;
        if (pending == 0) {
          setState("idle");
        }
      }
    }
  }

  private String run(int id, String code, String kind) throws Exception {
    if (startFailure != null) {
      return errorOutput(id, "ReplStartFailed", "The session's REPL did not start: " + startFailure
          + " (the driver's log has the details)", new ArrayList<>());
    }
    if (isPython(kind)) {
      PythonChild child = python;
      if (child == null) { // a sql (or other) session asked for Python: start it on first use
        synchronized (pythonLock) {
          if (python == null) {
            python = PythonChild.start(this, entries, conf);
          }
          child = python;
        }
      }
      return child.execute(id, code);
    }
    if ("sql".equals(kind)) {
      return runSql(id, code);
    }
    return errorOutput(id, "UnsupportedKind", "The local cluster's REPL (jupyterlab-livy-capacity, "
        + "cluster/repl) runs pyspark and sql statements only, not '" + kind + "'. "
        + "Use a PySpark session, or a cluster with Apache Livy's own REPL jars.", new ArrayList<>());
  }

  private String runSql(int id, String code) throws Exception {
    JavaSparkContext jsc = entries.sc();
    jsc.setJobGroup(jobGroup(id), "Livy statement " + id, true);
    try {
      Dataset<Row> df = entries.sparkSession().sql(code);
      ObjectNode table = JSON.createObjectNode();
      table.set("schema", JSON.readTree(df.schema().json()));
      ArrayNode data = table.putArray("data");
      StructField[] fields = df.schema().fields();
      for (String rowJson : df.toJSON().takeAsList(sqlRows)) {
        JsonNode row = JSON.readTree(rowJson);
        ArrayNode values = data.addArray();
        for (StructField f : fields) {
          JsonNode v = row.get(f.name());
          values.add(v == null ? JSON.nullNode() : v);
        }
      }
      ObjectNode out = okOutput(id);
      ((ObjectNode) out.get("data")).set("application/json", table);
      return JSON.writeValueAsString(out);
    } finally {
      jsc.clearJobGroup();
    }
  }

  private void cancel(Statement st) {
    JavaSparkContext jsc = entries.sc();
    long deadline = System.currentTimeMillis() + 60_000;
    long interruptAt = System.currentTimeMillis() + 3_000;
    boolean interrupted = false;
    // Cancel the statement's Spark jobs until it ends (it may start new ones); a statement that
    // stays busy without Spark jobs (a Python loop) gets one KeyboardInterrupt after 3 s.
    while (st.state.get() == StatementState.Cancelling && System.currentTimeMillis() < deadline) {
      jsc.cancelJobGroup(jobGroup(st.id));
      PythonChild child = python;
      if (!interrupted && child != null && System.currentTimeMillis() > interruptAt) {
        child.interrupt(st.id);
        interrupted = true;
      }
      try {
        TimeUnit.MILLISECONDS.sleep(200);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private double progressOf(int id) {
    try {
      JavaSparkStatusTracker tracker = entries.sc().statusTracker();
      long done = 0;
      long total = 0;
      for (int job : tracker.getJobIdsForGroup(jobGroup(id))) {
        SparkJobInfo info = tracker.getJobInfo(job);
        if (info == null) {
          continue;
        }
        for (int stage : info.stageIds()) {
          SparkStageInfo s = tracker.getStageInfo(stage);
          if (s != null) {
            done += s.numCompletedTasks();
            total += s.numTasks();
          }
        }
      }
      return total == 0 ? 0.0 : Math.min(0.99, (double) done / total);
    } catch (RuntimeException e) {
      return 0.0;
    }
  }

  private void trimStatements() { // caller holds the lock
    Iterator<Statement> it = statements.values().iterator();
    while (statements.size() > retained && it.hasNext()) {
      if (it.next().state.get().isOneOf(StatementState.Available, StatementState.Cancelled)) {
        it.remove();
      }
    }
  }

  // ---- Livy's statement output JSON. ----

  static ObjectNode okOutput(int id) {
    ObjectNode out = JSON.createObjectNode();
    out.put("status", "ok");
    out.put("execution_count", id);
    out.putObject("data");
    return out;
  }

  static String errorOutput(int id, String ename, String evalue, List<String> traceback) {
    ObjectNode out = JSON.createObjectNode();
    out.put("status", "error");
    out.put("execution_count", id);
    out.put("ename", ename);
    out.put("evalue", evalue);
    ArrayNode tb = out.putArray("traceback");
    for (String line : traceback) {
      tb.add(line);
    }
    try {
      return JSON.writeValueAsString(out);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static String errorOutput(int id, Throwable t) {
    List<String> tb = new ArrayList<>();
    for (StackTraceElement e : t.getStackTrace()) {
      tb.add("\tat " + e + "\n");
      if (tb.size() >= 40) {
        break;
      }
    }
    String msg = t.getMessage();
    return errorOutput(id, t.getClass().getName(), msg == null ? t.toString() : msg, tb);
  }

  // ---- Small helpers. ----

  static boolean isPython(String kind) {
    return "pyspark".equals(kind) || "python".equals(kind);
  }

  private static int intConf(RSCConf conf, RSCConf.Entry entry, int dflt) {
    try {
      return conf.getInt(entry);
    } catch (RuntimeException e) {
      return dflt;
    }
  }

  static ThreadFactory daemon(final String name) {
    final AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}

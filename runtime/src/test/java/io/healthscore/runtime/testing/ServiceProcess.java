package io.healthscore.runtime.testing;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.healthscore.runtime.client.Channels;
import io.healthscore.runtime.config.ServiceConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A service running in a JVM of its own, for durability and end-to-end tests: started with the test
 * classpath, ready once its gRPC health check says SERVING, stoppable gracefully (SIGTERM) or
 * brutally ({@link #kill9()}: on Linux {@code Process.destroyForcibly} sends SIGKILL). Its output
 * goes to a log file; failures quote the tail of it.
 */
public final class ServiceProcess implements AutoCloseable {
  private final Process process;
  private final Path log;
  private final int grpcPort;
  private final int metricsPort;
  private ManagedChannel channel;

  private ServiceProcess(Process process, Path log, int grpcPort, int metricsPort) {
    this.process = process;
    this.log = log;
    this.grpcPort = grpcPort;
    this.metricsPort = metricsPort;
  }

  public static Builder builder(String mainClass) {
    return new Builder(mainClass);
  }

  /** A port free right now (another process could still take it; good enough for tests). */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int grpcPort() {
    return grpcPort;
  }

  public int metricsPort() {
    return metricsPort;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** A channel to the service, created on first use and closed with this. */
  public synchronized ManagedChannel channel() {
    if (channel == null) {
      channel = Channels.forAddress("localhost:" + grpcPort);
    }
    return channel;
  }

  /** Kills the JVM with SIGKILL: no shutdown hooks, no flushing, like a crash or OOM kill. */
  public void kill9() {
    process.destroyForcibly();
    waitForExit(Duration.ofSeconds(30));
  }

  /** Asks the JVM to exit with SIGTERM, as Kubernetes does, and returns its exit code. */
  public int stop(Duration timeout) {
    process.destroy();
    return waitForExit(timeout);
  }

  public Path logFile() {
    return log;
  }

  /** Everything the process printed so far. */
  public String output() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e.getMessage() + ")";
    }
  }

  /** The whole server's health, as a probe asks it (empty service name), within 10 s. */
  public HealthCheckResponse.ServingStatus health() {
    return HealthGrpc.newBlockingStub(channel()).withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance()).getStatus();
  }

  private int waitForExit(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor();
        throw new AssertionError("process did not exit within " + timeout + "\n" + tail());
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting for the process", e);
    }
  }

  private void awaitServing(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    HealthCheckRequest request = HealthCheckRequest.getDefaultInstance();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("process exited with " + process.exitValue() + " before serving\n" + tail());
      }
      try {
        HealthCheckResponse response =
            HealthGrpc.newBlockingStub(channel()).withDeadlineAfter(1, TimeUnit.SECONDS).check(request);
        if (response.getStatus() == HealthCheckResponse.ServingStatus.SERVING) {
          return;
        }
      } catch (StatusRuntimeException notYet) {
        // Still starting.
      }
      sleep(Duration.ofMillis(100));
    }
    close();
    throw new AssertionError("process not SERVING within " + timeout + "\n" + tail());
  }

  private String tail() {
    String out = output();
    return "--- last output of " + log + " ---\n" + out.substring(Math.max(0, out.length() - 4000));
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** Closes the channel and kills the process if it still runs. */
  @Override
  public synchronized void close() {
    if (channel != null) {
      channel.shutdownNow();
      channel = null;
    }
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }

  public static final class Builder {
    private final String mainClass;
    private final Map<String, String> env = new LinkedHashMap<>();
    private final List<String> jvmArgs = new ArrayList<>();
    private final List<String> args = new ArrayList<>();
    private Path logFile;
    private Duration startTimeout = Duration.ofSeconds(60);
    private String cpus = "";

    private Builder(String mainClass) {
      this.mainClass = mainClass;
    }

    /** Sets an environment variable of the process (e.g. HEALTHSCORE_DATA_DIR). */
    public Builder env(String name, String value) {
      env.put(name, value);
      return this;
    }

    public Builder jvmArg(String arg) {
      jvmArgs.add(arg);
      return this;
    }

    public Builder arg(String arg) {
      args.add(arg);
      return this;
    }

    /** Where output goes; default a temp file. */
    public Builder logFile(Path file) {
      this.logFile = file;
      return this;
    }

    public Builder startTimeout(Duration timeout) {
      this.startTimeout = timeout;
      return this;
    }

    /**
     * Runs the JVM on these CPUs only ({@code taskset -c}, e.g. "0"), so that a benchmark can keep
     * its own load off the service's cores; empty (the default) for all of them.
     */
    public Builder cpus(String cpuList) {
      this.cpus = cpuList;
      return this;
    }

    /**
     * Starts the process on free gRPC and metrics ports unless HEALTHSCORE_GRPC_PORT /
     * HEALTHSCORE_METRICS_PORT were set, and waits until it is SERVING.
     */
    public ServiceProcess start() {
      int grpcPort = Integer.parseInt(env.computeIfAbsent(ServiceConfig.GRPC_PORT, k -> String.valueOf(freePort())));
      int metricsPort =
          Integer.parseInt(env.computeIfAbsent(ServiceConfig.METRICS_PORT, k -> String.valueOf(freePort())));
      List<String> command = new ArrayList<>();
      if (!cpus.isEmpty()) {
        command.addAll(List.of("taskset", "-c", cpus));
      }
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(jvmArgs);
      command.add("-cp");
      command.add(System.getProperty("java.class.path"));
      command.add(mainClass);
      command.addAll(args);
      try {
        Path log = logFile != null ? logFile : Files.createTempFile("service-process-", ".log");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.redirectOutput(log.toFile());
        pb.environment().putAll(env);
        ServiceProcess started = new ServiceProcess(pb.start(), log, grpcPort, metricsPort);
        started.awaitServing(startTimeout);
        return started;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start " + mainClass, e);
      }
    }
  }
}

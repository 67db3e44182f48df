package io.healthscore.demo;

import io.healthscore.cli.local.Suite;
import io.healthscore.runtime.logging.Logging;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

/**
 * {@code java -jar demo/target/healthscore-demo.jar [--exit] [--accounts N] [--any-ports]}: starts
 * signals-service (7001), scoring-service (7002) and alerting-service (7003) on embedded storage
 * under data/demo, plays the demo story, prints its summary, then keeps serving until Ctrl-C (or
 * stops at once with --exit). --any-ports takes free ports instead, for tests and busy machines.
 */
public final class DemoMain {
  static final int DEFAULT_ACCOUNTS = 2000;

  private DemoMain() {}

  public static void main(String[] args) throws Exception {
    Logging.install();
    List<String> flags = Arrays.asList(args);
    boolean exitWhenDone = flags.contains("--exit");
    boolean anyPorts = flags.contains("--any-ports");
    int accounts = DEFAULT_ACCOUNTS;
    int at = flags.indexOf("--accounts");
    if (at >= 0 && at + 1 < args.length) {
      accounts = Integer.parseInt(args[at + 1]);
    }
    Path dataRoot = Path.of(System.getenv().getOrDefault("HEALTHSCORE_DATA_DIR", "data/demo"));
    // The story's signals carry fresh event ids on every run, so it starts from empty stores.
    deleteRecursively(dataRoot);
    Path log = DemoLogging.toFile(dataRoot);
    System.out.println("healthscore demo: service logs (alerts of the log channel too) go to " + log);
    Map<String, String> env = new HashMap<>(System.getenv());
    env.putIfAbsent("HEALTHSCORE_CONFIG_DIR", Files.isDirectory(Path.of("config")) ? "config" : "");
    // The demo's webhook receiver listens on loopback, which webhooks may not reach by default.
    env.put("HEALTHSCORE_WEBHOOK_ALLOWLIST", "127.0.0.1");
    // Alerts and score changes reach consumers within a second in the demo.
    env.putIfAbsent("HEALTHSCORE_FEED_COALESCE_WINDOW", "100ms");
    // One local user on a possibly busy machine: learning's bulk read of a year of snapshots may
    // wait a while for signals-service, which beats failing the story.
    env.putIfAbsent("HEALTHSCORE_SIGNALS_DEADLINE", "60s");

    long started = System.nanoTime();
    Suite suite = Suite.start(dataRoot, env, !anyPorts);
    DemoScenario scenario = new DemoScenario(suite, System.out);
    // Ctrl-C stops the services gracefully, whatever the demo is doing.
    Thread stop = new Thread(() -> {
      scenario.close();
      suite.close();
    }, "demo-stop");
    Runtime.getRuntime().addShutdownHook(stop);
    try {
      scenario.run(accounts);
    } catch (RuntimeException | InterruptedException e) {
      System.err.println("demo failed: " + e);
      System.exit(1);
    }
    System.out.printf("%n  (demo took %.0f s)%n", (System.nanoTime() - started) / 1e9);
    System.out.printf("%n== The services keep running on embedded storage under %s:%n", dataRoot);
    System.out.printf("  signals-service  grpc localhost:%d  metrics http://localhost:%d/metrics%n",
        suite.signalsPort(), suite.signalsMetricsPort());
    System.out.printf("  scoring-service  grpc localhost:%d  metrics http://localhost:%d/metrics%n",
        suite.scoringPort(), suite.scoringMetricsPort());
    System.out.printf("  alerting-service grpc localhost:%d  metrics http://localhost:%d/metrics%n",
        suite.alertingPort(), suite.alertingMetricsPort());
    String ports = anyPorts ? String.format(" --signals localhost:%d --scoring localhost:%d --alerting localhost:%d",
        suite.signalsPort(), suite.scoringPort(), suite.alertingPort()) : "";
    System.out.println("  query them (in another terminal):");
    System.out.println("    bin/healthscore" + ports + " scores list --band red --order mrr-at-risk --limit 10");
    System.out.println("    bin/healthscore" + ports + " explain <account>");
    System.out.println("    bin/healthscore" + ports + " alerts list");
    System.out.println("    bin/healthscore" + ports + " report --out report.html");
    if (exitWhenDone) {
      System.exit(0);
    }
    System.out.println("  Ctrl-C stops them.");
    new CountDownLatch(1).await();
  }

  private static void deleteRecursively(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}

package io.healthscore.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

/**
 * {@code java -jar demo/target/healthscore-demo.jar [--exit]}: starts signals-service (7001),
 * scoring-service (7002) and alerting-service (7003) on embedded storage under data/demo, plays the
 * demo story, then keeps serving until Ctrl-C (or stops at once with --exit).
 */
public final class DemoMain {
  private DemoMain() {}

  public static void main(String[] args) throws Exception {
    boolean exitWhenDone = Arrays.asList(args).contains("--exit");
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

    Suite suite = Suite.start(dataRoot, env, true);
    DemoScenario scenario = new DemoScenario(suite, System.out);
    // Ctrl-C stops the services gracefully, whatever the demo is doing.
    Thread stop = new Thread(() -> {
      scenario.close();
      suite.close();
    }, "demo-stop");
    Runtime.getRuntime().addShutdownHook(stop);
    try {
      scenario.run(24);
    } catch (RuntimeException | InterruptedException e) {
      System.err.println("demo failed: " + e);
      System.exit(1);
    }
    System.out.printf("%n== The services keep running on embedded storage under %s:%n", dataRoot);
    System.out.printf("  signals-service  grpc localhost:%d  metrics http://localhost:%d/metrics%n",
        suite.signalsPort(), suite.signalsMetricsPort());
    System.out.printf("  scoring-service  grpc localhost:%d  metrics http://localhost:%d/metrics%n",
        suite.scoringPort(), suite.scoringMetricsPort());
    System.out.printf("  alerting-service grpc localhost:%d  metrics http://localhost:%d/metrics%n",
        suite.alertingPort(), suite.alertingMetricsPort());
    System.out.println("  try: grpcurl -plaintext -d '{\"account_id\":\"acct-000\"}' localhost:7002 "
        + "healthscore.v1.ScoringService/ExplainScore");
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

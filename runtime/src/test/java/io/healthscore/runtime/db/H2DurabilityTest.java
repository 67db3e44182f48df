package io.healthscore.runtime.db;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.testing.ServiceProcess;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every commit a writer saw return must survive SIGKILL of its JVM. */
class H2DurabilityTest {

  @Test
  void acknowledgedCommitsSurviveKill9(@TempDir Path dataDir) throws Exception {
    ServiceProcess writer =
        ServiceProcess.builder(DurableWriterMain.class.getName())
            .env(ServiceConfig.DATA_DIR, dataDir.toString())
            .start();
    long acknowledged;
    try {
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while ((acknowledged = lastAcknowledged(writer.output())) < 300 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      writer.kill9();
      acknowledged = lastAcknowledged(writer.output());
    } finally {
      writer.close();
    }
    assertTrue(acknowledged >= 300, "writer too slow:\n" + writer.output());

    try (Database db =
        Database.open(ServiceConfig.fromMap(DurableWriterMain.SERVICE, 0, 0, Map.of()).withDataDir(dataDir))) {
      long rows =
          db.inTransaction(
              c -> {
                try (ResultSet rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM acked")) {
                  rs.next();
                  return rs.getLong(1);
                }
              });
      assertTrue(rows >= acknowledged, "acknowledged " + acknowledged + " rows but only " + rows + " survived");
    }
  }

  private static long lastAcknowledged(String output) {
    long last = 0;
    for (String line : output.split("\n")) {
      if (line.startsWith("acked ")) {
        last = Long.parseLong(line.substring(6).trim());
      }
    }
    return last;
  }
}

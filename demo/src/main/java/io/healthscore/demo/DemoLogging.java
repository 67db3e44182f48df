package io.healthscore.demo;

import io.healthscore.runtime.logging.Logging;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Sends the services' logs (log-channel alerts too) to a file, so the console tells the story. The
 * lines are those a service writes: HEALTHSCORE_LOG_FORMAT and HEALTHSCORE_LOG_LEVEL apply, secrets
 * are masked.
 */
final class DemoLogging {
  private DemoLogging() {}

  static Path toFile(Path dataRoot) throws IOException {
    Files.createDirectories(dataRoot);
    Path file = dataRoot.resolve("services.log");
    Logging.toFile(file);
    return file;
  }
}

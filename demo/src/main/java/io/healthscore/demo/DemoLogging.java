package io.healthscore.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.FileHandler;
import java.util.logging.Handler;
import java.util.logging.LogManager;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/** Sends the services' logs (log-channel alerts included) to a file, so the console tells the story. */
final class DemoLogging {
  private DemoLogging() {}

  static Path toFile(Path dataRoot) throws IOException {
    Files.createDirectories(dataRoot);
    Path file = dataRoot.resolve("services.log");
    System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tFT%1$tT.%1$tL %4$s %3$s %5$s%6$s%n");
    LogManager.getLogManager().reset();
    Logger root = Logger.getLogger("");
    Handler handler = new FileHandler(file.toString(), true);
    handler.setFormatter(new SimpleFormatter());
    root.addHandler(handler);
    return file;
  }
}

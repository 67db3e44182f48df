package io.healthscore.signals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.logging.LogFormat;
import io.healthscore.runtime.testing.ServiceProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * signals-service as operators run it with JSON logs: every line its JVM prints is one JSON object
 * (the libraries' lines too, and no SLF4J complaint about a missing provider), and the line saying it
 * stopped survives SIGTERM.
 */
class LoggingProcessTest {
  @TempDir Path dir;

  @Test
  void everyLineIsJsonAndTheStopIsLogged() throws Exception {
    ServiceProcess service =
        ServiceProcess.builder(SignalsServiceMain.class.getName())
            .env(ServiceConfig.DATA_DIR, dir.resolve("data").toString())
            .env(LogFormat.VARIABLE, "json")
            .logFile(dir.resolve("service.log"))
            .start();
    int exit;
    try (service) {
      exit = service.stop(Duration.ofSeconds(60));
    }
    String output = service.output();
    assertEquals(143, exit, output);
    assertFalse(output.contains("SLF4J"), output);
    List<String> messages = new ArrayList<>();
    ObjectMapper json = new ObjectMapper();
    for (String line : output.split("\n")) {
      JsonNode event = json.readTree(line);
      assertTrue(event.hasNonNull("level") && event.hasNonNull("timestamp"), line);
      messages.add(event.get("formattedMessage").asText());
    }
    assertTrue(messages.stream().anyMatch(m -> m.startsWith("signals-service started")), messages::toString);
    assertEquals("signals-service stopped", messages.get(messages.size() - 1), messages::toString);
  }
}

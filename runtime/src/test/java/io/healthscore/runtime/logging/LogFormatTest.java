package io.healthscore.runtime.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.healthscore.runtime.testing.LogCapture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class LogFormatTest {
  private static final Logger LOG = LoggerFactory.getLogger(LogFormatTest.class);

  @Test
  void jsonIsOneObjectPerLineWithTheStackTraceInsideAndSecretsMasked() throws Exception {
    try (LogCapture log = LogCapture.everything(LogFormat.JSON)) {
      LOG.warn("connecting to jdbc:postgresql://pg/hs?user=u&password=pw-in-json failed",
          new IllegalStateException("line one\nline two"));
      java.util.logging.Logger.getLogger("jul.library").warning("a library line \"quoted\"");
      List<String> lines = log.lines();
      assertEquals(2, lines.size(), lines::toString);
      for (String line : lines) {
        assertTrue(line.endsWith("\n"), line);
        assertEquals(1, line.split("\n", -1).length - 1, () -> "one line per event: " + line);
      }
      JsonNode first = new ObjectMapper().readTree(lines.get(0));
      assertEquals("WARN", first.get("level").asText());
      assertEquals(LogFormatTest.class.getName(), first.get("loggerName").asText());
      assertEquals("connecting to jdbc:postgresql://pg/hs?user=u&password=*** failed", first.get("formattedMessage").asText());
      assertEquals("line one\nline two", first.get("throwable").get("message").asText());
      assertFalse(lines.get(0).contains("pw-in-json"));
      JsonNode bridged = new ObjectMapper().readTree(lines.get(1));
      assertEquals("jul.library", bridged.get("loggerName").asText());
      assertEquals("a library line \"quoted\"", bridged.get("formattedMessage").asText());
    }
  }

  @Test
  void textIsTimeLevelLoggerThreadMessage() {
    try (LogCapture log = LogCapture.of(LogFormatTest.class, Level.INFO)) {
      LOG.info("hello {}", "world");
      String line = log.lines().get(0);
      assertTrue(line.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\S+ INFO  \\S+LogFormatTest \\[[^]]+\\] hello world\\n"), line);
    }
  }

  @Test
  void theProcessAppenderWritesMaskedLinesInEitherFormat(@TempDir Path dir) throws Exception {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    try {
      for (LogFormat format : LogFormat.values()) {
        Path file = dir.resolve(format + ".log");
        LogConfigurator.apply(context, format, Level.INFO, file);
        LOG.info("{} line with password=pw-{}", format, format);
        LOG.debug("below the level");
        String written = Files.readString(file);
        assertEquals(1, written.split("\n").length, written);
        assertTrue(written.contains(format + " line with password=***"), written);
        assertFalse(written.contains("pw-"), written);
      }
    } finally {
      LogConfigurator.apply(context, LogConfigurator.format(), LogConfigurator.level(), null);
    }
  }

  @Test
  void badVariablesNameThemselves() {
    assertEquals(LogFormat.JSON, LogFormat.parse(" JSON "));
    assertEquals(LogFormat.TEXT, LogFormat.parse(""));
    assertEquals(
        "HEALTHSCORE_LOG_FORMAT: expected text or json, got 'xml'",
        assertThrows(IllegalArgumentException.class, () -> LogFormat.parse("xml")).getMessage());
    assertEquals(Level.DEBUG, LogConfigurator.parseLevel("debug", Level.INFO));
    assertEquals(
        "HEALTHSCORE_LOG_LEVEL: expected error, warn, info, debug or trace, got 'loud'",
        assertThrows(IllegalArgumentException.class, () -> LogConfigurator.parseLevel("loud", Level.INFO)).getMessage());
  }
}

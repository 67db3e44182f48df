package io.healthscore.runtime.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import ch.qos.logback.core.encoder.Encoder;
import io.healthscore.runtime.logging.LogFormat;
import io.healthscore.runtime.logging.Logging;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/**
 * Captures what a logger and the loggers below it log during a test, as events and as the lines
 * the process's log would hold (masking included). Close it to detach.
 */
public final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {
  private final Logger logger;
  private final Level threshold;
  private final Encoder<ILoggingEvent> encoder;
  private final List<ILoggingEvent> events = new CopyOnWriteArrayList<>();
  private final List<String> lines = new CopyOnWriteArrayList<>();

  private LogCapture(String loggerName, Level threshold, LogFormat format) {
    Logging.install();
    this.logger = (Logger) LoggerFactory.getLogger(loggerName);
    this.threshold = threshold;
    this.encoder = Logging.lineEncoder(format);
    setContext(logger.getLoggerContext());
    setName("capture");
    start();
    logger.addAppender(this);
  }

  /** Everything {@code type}'s logger logs at {@code threshold} and above. */
  public static LogCapture of(Class<?> type, Level threshold) {
    return new LogCapture(type.getName(), threshold, LogFormat.TEXT);
  }

  /** Everything the named logger logs at {@code threshold} and above. */
  public static LogCapture of(String loggerName, Level threshold) {
    return new LogCapture(loggerName, threshold, LogFormat.TEXT);
  }

  /** Every line of the whole process at the configured level, written in {@code format}. */
  public static LogCapture everything(LogFormat format) {
    return new LogCapture(Logger.ROOT_LOGGER_NAME, Level.ALL, format);
  }

  @Override
  protected void append(ILoggingEvent event) {
    if (event.getLevel().isGreaterOrEqual(threshold)) {
      events.add(event);
      lines.add(new String(encoder.encode(event), StandardCharsets.UTF_8));
    }
  }

  public List<ILoggingEvent> events() {
    return List.copyOf(events);
  }

  /** The formatted messages, without level, logger or stack trace. */
  public List<String> messages() {
    return events.stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  /** The lines as the log would hold them, stack traces included. */
  public List<String> lines() {
    return List.copyOf(lines);
  }

  /** All lines in one string. */
  public String text() {
    return String.join("", lines);
  }

  @Override
  public void close() {
    logger.detachAppender(this);
    stop();
  }
}

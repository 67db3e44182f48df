package io.healthscore.runtime.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.jul.LevelChangePropagator;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.nio.file.Path;

/**
 * Configures logback when it starts, in every process (services, the command line, the demo, tests):
 * one appender on standard error, text or JSON lines by {@code HEALTHSCORE_LOG_FORMAT}, the level by
 * {@code HEALTHSCORE_LOG_LEVEL}, every line through {@link SecretScrubber}. logback finds this class
 * through META-INF/services. A {@code -Dlogback.configurationFile} replaces it entirely.
 *
 * <p>No shutdown hook stops logback: the appender writes and flushes each line as it is logged, so
 * the lines of a graceful stop, which runs in the JVM's own shutdown hook, reach the output.
 */
public final class LogConfigurator extends ContextAwareBase implements Configurator {
  static final String LEVEL_VARIABLE = "HEALTHSCORE_LOG_LEVEL";
  private static final String APPENDER = "healthscore";
  private static final String TEXT_PATTERN =
      "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level %logger{36} [%thread] %msg%n";

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (System.getProperty("logback.configurationFile") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    apply(context, format(), level(), null);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  /**
   * Replaces the root appender with one writing {@code format} to {@code file}, or to standard
   * error when {@code file} is null.
   */
  static void apply(LoggerContext context, LogFormat format, Level level, Path file) {
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.detachAndStopAllAppenders();
    // java.util.logging levels follow logback's, so a disabled JUL level costs nothing to log.
    if (context.getCopyOfListenerList().stream().noneMatch(LevelChangePropagator.class::isInstance)) {
      LevelChangePropagator propagator = new LevelChangePropagator();
      propagator.setContext(context);
      propagator.setResetJUL(true);
      propagator.start();
      context.addListener(propagator);
    }
    root.setLevel(level);
    // Flyway's lines at info restate every start ("validated", "up to date"); the migrator logs
    // what it applied itself.
    context.getLogger("org.flywaydb").setLevel(level.isGreaterOrEqual(Level.INFO) ? Level.WARN : level);
    root.addAppender(appender(context, format, file));
  }

  private static Appender<ILoggingEvent> appender(LoggerContext context, LogFormat format, Path file) {
    OutputStreamAppender<ILoggingEvent> appender;
    if (file == null) {
      ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
      console.setTarget("System.err");
      appender = console;
    } else {
      FileAppender<ILoggingEvent> fileAppender = new FileAppender<>();
      fileAppender.setFile(file.toString());
      fileAppender.setAppend(true);
      appender = fileAppender;
    }
    appender.setContext(context);
    appender.setName(APPENDER);
    Encoder<ILoggingEvent> encoder = lineEncoder(context, format);
    encoder.start();
    appender.setEncoder(encoder);
    appender.setImmediateFlush(true);
    appender.start();
    return appender;
  }

  /** What turns an event into its line: the format, then the scrubbing. Not started. */
  static Encoder<ILoggingEvent> lineEncoder(LoggerContext context, LogFormat format) {
    ScrubbingEncoder encoder = new ScrubbingEncoder(formatEncoder(context, format));
    encoder.setContext(context);
    return encoder;
  }

  private static Encoder<ILoggingEvent> formatEncoder(LoggerContext context, LogFormat format) {
    if (format == LogFormat.JSON) {
      JsonEncoder json = new JsonEncoder();
      json.setContext(context);
      json.setWithSequenceNumber(false);
      json.setWithNanoseconds(false);
      json.setWithContext(false);
      json.setWithMessage(false);
      json.setWithArguments(false);
      json.setWithFormattedMessage(true);
      return json;
    }
    PatternLayoutEncoder text = new PatternLayoutEncoder();
    text.setContext(context);
    text.setPattern(TEXT_PATTERN);
    return text;
  }

  /** The configured format; a bad value falls back to text here and fails {@link Logging#install()}. */
  static LogFormat format() {
    try {
      return LogFormat.parse(System.getenv(LogFormat.VARIABLE));
    } catch (IllegalArgumentException e) {
      return LogFormat.TEXT;
    }
  }

  static Level level() {
    return parseLevel(System.getenv(LEVEL_VARIABLE), Level.INFO);
  }

  /** {@code error}, {@code warn}, {@code info}, {@code debug} or {@code trace}; blank is the default. */
  static Level parseLevel(String value, Level defaultLevel) {
    if (value == null || value.isBlank()) {
      return defaultLevel;
    }
    Level parsed = Level.toLevel(value.trim(), null);
    if (parsed == null || parsed == Level.OFF || parsed == Level.ALL) {
      throw new IllegalArgumentException(
          LEVEL_VARIABLE + ": expected error, warn, info, debug or trace, got '" + value.trim() + "'");
    }
    return parsed;
  }
}

package io.healthscore.runtime.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import java.nio.file.Path;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * The one logging pipeline of a process: the code logs through SLF4J, the libraries that use
 * java.util.logging (gRPC, Netty inside it) are bridged to it, and logback ({@link
 * LogConfigurator}) writes the lines. Call {@link #install()} first thing in main, before any
 * library logs.
 */
public final class Logging {
  private Logging() {}

  /**
   * Routes java.util.logging to SLF4J and checks the logging variables; throws
   * IllegalArgumentException naming a variable with a bad value.
   */
  public static synchronized void install() {
    LogFormat.parse(System.getenv(LogFormat.VARIABLE));
    LogConfigurator.parseLevel(System.getenv(LogConfigurator.LEVEL_VARIABLE), Level.INFO);
    LoggerFactory.getILoggerFactory(); // starts logback, which configures itself
    if (!SLF4JBridgeHandler.isInstalled()) {
      SLF4JBridgeHandler.removeHandlersForRootLogger();
      SLF4JBridgeHandler.install();
    }
  }

  /**
   * Sends every line to {@code file} (appended) instead of standard error, in the configured format
   * and level: the demo keeps its console for its story.
   */
  public static synchronized void toFile(Path file) {
    install();
    LogConfigurator.apply(context(), LogConfigurator.format(), LogConfigurator.level(), file);
  }

  /**
   * A started encoder that writes events exactly as the process's log does in {@code format}
   * (masking included), for tests that read what would reach the log.
   */
  public static Encoder<ILoggingEvent> lineEncoder(LogFormat format) {
    Encoder<ILoggingEvent> encoder = LogConfigurator.lineEncoder(context(), format);
    encoder.start();
    return encoder;
  }

  private static LoggerContext context() {
    ILoggerFactory factory = LoggerFactory.getILoggerFactory();
    if (!(factory instanceof LoggerContext)) {
      throw new IllegalStateException("SLF4J is bound to " + factory.getClass().getName() + ", not logback");
    }
    return (LoggerContext) factory;
  }
}

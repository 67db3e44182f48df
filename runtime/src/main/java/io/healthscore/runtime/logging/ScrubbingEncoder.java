package io.healthscore.runtime.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.EncoderBase;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Runs {@link SecretScrubber} over every line another encoder produced, whatever its format: the
 * message, the exception and its causes, a library's own text. Masking the encoded line rather
 * than the message catches a secret in a stack trace's message too.
 */
final class ScrubbingEncoder extends EncoderBase<ILoggingEvent> {
  private final Encoder<ILoggingEvent> delegate;

  ScrubbingEncoder(Encoder<ILoggingEvent> delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  @Override
  public byte[] headerBytes() {
    return delegate.headerBytes();
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    byte[] line = delegate.encode(event);
    String text = new String(line, StandardCharsets.UTF_8);
    String scrubbed = SecretScrubber.scrub(text);
    return scrubbed.equals(text) ? line : scrubbed.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public byte[] footerBytes() {
    return delegate.footerBytes();
  }

  @Override
  public void start() {
    delegate.start();
    super.start();
  }

  @Override
  public void stop() {
    super.stop();
    delegate.stop();
  }
}

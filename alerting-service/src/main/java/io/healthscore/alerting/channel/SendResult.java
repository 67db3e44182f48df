package io.healthscore.alerting.channel;

import java.time.Duration;
import java.util.Optional;

/**
 * What one attempt to deliver did.
 *
 * @param outcome delivered, worth retrying, or refused for good
 * @param httpStatus the receiver's HTTP status, 0 when there was no response
 * @param error what went wrong, empty when delivered; never the receiver's answer body
 * @param receiverSaid the start of the receiver's answer body on a failure (Slack answers
 *     "invalid_payload"), empty otherwise; kept apart from {@code error} so that answers of other
 *     hosts are not handed to whoever can test a channel
 * @param retryAfter how long the receiver asked us to wait (its {@code Retry-After} in seconds on a
 *     429 or 503), empty when it did not say
 */
public record SendResult(
    Outcome outcome, int httpStatus, String error, String receiverSaid, Optional<Duration> retryAfter) {

  /** How the dispatcher treats the attempt. */
  public enum Outcome {
    /** The receiver accepted it (HTTP 2xx). */
    DELIVERED,
    /** A failure that may pass: timeout, connection error, HTTP 408, 429 or 5xx. */
    RETRY,
    /**
     * A failure that repeating will not fix (other HTTP 4xx, a redirect, a refused URL): the
     * delivery is dead-lettered at once so an operator can fix the channel and retry it.
     */
    REJECTED
  }

  public static SendResult delivered(int httpStatus) {
    return new SendResult(Outcome.DELIVERED, httpStatus, "", "", Optional.empty());
  }

  public static SendResult retry(int httpStatus, String error) {
    return new SendResult(Outcome.RETRY, httpStatus, error, "", Optional.empty());
  }

  /** A failure worth retrying, not before {@code retryAfter} when the receiver named a wait. */
  public static SendResult retry(
      int httpStatus, String error, String receiverSaid, Optional<Duration> retryAfter) {
    return new SendResult(Outcome.RETRY, httpStatus, error, receiverSaid, retryAfter);
  }

  public static SendResult rejected(int httpStatus, String error) {
    return rejected(httpStatus, error, "");
  }

  public static SendResult rejected(int httpStatus, String error, String receiverSaid) {
    return new SendResult(Outcome.REJECTED, httpStatus, error, receiverSaid, Optional.empty());
  }

  public boolean delivered() {
    return outcome == Outcome.DELIVERED;
  }

  /** The error with what the receiver said, for the delivery's own record. */
  public String errorWithAnswer() {
    return receiverSaid.isEmpty() ? error : error + ": " + receiverSaid;
  }
}

package io.healthscore.alerting.channel;

/**
 * What one attempt to deliver did.
 *
 * @param outcome delivered, worth retrying, or refused for good
 * @param httpStatus the receiver's HTTP status, 0 when there was no response
 * @param error what went wrong, empty when delivered
 */
public record SendResult(Outcome outcome, int httpStatus, String error) {

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
    return new SendResult(Outcome.DELIVERED, httpStatus, "");
  }

  public static SendResult retry(int httpStatus, String error) {
    return new SendResult(Outcome.RETRY, httpStatus, error);
  }

  public static SendResult rejected(int httpStatus, String error) {
    return new SendResult(Outcome.REJECTED, httpStatus, error);
  }

  public boolean delivered() {
    return outcome == Outcome.DELIVERED;
  }
}

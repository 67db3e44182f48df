package io.healthscore.scoring.engine;

/**
 * Which metrics any account of the portfolio has ever sent. A measure that reads a metric nobody
 * sends says nothing about an account: the producer does not send it, the account did not fail it.
 */
public interface MetricCatalog {
  /** A catalog that knows nothing: every metric counts as sent, so each account's own data decides. */
  MetricCatalog UNKNOWN = metric -> true;

  boolean everSent(String metric);
}

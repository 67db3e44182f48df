-- Every metric name any account has sent, as the signals change feed reported it, so that a
-- measure reading a metric nobody sends counts as no data rather than as failed, across restarts.
CREATE TABLE IF NOT EXISTS portfolio_metrics (
  metric VARCHAR(1000) NOT NULL PRIMARY KEY,
  first_seen_at BIGINT NOT NULL
);

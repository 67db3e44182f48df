-- Feed changes that failed to apply on their own, set aside so their feed moves on; retried with
-- backoff until they apply.
CREATE TABLE IF NOT EXISTS alert_feed_parked (
  consumer VARCHAR(64) NOT NULL,
  item_cursor BIGINT NOT NULL,
  payload BYTEA NOT NULL,
  attempts INTEGER NOT NULL,
  next_retry_ms BIGINT NOT NULL,
  last_error VARCHAR(1000) NOT NULL,
  PRIMARY KEY (consumer, item_cursor)
);
CREATE INDEX IF NOT EXISTS alert_feed_parked_due ON alert_feed_parked (consumer, next_retry_ms);

-- Recorded under the owner "alerting-delivery"; statements can be re-run (H2 commits DDL at once).

-- Delivery channels. The secret is kept to sign webhooks and is never returned by the API.
CREATE TABLE IF NOT EXISTS delivery_channels (
  channel_id VARCHAR(64) PRIMARY KEY,
  name VARCHAR(200) NOT NULL,
  channel_type INTEGER NOT NULL,
  url VARCHAR(2048) NOT NULL,
  secret VARCHAR(1024) NOT NULL,
  max_attempts INTEGER NOT NULL,
  timeout_ms INTEGER NOT NULL,
  update_ms BIGINT NOT NULL
);

-- One row whose lock serialises appends: cursors are handed out in commit order, so a reader that
-- has seen cursor N will never later find an event below N (no gaps for SubscribeAlerts).
CREATE TABLE IF NOT EXISTS alert_event_counter (
  counter_id INTEGER PRIMARY KEY,
  last_cursor BIGINT NOT NULL
);
INSERT INTO alert_event_counter (counter_id, last_cursor)
  SELECT 1, 0 WHERE NOT EXISTS (SELECT 1 FROM alert_event_counter WHERE counter_id = 1);

-- Every alert event, in cursor order; SubscribeAlerts replays from here.
CREATE TABLE IF NOT EXISTS alert_events (
  event_cursor BIGINT PRIMARY KEY,
  alert_id VARCHAR(200) NOT NULL,
  kind INTEGER NOT NULL,
  idempotency_key VARCHAR(300) NOT NULL,
  event_ms BIGINT NOT NULL,
  event_json TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS alert_events_idempotency_key ON alert_events (idempotency_key);
CREATE INDEX IF NOT EXISTS alert_events_alert_kind ON alert_events (alert_id, kind);

-- The outbox: one row per event and channel. State 1 pending, 2 delivered, 3 dead (DeliveryState).
-- locked_until_ms is the lease of the dispatcher sending it; an expired lease means it may be
-- claimed again, which is how rows held by a crashed process are retried.
CREATE TABLE IF NOT EXISTS alert_deliveries (
  delivery_id VARCHAR(100) PRIMARY KEY,
  event_cursor BIGINT NOT NULL,
  channel_id VARCHAR(64) NOT NULL,
  alert_id VARCHAR(200) NOT NULL,
  kind INTEGER NOT NULL,
  idempotency_key VARCHAR(300) NOT NULL,
  state INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  last_error VARCHAR(1000) NOT NULL,
  next_attempt_ms BIGINT NOT NULL,
  locked_until_ms BIGINT NOT NULL,
  lease_owner VARCHAR(64) NOT NULL,
  create_ms BIGINT NOT NULL,
  CONSTRAINT alert_deliveries_event_channel UNIQUE (event_cursor, channel_id)
);
CREATE INDEX IF NOT EXISTS alert_deliveries_due ON alert_deliveries (state, next_attempt_ms);
CREATE INDEX IF NOT EXISTS alert_deliveries_channel ON alert_deliveries (channel_id, event_cursor);

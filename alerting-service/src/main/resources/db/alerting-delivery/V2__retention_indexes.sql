-- Retention deletes finished deliveries by creation time and alert events by event time.
CREATE INDEX IF NOT EXISTS alert_deliveries_by_create ON alert_deliveries (create_ms);
CREATE INDEX IF NOT EXISTS alert_events_by_time ON alert_events (event_ms);

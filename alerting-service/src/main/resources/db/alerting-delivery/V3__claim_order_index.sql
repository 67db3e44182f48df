-- A claim reads the oldest due deliveries in (next_attempt_ms, delivery_id) order. With the index
-- ending at next_attempt_ms the database read and sorted every due row to return the first few (a
-- backlog of 10,000 cost each claim about 15 ms); with delivery_id in it, a claim reads the rows it
-- returns and stops.
DROP INDEX IF EXISTS alert_deliveries_due;
CREATE INDEX IF NOT EXISTS alert_deliveries_due_order ON alert_deliveries (state, next_attempt_ms, delivery_id);

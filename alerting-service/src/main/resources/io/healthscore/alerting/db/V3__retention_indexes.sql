-- Retention deletes resolved alerts by resolution time, and their tasks by alert.
CREATE INDEX IF NOT EXISTS alerts_by_resolved ON alerts (resolved_ms);
CREATE INDEX IF NOT EXISTS alert_tasks_by_alert ON alert_tasks (alert_id);

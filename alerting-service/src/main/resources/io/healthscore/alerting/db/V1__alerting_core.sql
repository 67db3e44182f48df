-- Rules: the current version of each rule, and every version ever stored.
CREATE TABLE IF NOT EXISTS alert_rules (
  rule_id VARCHAR(64) PRIMARY KEY,
  version BIGINT NOT NULL,
  body BYTEA NOT NULL,
  updated_ms BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS alert_rule_versions (
  rule_id VARCHAR(64) NOT NULL,
  version BIGINT NOT NULL,
  body BYTEA NOT NULL,
  deleted BOOLEAN NOT NULL,
  updated_ms BIGINT NOT NULL,
  PRIMARY KEY (rule_id, version)
);

-- Alerts. open_key holds the dedup key while the alert is open or acknowledged and NULL once it
-- is resolved: the unique constraint allows one unresolved alert per rule and account on H2 and
-- PostgreSQL alike (both let NULLs repeat).
CREATE TABLE IF NOT EXISTS alerts (
  alert_id VARCHAR(40) PRIMARY KEY,
  rule_id VARCHAR(64) NOT NULL,
  account_id VARCHAR(128) NOT NULL,
  dedup_key VARCHAR(256) NOT NULL,
  open_key VARCHAR(256),
  state INTEGER NOT NULL,
  severity INTEGER NOT NULL,
  reason VARCHAR(2000) NOT NULL,
  opened_ms BIGINT NOT NULL,
  acknowledged_ms BIGINT,
  resolved_ms BIGINT,
  note TEXT,
  assignee VARCHAR(256) NOT NULL,
  rule_version BIGINT NOT NULL,
  scorecard_id VARCHAR(64) NOT NULL,
  score DOUBLE PRECISION,
  band INTEGER NOT NULL,
  verdict INTEGER NOT NULL,
  lead_time_days DOUBLE PRECISION,
  escalated BOOLEAN NOT NULL,
  CONSTRAINT alerts_one_open_per_key UNIQUE (open_key)
);
CREATE INDEX IF NOT EXISTS alerts_by_dedup_key ON alerts (dedup_key, resolved_ms);
CREATE INDEX IF NOT EXISTS alerts_by_account ON alerts (account_id, opened_ms);
CREATE INDEX IF NOT EXISTS alerts_by_rule ON alerts (rule_id);
CREATE INDEX IF NOT EXISTS alerts_by_opened ON alerts (opened_ms, alert_id);

-- Playbook tasks for account owners.
CREATE TABLE IF NOT EXISTS alert_tasks (
  task_id VARCHAR(40) PRIMARY KEY,
  alert_id VARCHAR(40) NOT NULL,
  account_id VARCHAR(128) NOT NULL,
  assignee VARCHAR(256) NOT NULL,
  title VARCHAR(200) NOT NULL,
  description TEXT NOT NULL,
  due_ms BIGINT NOT NULL,
  state INTEGER NOT NULL,
  complete_ms BIGINT,
  note TEXT,
  create_ms BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS alert_tasks_by_due ON alert_tasks (due_ms, task_id);

-- Escalations waiting for their time; a row per escalate step of an opened alert.
CREATE TABLE IF NOT EXISTS alert_escalations (
  alert_id VARCHAR(40) NOT NULL,
  step_index INTEGER NOT NULL,
  channel_id VARCHAR(64) NOT NULL,
  due_ms BIGINT NOT NULL,
  done BOOLEAN NOT NULL,
  PRIMARY KEY (alert_id, step_index)
);
CREATE INDEX IF NOT EXISTS alert_escalations_due ON alert_escalations (done, due_ms);

-- The latest score per account and scorecard, from scoring's WatchScores stream.
CREATE TABLE IF NOT EXISTS alert_account_scores (
  account_id VARCHAR(128) NOT NULL,
  scorecard_id VARCHAR(64) NOT NULL,
  body BYTEA NOT NULL,
  band_before INTEGER NOT NULL,
  PRIMARY KEY (account_id, scorecard_id)
);

-- Recent score points per account and scorecard (a year), for score drops and trends.
CREATE TABLE IF NOT EXISTS alert_score_points (
  account_id VARCHAR(128) NOT NULL,
  scorecard_id VARCHAR(64) NOT NULL,
  at_ms BIGINT NOT NULL,
  score DOUBLE PRECISION NOT NULL,
  PRIMARY KEY (account_id, scorecard_id, at_ms)
);

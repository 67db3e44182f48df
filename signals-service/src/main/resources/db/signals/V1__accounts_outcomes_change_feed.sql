-- Accounts, their free attributes, business outcomes and the change feed of signals-service.
-- Times are epoch milliseconds (UTC) so the same SQL runs on H2 and PostgreSQL.

CREATE TABLE accounts (
  account_id VARCHAR(128) NOT NULL PRIMARY KEY,
  name VARCHAR(512) NOT NULL,
  segment VARCHAR(256) NOT NULL,
  lifecycle_stage VARCHAR(256) NOT NULL,
  parent_account_id VARCHAR(128) NOT NULL,
  plan VARCHAR(256) NOT NULL,
  licenses BIGINT NOT NULL,
  mrr DOUBLE PRECISION NOT NULL,
  contract_start_millis BIGINT,
  renewal_date_millis BIGINT,
  billing_period VARCHAR(16) NOT NULL,
  owner_id VARCHAR(256) NOT NULL,
  create_time_millis BIGINT NOT NULL,
  update_time_millis BIGINT NOT NULL
);

CREATE INDEX accounts_segment ON accounts (segment, account_id);
CREATE INDEX accounts_lifecycle_stage ON accounts (lifecycle_stage, account_id);
CREATE INDEX accounts_owner ON accounts (owner_id, account_id);
CREATE INDEX accounts_parent ON accounts (parent_account_id, account_id);

CREATE TABLE account_attributes (
  account_id VARCHAR(128) NOT NULL,
  attr_key VARCHAR(256) NOT NULL,
  attr_value VARCHAR(2048) NOT NULL,
  PRIMARY KEY (account_id, attr_key)
);

CREATE TABLE outcomes (
  event_id VARCHAR(128) NOT NULL PRIMARY KEY,
  account_id VARCHAR(128) NOT NULL,
  outcome_type VARCHAR(16) NOT NULL,
  occurred_at_millis BIGINT NOT NULL,
  mrr_delta DOUBLE PRECISION NOT NULL,
  recorded_at_millis BIGINT NOT NULL
);

CREATE INDEX outcomes_by_time ON outcomes (occurred_at_millis, event_id);
CREATE INDEX outcomes_by_account ON outcomes (account_id, occurred_at_millis, event_id);

-- One row per coalesced change of an account; feed_cursor is assigned by a single writer in
-- commit order, so readers never see a later cursor before an earlier one.
CREATE TABLE change_feed (
  feed_cursor BIGINT NOT NULL PRIMARY KEY,
  account_id VARCHAR(128) NOT NULL,
  kinds INTEGER NOT NULL,
  metrics VARCHAR NOT NULL,
  change_time_millis BIGINT NOT NULL
);

CREATE INDEX change_feed_by_time ON change_feed (change_time_millis);

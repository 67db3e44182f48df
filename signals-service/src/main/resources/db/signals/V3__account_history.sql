-- Attribute history: every change of an account field with the moment it took effect. An as-of
-- read takes each field's latest change at or before that moment, and its first known value
-- before its first change. field is the accounts column name, or "attr:<key>" for a free
-- attribute; field_value is text (numbers and epoch milliseconds as decimals), NULL for an unset
-- date or a removed free attribute. Existing accounts start their history with their current
-- values, effective from their last update.
CREATE TABLE IF NOT EXISTS account_field_history (
  account_id VARCHAR(128) NOT NULL,
  field VARCHAR(300) NOT NULL,
  effective_millis BIGINT NOT NULL,
  field_value VARCHAR(2048),
  PRIMARY KEY (account_id, field, effective_millis)
);

INSERT INTO account_field_history SELECT account_id, 'name', update_time_millis, name FROM accounts;
INSERT INTO account_field_history SELECT account_id, 'segment', update_time_millis, segment FROM accounts;
INSERT INTO account_field_history SELECT account_id, 'lifecycle_stage', update_time_millis, lifecycle_stage FROM accounts;
INSERT INTO account_field_history SELECT account_id, 'parent_account_id', update_time_millis, parent_account_id FROM accounts;
INSERT INTO account_field_history SELECT account_id, 'plan', update_time_millis, plan FROM accounts;
INSERT INTO account_field_history SELECT account_id, 'licenses', update_time_millis, CAST(licenses AS VARCHAR(32)) FROM accounts;
INSERT INTO account_field_history SELECT account_id, 'mrr', update_time_millis, CAST(mrr AS VARCHAR(64)) FROM accounts;
INSERT INTO account_field_history SELECT account_id, 'contract_start_millis', update_time_millis, CAST(contract_start_millis AS VARCHAR(32)) FROM accounts;
INSERT INTO account_field_history SELECT account_id, 'renewal_date_millis', update_time_millis, CAST(renewal_date_millis AS VARCHAR(32)) FROM accounts;
INSERT INTO account_field_history SELECT account_id, 'billing_period', update_time_millis, billing_period FROM accounts;
INSERT INTO account_field_history SELECT account_id, 'owner_id', update_time_millis, owner_id FROM accounts;
INSERT INTO account_field_history
  SELECT a.account_id, CONCAT('attr:', a.attr_key), c.update_time_millis, a.attr_value
  FROM account_attributes a JOIN accounts c ON c.account_id = a.account_id;

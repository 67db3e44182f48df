-- Accounts whose scores could not be applied (by the feed, a rescore or a retry), set aside so the
-- rest goes on, and retried with backoff until they apply. The id is wider than elsewhere: an id
-- too long for the other tables is one way an account fails to apply.
CREATE TABLE IF NOT EXISTS set_aside_accounts (
  account_id VARCHAR(1000) NOT NULL PRIMARY KEY,
  attempts INTEGER NOT NULL,
  next_attempt_at BIGINT NOT NULL,
  first_failed_at BIGINT NOT NULL,
  last_error VARCHAR(1000) NOT NULL
);

-- Since when the replica applying the signals feed has not been able to follow it, so every replica
-- marks the scores it serves as possibly behind, not only that one (NULL while changes flow).
CREATE TABLE IF NOT EXISTS feed_status (
  feed VARCHAR(64) NOT NULL PRIMARY KEY,
  unreachable_since BIGINT
);

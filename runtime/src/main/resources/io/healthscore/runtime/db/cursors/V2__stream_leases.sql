-- Which replica consumes a stream whose cursor replicas share; see io.healthscore.runtime.db.FeedLease.
-- fence grows by one at every change of holder, so a holder that lost the lease cannot commit.
CREATE TABLE IF NOT EXISTS stream_leases (
  lease_name VARCHAR(200) NOT NULL PRIMARY KEY,
  holder VARCHAR(200) NOT NULL,
  fence BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);

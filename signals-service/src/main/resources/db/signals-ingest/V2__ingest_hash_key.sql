-- The key of the hash of event and user ids (see SignalHashing), created with the store's first
-- start; algorithm 'siphash-2-4' with key0/key1, or 'legacy' for stores that hold hashes made
-- before hashes were keyed.
CREATE TABLE IF NOT EXISTS ingest_hash_key (
  id INTEGER NOT NULL PRIMARY KEY,
  algorithm VARCHAR(32) NOT NULL,
  key0 BIGINT NOT NULL,
  key1 BIGINT NOT NULL
);

-- Stream cursors of every consumer in this database; see io.healthscore.runtime.db.CursorStore.
CREATE TABLE IF NOT EXISTS stream_cursors (
  consumer VARCHAR(200) NOT NULL PRIMARY KEY,
  cursor_value BIGINT NOT NULL,
  updated_at TIMESTAMP WITH TIME ZONE NOT NULL
);

-- Who acknowledged and who resolved an alert, in columns of their own rather than inside the note.
-- Alerts stored before keep these empty; their note still ends with "(by <actor>)".
ALTER TABLE alerts ADD COLUMN IF NOT EXISTS acknowledged_by VARCHAR(256) NOT NULL DEFAULT '';
ALTER TABLE alerts ADD COLUMN IF NOT EXISTS resolved_by VARCHAR(256) NOT NULL DEFAULT '';

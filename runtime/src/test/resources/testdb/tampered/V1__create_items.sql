-- Two statements in one file.
CREATE TABLE items (
  tenant VARCHAR(50) NOT NULL,
  item_id VARCHAR(50) NOT NULL,
  quantity BIGINT NOT NULL DEFAULT 0,
  price DOUBLE PRECISION,
  PRIMARY KEY (tenant, item_id)
);
CREATE INDEX items_by_quantity ON items (quantity);

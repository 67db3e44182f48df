package io.healthscore.runtime.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class SqlDialectTest {

  @Test
  void upsertSpelling() {
    assertEquals(
        "MERGE INTO t (k, v) KEY (k) VALUES (?, ?)",
        SqlDialect.H2.upsertSql("t", List.of("k"), List.of("v")));
    assertEquals(
        "INSERT INTO t (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v",
        SqlDialect.POSTGRESQL.upsertSql("t", List.of("k"), List.of("v")));
  }

  @Test
  void rejectsWhatIsNotAPlainIdentifier() {
    assertThrows(
        IllegalArgumentException.class,
        () -> SqlDialect.H2.upsertSql("t; DROP TABLE x", List.of("k"), List.of("v")));
    assertThrows(
        IllegalArgumentException.class,
        () -> SqlDialect.POSTGRESQL.insertIgnoreSql("t", List.of("k"), List.of("v")));
  }
}

package io.healthscore.runtime.db;

import static io.healthscore.runtime.db.KeyList.Column.bigint;
import static io.healthscore.runtime.db.KeyList.Column.varchar;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.healthscore.runtime.testing.TestDatabases;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class KeyListTest {
  @TempDir Path dataDir;

  record Key(String account, long day) {}

  private static final KeyList KEYS = new KeyList(3, "k", varchar("account"), bigint("epoch_day"));

  @ParameterizedTest
  @EnumSource(SqlDialect.class)
  void readsTheRowsOfEveryKeyInPartsAndNoRowForAnUnfilledPlace(SqlDialect dialect) throws Exception {
    try (Database db = open(dialect);
        Connection c = db.dataSource().getConnection()) {
      try (Statement s = c.createStatement()) {
        s.execute("CREATE TABLE t (account VARCHAR(20), epoch_day BIGINT, v INT, PRIMARY KEY (account, epoch_day))");
        s.execute("INSERT INTO t VALUES ('a', 1, 10), ('a', 2, 20), ('b', 1, 30), ('c', 5, 40), ('d', 1, 50)");
      }
      // Seven keys: three parts (3, 3, 1), one key that matches no row, and 'd' never asked for.
      List<Key> keys = List.of(new Key("a", 1), new Key("a", 2), new Key("b", 1), new Key("b", 2),
          new Key("c", 5), new Key("x", 1), new Key("a", 3));
      Map<String, Integer> found = new TreeMap<>();
      List<Integer> nextParameters = new ArrayList<>();
      try (PreparedStatement s = c.prepareStatement(
          "SELECT t.account, t.epoch_day, t.v FROM " + KEYS.sql() + " JOIN t ON t.account = k.account AND t.epoch_day = k.epoch_day"
              + " WHERE t.v >= ?")) {
        List<List<Key>> parts = KEYS.parts(keys);
        assertEquals(List.of(3, 3, 1), parts.stream().map(List::size).toList());
        for (List<Key> part : parts) {
          int next = KEYS.bind(s, part, (st, at, k) -> {
            st.setString(at, k.account());
            st.setLong(at + 1, k.day());
          });
          nextParameters.add(next);
          s.setInt(next, 0);
          try (ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
              found.merge(rs.getString(1) + rs.getLong(2), rs.getInt(3), Integer::sum);
            }
          }
        }
      }
      assertEquals(Map.of("a1", 10, "a2", 20, "b1", 30, "c5", 40), found);
      assertEquals(List.of(7, 7, 7), nextParameters);
    }
  }

  @ParameterizedTest
  @EnumSource(SqlDialect.class)
  void refusesMoreKeysThanItsPlaces(SqlDialect dialect) throws Exception {
    try (Database db = open(dialect);
        Connection c = db.dataSource().getConnection();
        PreparedStatement s = c.prepareStatement("SELECT k.account FROM " + KEYS.sql())) {
      List<Key> four = List.of(new Key("a", 1), new Key("b", 1), new Key("c", 1), new Key("d", 1));
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> KEYS.bind(s, four, (st, at, k) -> st.setString(at, "")));
      assertEquals("4 keys do not fit a list of 3", e.getMessage());
    }
  }

  private Database open(SqlDialect dialect) {
    return TestDatabases.open(dialect, "key-list-test", dataDir);
  }
}

package io.healthscore.signals.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.db.Database;
import io.healthscore.runtime.testing.PostgresTestSupport;
import io.healthscore.signals.SignalsServer;
import io.healthscore.signals.store.OutcomeRecord.OutcomeKind;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The stores' SQL on both databases: embedded H2 and PostgreSQL (skipped outside CI when absent). */
class StoresTest {
  private static final Instant T = Instant.parse("2026-02-01T10:00:00.123Z");
  @TempDir Path dir;
  private Database db;

  private Database open(String kind) {
    openUnmigrated(kind);
    SignalsSchema.migrate(db);
    return db;
  }

  private Database openUnmigrated(String kind) {
    Map<String, String> env = new HashMap<>();
    env.put(ServiceConfig.DATA_DIR, dir.toString());
    if (kind.equals("postgresql")) {
      Optional<String> url = PostgresTestSupport.jdbcUrl();
      assumeTrue(url.isPresent(), "no PostgreSQL at " + PostgresTestSupport.DEFAULT_URL);
      env.put(ServiceConfig.DB_URL, PostgresTestSupport.freshSchema(url.get()));
    }
    db = Database.open(ServiceConfig.fromMap(SignalsServer.SERVICE_NAME, 0, 0, env));
    return db;
  }

  @AfterEach
  void close() {
    if (db != null) {
      db.close();
    }
  }

  private static AccountRecord account(String id, String parent, String segment) {
    return new AccountRecord(
        id, "Name " + id, segment, "adoption", parent, "gold", 5, 99.5, T, null,
        AccountRecord.BillingPeriod.MONTHLY, "owner@x", Map.of("region", "emea", "tier", "1"), T, T);
  }

  private static double sumOfDeltas(List<OutcomeStore.MrrDelta> deltas) {
    return deltas.stream().mapToDouble(OutcomeStore.MrrDelta::mrrDelta).sum();
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgresql"})
  void accountsRoundTripListAndCountChildren(String kind) {
    Database db = open(kind);
    AccountStore store = new AccountStore(db);
    ChangeFeedStore feed = new ChangeFeedStore(db);
    List<AccountRecord> created = List.of(account("p", "", "ent"), account("c1", "p", "smb"), account("c2", "p", "ent"));
    List<AccountHistory.FieldChange> history = new java.util.ArrayList<>();
    created.forEach(a -> history.addAll(AccountHistory.changes(null, a, T.toEpochMilli())));
    List<ChangeEntry> entries = store.write(created, List.of(), history, feed, T);
    assertEquals(List.of("p", "c1", "c2"), entries.stream().map(ChangeEntry::accountId).toList());
    assertEquals(entries, feed.after(0, 10), "the entries are committed with the accounts");
    assertEquals(account("c1", "p", "smb"), store.find("c1").orElseThrow());
    AccountRecord changed =
        new AccountRecord(
            "c1", "Renamed", "smb", "renewal", "p", "gold", 7, 1, null, T.plusSeconds(5),
            AccountRecord.BillingPeriod.ANNUAL, "", Map.of("region", "us"), T, T.plusSeconds(9));
    long changedAt = T.plusSeconds(9).toEpochMilli();
    store.write(List.of(), List.of(changed), AccountHistory.changes(account("c1", "p", "smb"), changed, changedAt), feed, T);
    assertEquals(changed, store.find("c1").orElseThrow());
    AccountHistory c1 = store.histories(List.of("c1", "zz")).get("c1");
    assertEquals(Set.of("c1"), store.histories(List.of("c1", "zz")).keySet());
    assertEquals(account("c1", "p", "smb"), c1.asOf(changed, T.toEpochMilli()).withUpdateTime(T), "as first written");
    assertEquals(changed, c1.asOf(changed, changedAt), "as changed, update_time the change's moment");
    assertEquals(Map.of("p", 2L), store.countChildren(List.of("p", "c1", "zz")));
    assertEquals(
        List.of("c2", "p"),
        store.list(new AccountFilter("ent", "", "", ""), "", 10).stream().map(AccountRecord::accountId).toList());
    assertEquals(
        List.of("c2"),
        store.list(new AccountFilter("", "", "", "p"), "c1", 10).stream().map(AccountRecord::accountId).toList());
    assertEquals(Set.of("c1", "p"), store.findAll(List.of("c1", "p", "zz")).keySet());
    AccountDirectory directory = AccountDirectory.load(store);
    assertEquals("p", directory.parentOf("c1"));
    assertEquals(Set.of("new"), directory.unknownAmong(List.of("c2", "new")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgresql"})
  void outcomesAreStoredOncePerEventIdAndSummed(String kind) {
    Database db = open(kind);
    OutcomeStore store = new OutcomeStore(db);
    ChangeFeedStore feed = new ChangeFeedStore(db);
    OutcomeRecord a = new OutcomeRecord("e1", "acc", OutcomeKind.EXPANDED, T, 100);
    OutcomeRecord b = new OutcomeRecord("e2", "acc", OutcomeKind.CONTRACTED, T.plus(Duration.ofDays(1)), -30);
    ChangeFeedStore.Written<List<OutcomeRecord>> first = store.insertNew(List.of(a, b, a), T, feed);
    assertEquals(List.of(a, b), first.result());
    assertEquals(List.of("acc"), first.entries().stream().map(ChangeEntry::accountId).toList(), "one entry per account");
    assertEquals(Set.of(ChangeKind.OUTCOME), first.entries().get(0).kinds());
    ChangeFeedStore.Written<List<OutcomeRecord>> again = store.insertNew(List.of(b), T, feed);
    assertEquals(List.of(), again.result());
    assertEquals(List.of(), again.entries(), "nothing new, no entry");
    assertEquals(first.entries(), feed.after(0, 10));
    assertEquals(List.of(a, b), store.list("", null, null, null, 10));
    assertEquals(List.of(b), store.list("acc", null, null, new OutcomeStore.Position(T.toEpochMilli(), "e1"), 10));
    OutcomeRecord other = new OutcomeRecord("e3", "other", OutcomeKind.EXPANDED, T, 5);
    store.insertNew(List.of(other), T, feed);
    Map<String, List<OutcomeStore.MrrDelta>> both =
        store.mrrDeltas(List.of("acc", "other", "none"), T.toEpochMilli(), T.plus(Duration.ofDays(2)).toEpochMilli());
    assertEquals(Set.of("acc", "other"), both.keySet());
    assertEquals(70, sumOfDeltas(both.get("acc")));
    assertEquals(5, sumOfDeltas(both.get("other")));
    assertEquals(
        100, sumOfDeltas(store.mrrDeltas(List.of("acc"), 0, T.plus(Duration.ofHours(1)).toEpochMilli()).get("acc")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgresql"})
  void aChangeAndItsFeedEntryCommitTogetherOrNotAtAll(String kind) {
    Database db = open(kind);
    ChangeFeedStore feed = new ChangeFeedStore(db);
    OutcomeStore outcomes = new OutcomeStore(db);
    // The change is written, then appending its entry fails (as a crash there would): nothing stays.
    assertThrows(
        IllegalStateException.class,
        () ->
            feed.inTransactionWithEntries(
                c -> {
                  try (PreparedStatement ps =
                      c.prepareStatement(
                          "INSERT INTO outcomes (event_id, account_id, outcome_type, occurred_at_millis,"
                              + " mrr_delta, recorded_at_millis) VALUES ('x1', 'acc', 'EXPANDED', 0, 1, 0)")) {
                    ps.executeUpdate();
                  }
                  return List.of("acc");
                },
                accounts -> {
                  throw new IllegalStateException("failed between the change and its entry");
                },
                ChangeKind.OUTCOME,
                T));
    assertEquals(List.of(), outcomes.list("", null, null, null, 10), "the change was rolled back with its entry");
    assertEquals(List.of(), feed.after(0, 10));
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgresql"})
  void changeKindsAreStoredByTheirProtoNumbersAndOldRowsKeepTheirMeaning(String kind) throws Exception {
    Database db = openUnmigrated(kind);
    // The store as it was before the codes were explicit: migrated up to V1 only.
    Flyway.configure()
        .dataSource(db.dataSource())
        .locations("classpath:" + SignalsSchema.MIGRATIONS)
        .table("flyway_history_" + SignalsSchema.OWNER.replace('-', '_'))
        .target("1")
        .load()
        .migrate();
    for (ChangeKind k : ChangeKind.values()) {
      int number = io.healthscore.v1.ChangeKind.valueOf("CHANGE_KIND_" + k.name()).getNumber();
      assertEquals(1 << number, ChangeKind.toMask(EnumSet.of(k)), k + " is stored by its proto number");
    }
    // Rows as written before the codes were explicit (bit = 1 << enum ordinal), then the migration.
    db.inTransaction(c -> {
      try (PreparedStatement row = c.prepareStatement(
              "INSERT INTO change_feed (feed_cursor, account_id, kinds, metrics, change_time_millis) "
                  + "VALUES (?, ?, ?, '', 0)")) {
        Object[][] old = {{1L, "signals-and-outcome", 1 | 2}, {2L, "account", 4}};
        for (Object[] r : old) {
          row.setLong(1, (Long) r[0]);
          row.setString(2, (String) r[1]);
          row.setInt(3, (Integer) r[2]);
          row.executeUpdate();
        }
      }
      return null;
    });
    SignalsSchema.migrate(db);

    List<ChangeEntry> entries = new ChangeFeedStore(db).after(0, 10);
    assertEquals(EnumSet.of(ChangeKind.SIGNALS, ChangeKind.OUTCOME), entries.get(0).kinds());
    assertEquals(EnumSet.of(ChangeKind.ACCOUNT), entries.get(1).kinds());
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgresql"})
  void changeFeedCursorsIncreaseAndRetentionKeepsTheNewest(String kind) {
    ChangeFeedStore store = new ChangeFeedStore(open(kind));
    assertEquals(0, store.lastCursor());
    List<ChangeEntry> first =
        store.append(
            List.of(
                new PendingChange("a", EnumSet.of(ChangeKind.SIGNALS), Set.of("logins", "exports")),
                new PendingChange("b", EnumSet.of(ChangeKind.ACCOUNT, ChangeKind.OUTCOME), Set.of())),
            T);
    assertEquals(List.of(1L, 2L), first.stream().map(ChangeEntry::cursor).toList());
    assertEquals(List.of("exports", "logins"), first.get(0).metrics());
    store.append(List.of(new PendingChange("c", EnumSet.of(ChangeKind.SIGNALS), Set.of("x"))), T.plus(Duration.ofDays(1)));
    assertEquals(3, store.lastCursor());
    assertEquals(first.get(1), store.after(1, 10).get(0));
    assertEquals(2, store.after(1, 10).size());

    assertEquals(2, store.deleteBefore(T.plus(Duration.ofDays(30))));
    assertEquals(3, store.lastCursor(), "the newest entry survives retention so cursors never restart");
    assertEquals(
        4, store.append(List.of(new PendingChange("d", EnumSet.of(ChangeKind.SIGNALS), Set.of())), T).get(0).cursor());
    assertTrue(store.after(0, 10).stream().allMatch(e -> e.cursor() >= 3));
  }

  @org.junit.jupiter.api.Test
  void onH2ReadsStopAtTheLastCursorWhoseCommitWasSynced() {
    ChangeFeedStore store = new ChangeFeedStore(open("h2"));
    store.append(List.of(new PendingChange("a", EnumSet.of(ChangeKind.SIGNALS), Set.of("m"))), T);
    // A commit another connection made visible whose sync has not returned yet, as H2 allows.
    db.inTransaction(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO change_feed (feed_cursor, account_id, kinds, metrics, change_time_millis)"
                      + " VALUES (2, 'b', 1, '', 0)")) {
            return ps.executeUpdate();
          }
        });
    assertEquals(List.of(1L), store.after(0, 10).stream().map(ChangeEntry::cursor).toList(),
        "a cursor a crash could still lose is never handed out");
    assertEquals(1, store.lastCursor());
    store.append(List.of(new PendingChange("c", EnumSet.of(ChangeKind.SIGNALS), Set.of())), T);
    assertEquals(List.of(1L, 2L, 3L), store.after(0, 10).stream().map(ChangeEntry::cursor).toList());
  }
}

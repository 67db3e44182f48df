package io.healthscore.signals.store;

import io.healthscore.runtime.db.Database;
import io.healthscore.signals.store.OutcomeRecord.OutcomeKind;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;

/** Business outcomes in SQL, idempotent by event id. */
public final class OutcomeStore {
  private static final int MAX_ATTEMPTS = 3;

  private final DataSource dataSource;

  public OutcomeStore(Database db) {
    this.dataSource = db.dataSource();
  }

  /**
   * Stores the outcomes whose event id is new and, in the same transaction, a CHANGE_KIND_OUTCOME
   * feed entry for each of their accounts; returns the new outcomes and the entries. Outcomes seen
   * before (in the store or earlier in the list) are dropped.
   */
  public ChangeFeedStore.Written<List<OutcomeRecord>> insertNew(
      List<OutcomeRecord> outcomes, Instant now, ChangeFeedStore feed) {
    for (int attempt = 1; ; attempt++) {
      try {
        return feed.inTransactionWithEntries(
            c -> insertNew(c, outcomes, now),
            fresh -> fresh.stream().map(OutcomeRecord::accountId).toList(),
            ChangeKind.OUTCOME,
            now);
      } catch (StoreException e) {
        // A concurrent call stored one of the same event ids first: the retry sees it as a duplicate.
        if (attempt >= MAX_ATTEMPTS || !Sql.isUniqueViolation(e)) {
          throw e;
        }
      }
    }
  }

  private static List<OutcomeRecord> insertNew(Connection c, List<OutcomeRecord> outcomes, Instant now)
      throws SQLException {
    Map<String, OutcomeRecord> firstById = new LinkedHashMap<>();
    for (OutcomeRecord o : outcomes) {
      firstById.putIfAbsent(o.eventId(), o);
    }
    Set<String> existing = new HashSet<>();
    for (List<String> chunk : Sql.chunks(firstById.keySet())) {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT event_id FROM outcomes WHERE event_id IN (" + Sql.placeholders(chunk.size()) + ")")) {
        for (int i = 0; i < chunk.size(); i++) {
          ps.setString(i + 1, chunk.get(i));
        }
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            existing.add(rs.getString(1));
          }
        }
      }
    }
    List<OutcomeRecord> fresh = new ArrayList<>();
    for (OutcomeRecord o : firstById.values()) {
      if (!existing.contains(o.eventId())) {
        fresh.add(o);
      }
    }
    if (fresh.isEmpty()) {
      return fresh;
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO outcomes (event_id, account_id, outcome_type, occurred_at_millis, mrr_delta,"
                + " recorded_at_millis) VALUES (?, ?, ?, ?, ?, ?)")) {
      for (OutcomeRecord o : fresh) {
        ps.setString(1, o.eventId());
        ps.setString(2, o.accountId());
        ps.setString(3, o.kind().name());
        ps.setLong(4, o.occurredAt().toEpochMilli());
        ps.setDouble(5, o.mrrDelta());
        ps.setLong(6, now.toEpochMilli());
        ps.addBatch();
      }
      ps.executeBatch();
    }
    return fresh;
  }

  /** Position of an outcome in the listing order (occurred_at, then event_id). */
  public record Position(long occurredAtMillis, String eventId) {}

  /**
   * Outcomes in listing order after {@code after} (null for the start), optionally of one account
   * and within [startMillis, endMillis), at most {@code limit}.
   */
  public List<OutcomeRecord> list(
      String accountId, Long startMillis, Long endMillis, Position after, int limit) {
    StringBuilder sql =
        new StringBuilder(
            "SELECT event_id, account_id, outcome_type, occurred_at_millis, mrr_delta FROM outcomes WHERE 1 = 1");
    List<Object> params = new ArrayList<>();
    if (!accountId.isEmpty()) {
      sql.append(" AND account_id = ?");
      params.add(accountId);
    }
    if (startMillis != null) {
      sql.append(" AND occurred_at_millis >= ?");
      params.add(startMillis);
    }
    if (endMillis != null) {
      sql.append(" AND occurred_at_millis < ?");
      params.add(endMillis);
    }
    if (after != null) {
      sql.append(" AND (occurred_at_millis > ? OR (occurred_at_millis = ? AND event_id > ?))");
      params.add(after.occurredAtMillis());
      params.add(after.occurredAtMillis());
      params.add(after.eventId());
    }
    sql.append(" ORDER BY occurred_at_millis, event_id LIMIT ").append(limit);
    return Sql.read(
        dataSource,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            for (int i = 0; i < params.size(); i++) {
              ps.setObject(i + 1, params.get(i));
            }
            List<OutcomeRecord> page = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                page.add(
                    new OutcomeRecord(
                        rs.getString(1),
                        rs.getString(2),
                        OutcomeKind.valueOf(rs.getString(3)),
                        Instant.ofEpochMilli(rs.getLong(4)),
                        rs.getDouble(5)));
              }
            }
            return page;
          }
        });
  }

  /** An outcome's effect on MRR, for sums over windows. */
  public record MrrDelta(long occurredAtMillis, double mrrDelta) {}

  /**
   * The mrr_delta of every outcome of the accounts that occurred in [fromMillis, toMillis), by
   * account (accounts without any left out), a statement per {@value Sql#IN_CHUNK} accounts.
   */
  public Map<String, List<MrrDelta>> mrrDeltas(Collection<String> accountIds, long fromMillis, long toMillis) {
    return Sql.read(
        dataSource,
        c -> {
          Map<String, List<MrrDelta>> deltas = new HashMap<>();
          for (List<String> chunk : Sql.chunks(accountIds)) {
            // The time range as expressions, so that H2 looks the accounts up in outcomes_by_account
            // (a range on its later column would make it scan the index instead).
            try (PreparedStatement ps =
                c.prepareStatement(
                    "SELECT account_id, occurred_at_millis, mrr_delta FROM outcomes"
                        + " WHERE account_id IN (" + Sql.placeholders(chunk.size()) + ")"
                        + " AND occurred_at_millis + 0 >= ? AND occurred_at_millis + 0 < ?")) {
              int next = Sql.bind(ps, 1, chunk);
              ps.setLong(next, fromMillis);
              ps.setLong(next + 1, toMillis);
              try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                  deltas.computeIfAbsent(rs.getString(1), a -> new ArrayList<>())
                      .add(new MrrDelta(rs.getLong(2), rs.getDouble(3)));
                }
              }
            }
          }
          return deltas;
        });
  }

}

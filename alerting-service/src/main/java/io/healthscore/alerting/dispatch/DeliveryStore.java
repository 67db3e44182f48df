package io.healthscore.alerting.dispatch;

import com.google.protobuf.util.Timestamps;
import io.healthscore.runtime.db.Database;
import io.healthscore.runtime.db.SqlDialect;
import io.healthscore.runtime.error.FailedPreconditionException;
import io.healthscore.runtime.error.NotFoundException;
import io.healthscore.v1.AlertEvent;
import io.healthscore.v1.AlertEventKind;
import io.healthscore.v1.ChannelType;
import io.healthscore.v1.Delivery;
import io.healthscore.v1.DeliveryState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;

/**
 * The alert_deliveries table: one row per event and channel, and the state machine PENDING →
 * DELIVERED or DEAD (→ PENDING again by RetryDelivery).
 *
 * <p>Claiming is a lease: a dispatcher sets {@code locked_until_ms} and {@code lease_owner} in a
 * short transaction, sends without holding database locks, then records the outcome. A row whose
 * lease ran out (its dispatcher died) is claimable again, so nothing is lost; it may then be sent
 * twice, with the same idempotency key (at-least-once). On PostgreSQL, replicas claim with {@code
 * FOR UPDATE SKIP LOCKED} so they pass over each other's rows instead of queueing on them; the
 * claim itself is a compare-and-set on the lease, which is what makes it exclusive on both
 * databases. H2 is opened by one process only, where a lock in this object serialises claims.
 */
final class DeliveryStore {
  private static final String DELIVERY_COLUMNS =
      "d.delivery_id, d.event_cursor, d.channel_id, d.alert_id, d.kind, d.idempotency_key, d.state, "
          + "d.attempts, d.last_error, d.next_attempt_ms, d.create_ms";
  private static final int MAX_ERROR_LENGTH = 1000;

  /**
   * A delivery this dispatcher holds the lease of until {@code leaseUntilMs}, with what to send;
   * {@code timeoutMs} is its channel's timeout, the longest its send may take.
   */
  record Claim(
      String deliveryId, String channelId, int attempts, AlertEvent event, long createMs, long timeoutMs,
      long leaseUntilMs) {
    Claim withLeaseUntil(long untilMs) {
      return new Claim(deliveryId, channelId, attempts, event, createMs, timeoutMs, untilMs);
    }
  }

  /** Counts for the gauges. */
  record Backlog(long pending, long dead) {}

  private final Database db;
  private final ReentrantLock embeddedClaimLock = new ReentrantLock();

  DeliveryStore(Database db) {
    this.db = db;
  }

  /** An event just stored and the channels it goes to. */
  record Pending(AlertEvent event, Collection<String> channelIds) {}

  /**
   * Inserts a PENDING row per event and channel in the caller's transaction, in one batch. Channels
   * of type GRPC_STREAM get no row: the event log is their delivery. Unknown channel ids get a row,
   * which the dispatcher dead-letters with a clear error so the miss is visible and retryable once
   * the channel exists.
   */
  void insertPending(Connection tx, List<Pending> pending, long nowMs) throws SQLException {
    Set<String> streams = streamChannels(tx,
        pending.stream().flatMap(p -> p.channelIds().stream()).collect(Collectors.toSet()));
    try (PreparedStatement insert =
        tx.prepareStatement(
            "INSERT INTO alert_deliveries (delivery_id, event_cursor, channel_id, alert_id, kind, "
                + "idempotency_key, state, attempts, last_error, next_attempt_ms, locked_until_ms, "
                + "lease_owner, create_ms) VALUES (?, ?, ?, ?, ?, ?, ?, 0, '', ?, 0, '', ?)")) {
      int rows = 0;
      for (Pending p : pending) {
        AlertEvent event = p.event();
        for (String channelId : new LinkedHashSet<>(p.channelIds())) {
          if (streams.contains(channelId)) {
            continue;
          }
          insert.setString(1, deliveryId(event.getCursor(), channelId));
          insert.setLong(2, event.getCursor());
          insert.setString(3, channelId);
          insert.setString(4, event.getAlert().getAlertId());
          insert.setInt(5, event.getKindValue());
          insert.setString(6, event.getIdempotencyKey());
          insert.setInt(7, DeliveryState.DELIVERY_STATE_PENDING_VALUE);
          insert.setLong(8, nowMs);
          insert.setLong(9, nowMs);
          insert.addBatch();
          rows++;
        }
      }
      if (rows > 0) {
        insert.executeBatch();
      }
    }
  }

  /** "&lt;cursor&gt;-&lt;channel_id&gt;": readable, and unique because (cursor, channel) is. */
  static String deliveryId(long cursor, String channelId) {
    return cursor + "-" + channelId;
  }

  /** The event cursor a delivery id starts with. */
  static long cursorOf(String deliveryId) {
    return Long.parseLong(deliveryId.substring(0, deliveryId.indexOf('-')));
  }

  private static Set<String> streamChannels(Connection tx, Collection<String> ids) throws SQLException {
    Set<String> streams = new HashSet<>();
    try (PreparedStatement s =
        tx.prepareStatement("SELECT channel_type FROM delivery_channels WHERE channel_id = ?")) {
      for (String id : ids) {
        s.setString(1, id);
        try (ResultSet rs = s.executeQuery()) {
          if (rs.next() && rs.getInt(1) == ChannelType.CHANNEL_TYPE_GRPC_STREAM_VALUE) {
            streams.add(id);
          }
        }
      }
    }
    return streams;
  }

  /**
   * The oldest due deliveries. The order names state first so that it is the order of the index
   * (state, next_attempt_ms, delivery_id): the database reads the rows it returns and stops,
   * instead of reading and sorting every due row of a backlog to return the first few.
   */
  static final String CLAIM_SELECT =
      "SELECT d.delivery_id, d.channel_id, d.attempts, d.create_ms, e.event_body, e.event_json, c.timeout_ms "
          + "FROM alert_deliveries d JOIN alert_events e ON e.event_cursor = d.event_cursor "
          + "LEFT JOIN delivery_channels c ON c.channel_id = d.channel_id "
          + "WHERE d.state = ? AND d.next_attempt_ms <= ? AND d.locked_until_ms <= ? "
          + "ORDER BY d.state, d.next_attempt_ms, d.delivery_id LIMIT ?";

  /**
   * Leases up to {@code limit} due deliveries to {@code owner}, oldest due first. The dispatcher
   * sends them one after another, so each is leased until the sends before it and its own could
   * all have timed out, plus {@code leaseMarginMs}: one slow receiver then cannot make the rest of
   * the batch expire and be sent again by another dispatcher.
   */
  List<Claim> claimDue(int limit, long nowMs, String owner, long leaseMarginMs) {
    if (db.dialect() != SqlDialect.H2) {
      return db.inTransaction(c -> claim(c, limit, nowMs, owner, leaseMarginMs));
    }
    // One process claims from the embedded store, one claim at a time, and its start drops the
    // leases a killed run left: each lease is a conditional update that stands on its own, and
    // losing it in a crash costs nothing, so it is written without a commit sync of its own (that
    // sync, serialised with every other commit, was most of what a claim cost under a backlog).
    embeddedClaimLock.lock();
    try {
      return db.inAutoCommit(c -> claim(c, limit, nowMs, owner, leaseMarginMs));
    } finally {
      embeddedClaimLock.unlock();
    }
  }

  private List<Claim> claim(Connection c, int limit, long nowMs, String owner, long leaseMarginMs)
      throws SQLException {
    String select = CLAIM_SELECT + (db.dialect() == SqlDialect.POSTGRESQL ? " FOR UPDATE OF d SKIP LOCKED" : "");
    List<Claim> candidates = new ArrayList<>();
    long sendsBefore = 0;
    try (PreparedStatement s = c.prepareStatement(select)) {
      s.setInt(1, DeliveryState.DELIVERY_STATE_PENDING_VALUE);
      s.setLong(2, nowMs);
      s.setLong(3, nowMs);
      s.setInt(4, limit);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          long timeoutMs = rs.getLong("timeout_ms");
          sendsBefore += timeoutMs;
          candidates.add(
              new Claim(
                  rs.getString("delivery_id"),
                  rs.getString("channel_id"),
                  rs.getInt("attempts"),
                  AlertEventLog.read(rs, 5, 6),
                  rs.getLong("create_ms"),
                  timeoutMs,
                  nowMs + sendsBefore + leaseMarginMs));
        }
      }
    }
    List<Claim> claimed = new ArrayList<>();
    try (PreparedStatement lease =
        c.prepareStatement(
            "UPDATE alert_deliveries SET locked_until_ms = ?, lease_owner = ? "
                + "WHERE delivery_id = ? AND state = ? AND locked_until_ms <= ?")) {
      for (Claim claim : candidates) {
        lease.setLong(1, claim.leaseUntilMs());
        lease.setString(2, owner);
        lease.setString(3, claim.deliveryId());
        lease.setInt(4, DeliveryState.DELIVERY_STATE_PENDING_VALUE);
        lease.setLong(5, nowMs);
        if (lease.executeUpdate() == 1) {
          claimed.add(claim);
        }
      }
    }
    return claimed;
  }

  /**
   * Extends the lease of a claim that is still this owner's, e.g. when recording outcomes took
   * longer than planned; false when the lease is gone (expired and claimed by another dispatcher,
   * or recorded), and the claim must not be sent.
   */
  boolean renewLease(Claim claim, String owner, long untilMs) {
    return db.inTransaction(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "UPDATE alert_deliveries SET locked_until_ms = ? WHERE delivery_id = ? AND state = ? "
                      + "AND lease_owner = ? AND locked_until_ms = ?")) {
            // The lease's end is its token: every dispatcher thread of this process is the same
            // owner, and a claim by another thread after expiry would have set a new end.
            s.setLong(1, untilMs);
            s.setString(2, claim.deliveryId());
            s.setInt(3, DeliveryState.DELIVERY_STATE_PENDING_VALUE);
            s.setString(4, owner);
            s.setLong(5, claim.leaseUntilMs());
            return s.executeUpdate() == 1;
          }
        });
  }

  /**
   * One attempt's outcome to record: delivered, or failed and PENDING again at {@code nextAttemptMs}
   * (DEAD when {@code dead}).
   */
  record Attempt(String deliveryId, boolean delivered, String error, boolean dead, long nextAttemptMs) {
    static Attempt delivered(String deliveryId) {
      return new Attempt(deliveryId, true, "", false, 0);
    }

    static Attempt failed(String deliveryId, String error, boolean dead, long nextAttemptMs) {
      return new Attempt(deliveryId, false, error, dead, nextAttemptMs);
    }
  }

  /**
   * Records the outcomes of attempts made under {@code owner}'s leases, all in one transaction: on
   * the embedded database every commit waits for a file sync, so a transaction per delivery made
   * the dispatcher threads queue on syncs rather than send. A success is recorded whoever holds the
   * lease (the receiver has it, whoever sent it); a failure only under the sender's lease, so one
   * attempt is never counted twice. Rows no longer pending (recorded by another dispatcher) are left.
   */
  void record(List<Attempt> attempts, String owner) {
    if (attempts.isEmpty()) {
      return;
    }
    db.inTransaction(
        c -> {
          try (PreparedStatement delivered =
                  c.prepareStatement(
                      "UPDATE alert_deliveries SET state = ?, attempts = attempts + 1, last_error = '', "
                          + "locked_until_ms = 0, lease_owner = '' WHERE delivery_id = ? AND state = ?");
              PreparedStatement failed =
                  c.prepareStatement(
                      "UPDATE alert_deliveries SET state = ?, attempts = attempts + 1, last_error = ?, "
                          + "next_attempt_ms = ?, locked_until_ms = 0, lease_owner = '' "
                          + "WHERE delivery_id = ? AND state = ? AND lease_owner = ?")) {
            for (Attempt a : attempts) {
              if (a.delivered()) {
                delivered.setInt(1, DeliveryState.DELIVERY_STATE_DELIVERED_VALUE);
                delivered.setString(2, a.deliveryId());
                delivered.setInt(3, DeliveryState.DELIVERY_STATE_PENDING_VALUE);
                delivered.executeUpdate();
              } else {
                failed.setInt(
                    1,
                    a.dead()
                        ? DeliveryState.DELIVERY_STATE_DEAD_VALUE
                        : DeliveryState.DELIVERY_STATE_PENDING_VALUE);
                failed.setString(2, truncate(a.error()));
                failed.setLong(3, a.nextAttemptMs());
                failed.setString(4, a.deliveryId());
                failed.setInt(5, DeliveryState.DELIVERY_STATE_PENDING_VALUE);
                failed.setString(6, owner);
                failed.executeUpdate();
              }
            }
          }
          return null;
        });
  }

  /**
   * Queues a DEAD delivery again with a fresh attempt budget. NOT_FOUND for an unknown id,
   * FAILED_PRECONDITION when it is not dead.
   */
  Delivery retry(String deliveryId, long nowMs) {
    return db.inTransaction(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "UPDATE alert_deliveries SET state = ?, attempts = 0, next_attempt_ms = ?, "
                      + "locked_until_ms = 0, lease_owner = '' WHERE delivery_id = ? AND state = ?")) {
            s.setInt(1, DeliveryState.DELIVERY_STATE_PENDING_VALUE);
            s.setLong(2, nowMs);
            s.setString(3, deliveryId);
            s.setInt(4, DeliveryState.DELIVERY_STATE_DEAD_VALUE);
            int updated = s.executeUpdate();
            Delivery delivery =
                find(c, deliveryId)
                    .orElseThrow(() -> new NotFoundException("delivery " + deliveryId + " not found"));
            if (updated == 0) {
              throw new FailedPreconditionException(
                  "delivery " + deliveryId + " is " + delivery.getState()
                      + "; only DELIVERY_STATE_DEAD deliveries can be retried");
            }
            return delivery;
          }
        });
  }

  Optional<Delivery> get(String deliveryId) {
    return db.read(c -> find(c, deliveryId));
  }

  private static Optional<Delivery> find(Connection c, String deliveryId) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT " + DELIVERY_COLUMNS + " FROM alert_deliveries d WHERE d.delivery_id = ?")) {
      s.setString(1, deliveryId);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? Optional.of(read(rs)) : Optional.empty();
      }
    }
  }

  /**
   * A page of deliveries, newest first (by event cursor, then channel id descending), after the
   * position {@code after} of the previous page when given.
   */
  List<Delivery> list(
      DeliveryState state, String channelId, Optional<PageToken> after, int limit) {
    StringBuilder sql =
        new StringBuilder("SELECT " + DELIVERY_COLUMNS + " FROM alert_deliveries d WHERE 1 = 1");
    List<Object> params = new ArrayList<>();
    if (state != DeliveryState.DELIVERY_STATE_UNSPECIFIED) {
      sql.append(" AND d.state = ?");
      params.add(state.getNumber());
    }
    if (!channelId.isEmpty()) {
      sql.append(" AND d.channel_id = ?");
      params.add(channelId);
    }
    if (after.isPresent()) {
      sql.append(" AND (d.event_cursor < ? OR (d.event_cursor = ? AND d.channel_id < ?))");
      params.add(after.get().cursor());
      params.add(after.get().cursor());
      params.add(after.get().channelId());
    }
    sql.append(" ORDER BY d.event_cursor DESC, d.channel_id DESC LIMIT ?");
    params.add(limit);
    return db.read(
        c -> {
          List<Delivery> deliveries = new ArrayList<>();
          try (PreparedStatement s = c.prepareStatement(sql.toString())) {
            for (int i = 0; i < params.size(); i++) {
              s.setObject(i + 1, params.get(i));
            }
            try (ResultSet rs = s.executeQuery()) {
              while (rs.next()) {
                deliveries.add(read(rs));
              }
            }
          }
          return deliveries;
        });
  }

  Backlog backlog() {
    return db.read(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "SELECT state, COUNT(*) FROM alert_deliveries WHERE state IN (?, ?) GROUP BY state")) {
            s.setInt(1, DeliveryState.DELIVERY_STATE_PENDING_VALUE);
            s.setInt(2, DeliveryState.DELIVERY_STATE_DEAD_VALUE);
            long pending = 0;
            long dead = 0;
            try (ResultSet rs = s.executeQuery()) {
              while (rs.next()) {
                if (rs.getInt(1) == DeliveryState.DELIVERY_STATE_PENDING_VALUE) {
                  pending = rs.getLong(2);
                } else {
                  dead = rs.getLong(2);
                }
              }
            }
            return new Backlog(pending, dead);
          }
        });
  }

  /** When the earliest pending delivery becomes claimable, if any is pending. */
  Optional<Long> nextDueMs() {
    return db.read(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "SELECT MIN(CASE WHEN locked_until_ms > next_attempt_ms THEN locked_until_ms "
                      + "ELSE next_attempt_ms END) FROM alert_deliveries WHERE state = ?")) {
            s.setInt(1, DeliveryState.DELIVERY_STATE_PENDING_VALUE);
            try (ResultSet rs = s.executeQuery()) {
              rs.next();
              long due = rs.getLong(1);
              return rs.wasNull() ? Optional.<Long>empty() : Optional.of(due);
            }
          }
        });
  }

  /** Deletes up to {@code limit} delivered or dead deliveries created before {@code beforeMs}. */
  int deleteFinishedBefore(long beforeMs, int limit) {
    return db.inTransaction(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "DELETE FROM alert_deliveries WHERE delivery_id IN (SELECT delivery_id FROM alert_deliveries "
                      + "WHERE create_ms < ? AND state IN (?, ?) ORDER BY create_ms LIMIT ?)")) {
            s.setLong(1, beforeMs);
            s.setInt(2, DeliveryState.DELIVERY_STATE_DELIVERED_VALUE);
            s.setInt(3, DeliveryState.DELIVERY_STATE_DEAD_VALUE);
            s.setInt(4, limit);
            return s.executeUpdate();
          }
        });
  }

  /**
   * Drops every lease. Only for the embedded database at start: one process owns it, so any lease
   * left is from a run that died, and its rows can be sent again at once instead of after expiry.
   */
  int releaseAllLeases() {
    return db.inTransaction(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "UPDATE alert_deliveries SET locked_until_ms = 0, lease_owner = '' "
                      + "WHERE state = ? AND locked_until_ms > 0")) {
            s.setInt(1, DeliveryState.DELIVERY_STATE_PENDING_VALUE);
            return s.executeUpdate();
          }
        });
  }

  private static Delivery read(ResultSet rs) throws SQLException {
    DeliveryState state = DeliveryState.forNumber(rs.getInt("state"));
    AlertEventKind kind = AlertEventKind.forNumber(rs.getInt("kind"));
    Delivery.Builder d =
        Delivery.newBuilder()
            .setDeliveryId(rs.getString("delivery_id"))
            .setAlertId(rs.getString("alert_id"))
            .setChannelId(rs.getString("channel_id"))
            .setState(state == null ? DeliveryState.DELIVERY_STATE_UNSPECIFIED : state)
            .setAttempts(rs.getInt("attempts"))
            .setLastError(rs.getString("last_error"))
            .setIdempotencyKey(rs.getString("idempotency_key"))
            .setCreateTime(Timestamps.fromMillis(rs.getLong("create_ms")))
            .setKind(kind == null ? AlertEventKind.ALERT_EVENT_KIND_UNSPECIFIED : kind);
    if (state == DeliveryState.DELIVERY_STATE_PENDING) {
      d.setNextAttemptTime(Timestamps.fromMillis(rs.getLong("next_attempt_ms")));
    }
    return d.build();
  }

  private static String truncate(String error) {
    return error.length() <= MAX_ERROR_LENGTH ? error : error.substring(0, MAX_ERROR_LENGTH - 1) + "…";
  }
}

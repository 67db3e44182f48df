package io.healthscore.scoring.store;

import io.healthscore.runtime.db.CacheNoticeLog;
import io.healthscore.runtime.db.Database;
import io.healthscore.runtime.db.DatabaseException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collection;

/**
 * What a scoring replica changed that every replica holds in memory: a score, an override, a
 * scorecard, the models, an account. Writers append a notice in the transaction of the change
 * itself; every replica follows the others' notices (runtime's {@link CacheNoticeLog} and {@link
 * io.healthscore.runtime.db.CacheNoticeFollower}, wired in ReplicaSync). Ids are handed out under
 * the lock of the score_change_counter row.
 */
public final class CacheNotices {
  /** The tables of scoring's notices (migration V4). */
  static final CacheNoticeLog.Tables TABLES =
      new CacheNoticeLog.Tables("cache_notices", "score_change_counter", "last_notice");

  /** What a notice names; the code is what is stored. */
  public enum Kind {
    /** A score row or its removal: account and scorecard. */
    SCORE(1),
    /** An override set or cleared: account and scorecard. */
    OVERRIDE(2),
    /** A new scorecard version: scorecard. */
    SCORECARD(3),
    /** A model stored or its state changed. */
    MODELS(4),
    /** An account edited at signals-service: account. */
    ACCOUNT(5),
    /** Metric names the portfolio sent for the first time (the catalog of decision 011). */
    METRICS(6),
    /** Percentile distributions a rescore stored: scorecard. */
    DISTRIBUTIONS(7),
    /** The applying replica's view of the signals feed changed. */
    FEED_STATUS(8);

    final int code;

    Kind(int code) {
      this.code = code;
    }

    static Kind of(int code) {
      for (Kind k : values()) {
        if (k.code == code) {
          return k;
        }
      }
      throw new DatabaseException("unknown cache notice kind " + code, null);
    }
  }

  /** One thing that changed. */
  public record Notice(Kind kind, String accountId, String scorecardId) {
    public static Notice score(String accountId, String scorecardId) {
      return new Notice(Kind.SCORE, accountId, scorecardId);
    }

    public static Notice override(String accountId, String scorecardId) {
      return new Notice(Kind.OVERRIDE, accountId, scorecardId);
    }

    public static Notice scorecard(String scorecardId) {
      return new Notice(Kind.SCORECARD, "", scorecardId);
    }

    public static Notice models() {
      return new Notice(Kind.MODELS, "", "");
    }

    public static Notice distributions(String scorecardId) {
      return new Notice(Kind.DISTRIBUTIONS, "", scorecardId);
    }

    public static Notice feedStatus() {
      return new Notice(Kind.FEED_STATUS, "", "");
    }

    public static Notice metrics() {
      return new Notice(Kind.METRICS, "", "");
    }

    public static Notice account(String accountId) {
      return new Notice(Kind.ACCOUNT, accountId, "");
    }

    /** The notice as the log stores it. */
    public static Notice of(CacheNoticeLog.Notice stored) {
      return new Notice(Kind.of(stored.kind()), stored.first(), stored.second());
    }

    CacheNoticeLog.Notice stored() {
      return new CacheNoticeLog.Notice(kind.code, accountId, scorecardId);
    }
  }

  private final CacheNoticeLog log;

  /** Notices written through this instance carry {@code origin}, the replica's id. */
  public CacheNotices(Database database, String origin) {
    this.log = new CacheNoticeLog(database, origin, TABLES);
  }

  /** The stored log, which ReplicaSync follows. */
  public CacheNoticeLog log() {
    return log;
  }

  /** Appends the notices, as one entry, inside the caller's transaction. Nothing when empty. */
  public void append(Connection c, Collection<Notice> notices) throws SQLException {
    log.append(c, notices.stream().map(Notice::stored).toList());
  }

  /** Deletes notices older than {@code beforeMillis}; returns how many. */
  public int prune(long beforeMillis) {
    return log.prune(beforeMillis);
  }
}

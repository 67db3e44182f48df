package io.healthscore.alerting.feed;

import io.healthscore.alerting.engine.SignalsReader;
import io.healthscore.runtime.db.CacheNoticeFollower;
import io.healthscore.runtime.db.CacheNoticeLog;
import io.healthscore.runtime.db.Database;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;

/**
 * What one alerting replica tells the others sharing its database: the accounts the signals feed
 * reported edited, appended in the feed batch's transaction (runtime's {@link CacheNoticeLog}).
 * Every replica follows the others' notices and drops those accounts from its cache, so a replica
 * that does not hold the feed evaluates the edited account as it is now, not as it was cached.
 * Rules, channels, playbooks and alerts need no notice: every read of them goes to the database.
 */
public final class ReplicaNotices {
  /** The tables of alerting's notices (migration V5). */
  static final CacheNoticeLog.Tables TABLES =
      new CacheNoticeLog.Tables("alerting_cache_notices", "alerting_notice_counter", "last_notice");
  /** The kind code of an edited account; its first key is the account id. */
  static final int ACCOUNT_EDITED = 1;

  private final CacheNoticeLog log;

  /** Notices written through this instance carry {@code origin}, the replica's id. */
  public ReplicaNotices(Database database, String origin) {
    this.log = new CacheNoticeLog(database, origin, TABLES);
  }

  /** Records, inside the caller's transaction, that these accounts were edited. */
  public void accountsEdited(Connection c, Collection<String> accountIds) throws SQLException {
    log.append(c, accountIds.stream().map(id -> new CacheNoticeLog.Notice(ACCOUNT_EDITED, id, "")).toList());
  }

  /** Follows the other replicas' notices into {@code signals}' account cache; start it to poll. */
  public CacheNoticeFollower follower(SignalsReader signals) {
    return new CacheNoticeFollower(log, () -> {}, new CacheNoticeFollower.Target() {
      @Override
      public void apply(List<CacheNoticeLog.Notice> notices) {
        notices.stream().filter(n -> n.kind() == ACCOUNT_EDITED).forEach(n -> signals.invalidate(n.first()));
      }

      @Override
      public void reloadAll() {
        signals.invalidateAll();
      }
    });
  }

  /** Deletes notices older than {@code beforeMillis} (wall clock); returns how many. */
  public int prune(long beforeMillis) {
    return log.prune(beforeMillis);
  }
}

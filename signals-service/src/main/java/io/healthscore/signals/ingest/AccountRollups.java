package io.healthscore.signals.ingest;

import java.util.List;
import java.util.Map;

/**
 * One read of an account's rollups (stored merged with memory) together with the user hash sets of
 * the days from {@code usersFromDay} on, so that exact distinct-user counts over any window within
 * those days need no second read.
 */
public final class AccountRollups {
  private final List<DailyRollup> rollups;
  private final Map<RollupStore.Key, LongHashSet> users;
  private final long usersFromDay;

  AccountRollups(List<DailyRollup> rollups, Map<RollupStore.Key, LongHashSet> users, long usersFromDay) {
    this.rollups = rollups;
    this.users = users;
    this.usersFromDay = usersFromDay;
  }

  /** The rollups, ordered by metric, then day. */
  public List<DailyRollup> rollups() {
    return rollups;
  }

  /**
   * Distinct users (non-empty user ids) over the days [fromDay, toDayExclusive): of one metric, or of
   * every metric when {@code metricOrNull} is null. A user active on several days or metrics counts
   * once.
   *
   * @throws IllegalArgumentException if the window starts before the days whose users were read
   */
  public long distinctUsers(String metricOrNull, long fromDay, long toDayExclusive) {
    if (fromDay < usersFromDay) {
      throw new IllegalArgumentException(
          "users were read from day " + usersFromDay + ", not from " + fromDay);
    }
    LongHashSet union = new LongHashSet();
    for (Map.Entry<RollupStore.Key, LongHashSet> e : users.entrySet()) {
      RollupStore.Key key = e.getKey();
      if (key.epochDay() >= fromDay && key.epochDay() < toDayExclusive
          && (metricOrNull == null || metricOrNull.equals(key.metric()))) {
        union.addAll(e.getValue());
      }
    }
    return union.size();
  }
}

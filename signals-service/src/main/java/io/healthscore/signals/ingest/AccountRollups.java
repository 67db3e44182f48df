package io.healthscore.signals.ingest;

import java.util.ArrayList;
import java.util.HashMap;
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
  /** The same user sets by metric, so that a metric's count looks at its own days only. */
  private final Map<String, List<Map.Entry<RollupStore.Key, LongHashSet>>> usersByMetric = new HashMap<>();
  private final long usersFromDay;

  AccountRollups(List<DailyRollup> rollups, Map<RollupStore.Key, LongHashSet> users, long usersFromDay) {
    this.rollups = rollups;
    this.users = users;
    this.usersFromDay = usersFromDay;
    for (Map.Entry<RollupStore.Key, LongHashSet> e : users.entrySet()) {
      usersByMetric.computeIfAbsent(e.getKey().metric(), m -> new ArrayList<>()).add(e);
    }
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
    Iterable<Map.Entry<RollupStore.Key, LongHashSet>> candidates =
        metricOrNull == null ? users.entrySet() : usersByMetric.getOrDefault(metricOrNull, List.of());
    // The union is built only when a second set joins the first.
    LongHashSet only = null;
    LongHashSet union = null;
    for (Map.Entry<RollupStore.Key, LongHashSet> e : candidates) {
      long day = e.getKey().epochDay();
      LongHashSet set = e.getValue();
      if (day < fromDay || day >= toDayExclusive || set.size() == 0) {
        continue;
      }
      if (only == null) {
        only = set;
      } else {
        if (union == null) {
          union = only.copy();
        }
        union.addAll(set);
      }
    }
    return union != null ? union.size() : only != null ? only.size() : 0;
  }
}

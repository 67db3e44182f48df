package io.healthscore.signals.ingest;

/**
 * What one metric of one account received on one UTC day since the last checkpoint. Mutable, owned
 * by a {@link RollupDelta} (in the {@link MetricDays} of its account and metric).
 */
final class HotRollup {
  final String metric;
  final long epochDay;
  long count;
  /** Numeric signals among {@code count}: min and max mean something only when this is above 0. */
  long numericCount;
  double sum;
  double min;
  double max;
  double lastValue;
  String lastLabel;
  long firstAtMillis;
  long lastAtMillis;
  /** Log order of the last signal, to let the later arrival win a tie on occurredAt. */
  long lastSequence;
  /** Hashes of the users seen, null while none. */
  LongHashSet users;

  HotRollup(String metric, long epochDay) {
    this.metric = metric;
    this.epochDay = epochDay;
  }

  /** @return true when the signal brought a user this rollup had not seen in this interval */
  boolean add(boolean isLabel, double number, String label, long occurredAtMillis, long userHash, long sequence) {
    if (count == 0 || occurredAtMillis < firstAtMillis) {
      firstAtMillis = occurredAtMillis;
    }
    if (count == 0 || occurredAtMillis > lastAtMillis
        || (occurredAtMillis == lastAtMillis && sequence > lastSequence)) {
      lastAtMillis = occurredAtMillis;
      lastSequence = sequence;
      lastValue = isLabel ? 0 : number;
      lastLabel = isLabel ? label : null;
    }
    count++;
    if (!isLabel) {
      if (numericCount == 0) {
        min = number;
        max = number;
      } else {
        min = Math.min(min, number);
        max = Math.max(max, number);
      }
      numericCount++;
      sum += number;
    }
    if (userHash == 0) {
      return false;
    }
    if (users == null) {
      users = new LongHashSet();
    }
    return users.add(userHash);
  }

  /** A detached copy for readers. */
  HotRollup copy() {
    HotRollup c = new HotRollup(metric, epochDay);
    c.count = count;
    c.numericCount = numericCount;
    c.sum = sum;
    c.min = min;
    c.max = max;
    c.lastValue = lastValue;
    c.lastLabel = lastLabel;
    c.firstAtMillis = firstAtMillis;
    c.lastAtMillis = lastAtMillis;
    c.lastSequence = lastSequence;
    c.users = users == null ? null : users.copy();
    return c;
  }
}

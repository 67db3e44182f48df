package io.healthscore.scoring.engine;

import io.healthscore.v1.Band;

/**
 * One account's computed score on one scorecard. Compact on purpose: the serving cache holds a
 * million of these, so it keeps only the raw value of each flattened measure (points, effective
 * weights and sentences are a pure function of the values and are recomputed on explain) plus a
 * few floats. The arrays are shared, not copied: callers must not modify them.
 */
public final class ComputedScore {
  private final String scorecardId;
  private final long version;
  private final float score;
  private final Band computedBand;
  private final float coverage;
  private final float proactiveShare;
  private final long computedAtMillis;
  private final boolean noData;
  private final float[] values;
  private final long[] staleMask;
  private final float[] extras;
  private final short[] modelBins;

  /**
   * @param values raw value per flattened measure, NaN when missing
   * @param staleMask bit per measure set when its manual input was past its staleness limit; null
   *     when none was
   * @param extras per-scorecard slots for what values alone cannot reproduce (ages of inputs with a
   *     staleness limit, points of percentile measures); null when the scorecard has none
   */
  public ComputedScore(
      String scorecardId,
      long version,
      float score,
      Band computedBand,
      float coverage,
      float proactiveShare,
      long computedAtMillis,
      boolean noData,
      float[] values,
      long[] staleMask,
      float[] extras) {
    this(scorecardId, version, score, computedBand, coverage, proactiveShare, computedAtMillis, noData, values,
        staleMask, extras, null);
  }

  /**
   * As above, for a score set by a learned model: {@code modelBins} are the model's bins of the
   * account's features (its drivers are recomputed from them on explain); null for a score the
   * scorecard computed.
   */
  public ComputedScore(
      String scorecardId,
      long version,
      float score,
      Band computedBand,
      float coverage,
      float proactiveShare,
      long computedAtMillis,
      boolean noData,
      float[] values,
      long[] staleMask,
      float[] extras,
      short[] modelBins) {
    this.modelBins = modelBins;
    this.scorecardId = scorecardId;
    this.version = version;
    this.score = score;
    this.computedBand = computedBand;
    this.coverage = coverage;
    this.proactiveShare = proactiveShare;
    this.computedAtMillis = computedAtMillis;
    this.noData = noData;
    this.values = values;
    this.staleMask = staleMask;
    this.extras = extras;
  }

  public String scorecardId() {
    return scorecardId;
  }

  public long version() {
    return version;
  }

  /** 1.0 to 10.0; 5.5 when {@link #noData()}. */
  public float score() {
    return score;
  }

  /** The band with hysteresis against the previous band applied. */
  public Band computedBand() {
    return computedBand;
  }

  /** Share of the scorecard's nominal weight backed by fresh data (0 to 1). */
  public float coverage() {
    return coverage;
  }

  /** Share of the effective weight carried by proactive measures (0 to 1). */
  public float proactiveShare() {
    return proactiveShare;
  }

  public long computedAtMillis() {
    return computedAtMillis;
  }

  /** True when no measure had fresh data: the score is the neutral 5.5. */
  public boolean noData() {
    return noData;
  }

  /** Raw value per flattened measure (NaN = missing). Shared: do not modify. */
  public float[] values() {
    return values;
  }

  /** True when the measure's manual input was older than its staleness limit. */
  public boolean isStale(int measureIndex) {
    return staleMask != null && (staleMask[measureIndex >>> 6] & (1L << measureIndex)) != 0;
  }

  /** Bit per measure, set when stale; null when none was. For storage. Shared: do not modify. */
  public long[] staleMask() {
    return staleMask;
  }

  float extra(int slot) {
    return extras == null ? Float.NaN : extras[slot];
  }

  /**
   * The scorecard version's extra slots (ages of inputs with a staleness limit, points of
   * percentile measures), opaque outside the engine; null when the scorecard has none. For storage,
   * so a score read back explains exactly as computed. Shared: do not modify.
   */
  public float[] extras() {
    return extras;
  }

  /**
   * The learned model's bins of the account's features when that model set the score, else null.
   * Shared: do not modify.
   */
  public short[] modelBins() {
    return modelBins;
  }
}

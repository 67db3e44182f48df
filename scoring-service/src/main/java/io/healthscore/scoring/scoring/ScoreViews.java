package io.healthscore.scoring.scoring;

import com.google.protobuf.util.Timestamps;
import io.healthscore.scoring.cache.CachedScore;
import io.healthscore.scoring.engine.ComputedScore;
import io.healthscore.scoring.engine.ScoreExplainer;
import io.healthscore.scoring.learn.LearnedChurnModel;
import io.healthscore.scoring.store.OverrideRecord;
import io.healthscore.v1.Band;
import io.healthscore.v1.HealthScore;
import io.healthscore.v1.Override;
import io.healthscore.v1.Trend;

/** Builds the HealthScore clients see from a cached computation and the override in force. */
public final class ScoreViews {
  /** Churn rates assumed per band when no learned model is active (for MRR at risk). */
  public static final double RED_CHURN_RATE = 0.25;
  public static final double YELLOW_CHURN_RATE = 0.10;
  public static final double GREEN_CHURN_RATE = 0.03;

  private ScoreViews() {}

  /**
   * The score as served, with {@code override} applied when it is not null. A score the active
   * learned model ({@code learned}, nullable) set has that model's terms as its drivers.
   */
  public static HealthScore view(CachedScore e, OverrideRecord override, LearnedChurnModel learned) {
    // The explanation already carries the computed score, band, coverage and computed_at.
    HealthScore.Builder b = ScoreExplainer.explain(e.scorecard(), e.computed(), e.previous());
    short[] bins = e.computed().modelBins();
    if (bins != null && learned != null && learned.modelId().equals(e.modelId())) {
      int[] wide = new int[bins.length];
      for (int i = 0; i < bins.length; i++) {
        wide[i] = bins[i];
      }
      b.clearDrivers().addAllDrivers(learned.scoreDrivers(wide, e.scorecard().bands(), e.computed().computedBand()));
    }
    b.setAccountId(e.accountId())
        .setScorecardVersion(e.computed().version())
        .setPrimary(e.primary())
        .setRolledUp(e.rolledUp())
        .setTrend(trend(e));
    if (!Double.isNaN(e.churnProbability())) {
      b.setChurnProbability(e.churnProbability()).setModelId(e.modelId());
    } else {
      b.clearChurnProbability().setModelId("");
    }
    if (override != null) {
      b.setOverride(toProto(override));
      b.setScore(shownScore(e.computed().score(), override)).setBand(override.band());
    } else {
      b.clearOverride();
    }
    return b.build();
  }

  /**
   * The previous score of a change: what was last published, without its explanation detail
   * (components and drivers), which the change's current score carries.
   */
  public static HealthScore previousView(CachedScore previous) {
    ComputedScore c = previous.computed();
    HealthScore.Builder b =
        HealthScore.newBuilder()
            .setAccountId(previous.accountId())
            .setScorecardId(previous.scorecard().id())
            .setScorecardVersion(c.version())
            .setScore(previous.storedScore())
            .setBand(previous.storedBand())
            .setComputedScore(c.score())
            .setComputedBand(c.computedBand())
            .setCoverage(c.coverage())
            .setNoData(c.noData())
            .setProactiveShare(c.proactiveShare())
            .setReactiveShare(c.noData() ? 0 : Math.max(0, 1 - c.proactiveShare()))
            .setComputedAt(Timestamps.fromMillis(c.computedAtMillis()))
            .setPrimary(previous.primary())
            .setRolledUp(previous.rolledUp())
            .setTrend(trend(previous));
    if (!Double.isNaN(previous.churnProbability())) {
      b.setChurnProbability(previous.churnProbability()).setModelId(previous.modelId());
    }
    return b.build();
  }

  public static double shownScore(double computed, OverrideRecord override) {
    return override != null && override.hasScore() ? override.score() : computed;
  }

  public static Override toProto(OverrideRecord o) {
    Override.Builder b =
        Override.newBuilder()
            .setBand(o.band())
            .setReason(o.reason())
            .setSetBy(o.setBy())
            .setSetTime(Timestamps.fromMillis(o.setMillis()));
    if (o.hasScore()) {
      b.setScore(o.score());
    }
    if (o.expireMillis() != 0) {
      b.setExpireTime(Timestamps.fromMillis(o.expireMillis()));
    }
    return b.build();
  }

  public static double bandChurnRate(Band band) {
    return switch (band) {
      case BAND_RED -> RED_CHURN_RATE;
      case BAND_YELLOW -> YELLOW_CHURN_RATE;
      default -> GREEN_CHURN_RATE;
    };
  }

  private static Trend trend(CachedScore e) {
    Trend.Builder t = Trend.newBuilder();
    if (!Float.isNaN(e.trend7())) {
      t.setDelta7D(e.trend7());
    }
    if (!Float.isNaN(e.trend30())) {
      t.setDelta30D(e.trend30());
    }
    if (!Float.isNaN(e.trend90())) {
      t.setDelta90D(e.trend90());
    }
    return t.build();
  }
}

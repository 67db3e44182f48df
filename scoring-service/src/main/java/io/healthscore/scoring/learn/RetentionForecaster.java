package io.healthscore.scoring.learn;

import io.healthscore.v1.AccountAtRisk;
import io.healthscore.v1.Band;
import io.healthscore.v1.ForecastGrouping;
import io.healthscore.v1.ForecastRetentionResponse;
import io.healthscore.v1.RetentionForecast;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.Map;
import java.util.TreeMap;

/**
 * Expected retention over a period. Per account, with p its churn probability over the period:
 * churn = p × mrr; contraction = (1 − p) × contractionRate × mrr and expansion = (1 − p) ×
 * expansionRate × mrr (only accounts that stay can shrink or grow). Per group: GRR = 1 − (churn +
 * contraction) / starting MRR, NRR = GRR + expansion / starting MRR (both 1 when the group has no
 * MRR); revenue at risk = MRR of red accounts + p × MRR of the others.
 *
 * <p>The spread comes from simulation: {@value #DRAWS} draws in which every account churns with
 * its probability (survivors contract and expand by their expected rates); P10 and P90 of GRR,
 * NRR and churned MRR per group. The draws are seeded, so a forecast repeats exactly.
 *
 * <p>Without an active model the serving side takes p from the band: {@link
 * #bandProbability(Band, int)}.
 */
public final class RetentionForecaster {
  /** Default churn probability per 90 days by band, when no backtest has measured better ones. */
  public static final double RED_90D = 0.25;

  public static final double YELLOW_90D = 0.10;
  public static final double GREEN_90D = 0.03;

  static final int DRAWS = 1000;
  private static final long SEED = 42;

  private RetentionForecaster() {}

  /**
   * Groups ordered by key ("all" for FORECAST_GROUPING_UNSPECIFIED; bands as red, yellow, green;
   * an empty segment or owner as "(none)"), plus the total. {@code method} is left empty for the
   * caller to set ("model &lt;id&gt;" or "band rates"). The inputs' probabilities and rates are
   * already over {@code periodDays} (see {@link #scale} and {@link #bandProbability}).
   */
  public static ForecastRetentionResponse forecast(
      List<ForecastInput> accounts, int periodDays, ForecastGrouping grouping) {
    return forecast(accounts, periodDays, grouping, 0);
  }

  /** As above, plus the {@code topAccounts} accounts with the most revenue at risk. */
  public static ForecastRetentionResponse forecast(
      List<ForecastInput> accounts, int periodDays, ForecastGrouping grouping, int topAccounts) {
    if (periodDays <= 0) {
      throw new IllegalArgumentException("periodDays must be above zero, got " + periodDays);
    }
    Map<String, Totals> groups = new TreeMap<>();
    Totals total = new Totals();
    for (ForecastInput a : accounts) {
      total.add(a);
      groups.computeIfAbsent(keyOf(a, grouping), k -> new Totals()).add(a);
    }
    ForecastRetentionResponse.Builder b = ForecastRetentionResponse.newBuilder();
    groups.forEach((key, t) -> b.addGroups(t.toForecast(key)));
    accounts.stream()
        .sorted(Comparator.comparingDouble((ForecastInput a) -> -atRisk(a)).thenComparing(ForecastInput::accountId))
        .limit(topAccounts)
        .forEach(
            a ->
                b.addTopAtRisk(
                    AccountAtRisk.newBuilder()
                        .setAccountId(a.accountId())
                        .setMrr(a.mrr())
                        .setChurnProbability(clamp(a.churnProbabilityOverPeriod()))
                        .setRevenueAtRisk(atRisk(a))
                        .setBand(a.band())
                        .setSegment(a.segment() == null ? "" : a.segment())
                        .setOwner(a.owner() == null ? "" : a.owner())));
    return b.setTotal(total.toForecast("all")).build();
  }

  private static double atRisk(ForecastInput a) {
    return a.band() == Band.BAND_RED ? a.mrr() : clamp(a.churnProbabilityOverPeriod()) * a.mrr();
  }

  private static double clamp(double p) {
    return Math.max(0, Math.min(1, p));
  }

  /**
   * A band's churn probability over {@code periodDays}, from a 90-day probability p90 (the
   * defaults above, or rates a backtest measured): 1 − (1 − p90)^(periodDays / 90). An
   * unspecified band counts as yellow.
   */
  public static double bandProbability(Band band, int periodDays) {
    double p90 =
        switch (band) {
          case BAND_RED -> RED_90D;
          case BAND_GREEN -> GREEN_90D;
          default -> YELLOW_90D;
        };
    return scale(p90, 90, periodDays);
  }

  /**
   * A model's churn probability of one account over a period starting now. A model learns from
   * snapshots taken up to its horizon before a renewal or churn, so its probability is the risk
   * of churning at the coming renewal, not a risk spread over every day: an account whose next
   * renewal falls within the period churns with that probability, one renewing later with 0.
   * Only when the renewal is unknown ({@code nextRenewalMillis} &lt; 0) is the probability spread
   * over time at a constant hazard ({@link #scale}).
   */
  public static double periodProbability(
      double renewalProbability, int horizonDays, int periodDays, long nowMillis, long nextRenewalMillis) {
    if (nextRenewalMillis < 0) {
      return scale(renewalProbability, horizonDays, periodDays);
    }
    boolean renews = nextRenewalMillis < nowMillis + periodDays * 86_400_000L;
    return renews ? clamp(renewalProbability) : 0;
  }

  /**
   * Rescales a churn probability over {@code fromDays} to {@code toDays}, assuming a constant
   * hazard: 1 − (1 − p)^(toDays / fromDays). Turns a model's horizon into the forecast period.
   */
  public static double scale(double probability, int fromDays, int toDays) {
    double p = Math.max(0, Math.min(1, probability));
    return 1 - Math.pow(1 - p, (double) toDays / fromDays);
  }

  private static String keyOf(ForecastInput a, ForecastGrouping grouping) {
    return switch (grouping) {
      case FORECAST_GROUPING_SEGMENT -> orNone(a.segment());
      case FORECAST_GROUPING_OWNER -> orNone(a.owner());
      case FORECAST_GROUPING_BAND -> switch (a.band()) {
        case BAND_RED -> "red";
        case BAND_YELLOW -> "yellow";
        case BAND_GREEN -> "green";
        default -> "(none)";
      };
      default -> "all";
    };
  }

  private static String orNone(String s) {
    return s == null || s.isEmpty() ? "(none)" : s;
  }

  private static final class Totals {
    final List<ForecastInput> members = new ArrayList<>();
    long accounts;
    double mrr;
    double churn;
    double contraction;
    double expansion;
    double atRisk;

    void add(ForecastInput a) {
      double p = clamp(a.churnProbabilityOverPeriod());
      members.add(a);
      accounts++;
      mrr += a.mrr();
      churn += p * a.mrr();
      contraction += (1 - p) * a.contractionRate() * a.mrr();
      expansion += (1 - p) * a.expansionRate() * a.mrr();
      atRisk += atRisk(a);
    }

    /** P10 and P90 of GRR, NRR and churned MRR over the seeded draws. */
    double[] simulate(String group) {
      SplittableRandom random = new SplittableRandom(SEED * 31 + group.hashCode());
      double[] grr = new double[DRAWS];
      double[] nrr = new double[DRAWS];
      double[] churned = new double[DRAWS];
      for (int d = 0; d < DRAWS; d++) {
        double lost = 0;
        double shrink = 0;
        double grow = 0;
        for (ForecastInput a : members) {
          if (random.nextDouble() < clamp(a.churnProbabilityOverPeriod())) {
            lost += a.mrr();
          } else {
            shrink += a.contractionRate() * a.mrr();
            grow += a.expansionRate() * a.mrr();
          }
        }
        churned[d] = lost;
        grr[d] = mrr > 0 ? 1 - (lost + shrink) / mrr : 1;
        nrr[d] = mrr > 0 ? grr[d] + grow / mrr : 1;
      }
      Arrays.sort(grr);
      Arrays.sort(nrr);
      Arrays.sort(churned);
      int p10 = DRAWS / 10;
      int p90 = DRAWS * 9 / 10 - 1;
      return new double[] {grr[p10], grr[p90], nrr[p10], nrr[p90], churned[p10], churned[p90]};
    }

    RetentionForecast toForecast(String group) {
      double grr = mrr > 0 ? 1 - (churn + contraction) / mrr : 1;
      double nrr = mrr > 0 ? grr + expansion / mrr : 1;
      double[] spread = simulate(group);
      return RetentionForecast.newBuilder()
          .setGroup(group)
          .setGrrP10(spread[0])
          .setGrrP90(spread[1])
          .setNrrP10(spread[2])
          .setNrrP90(spread[3])
          .setChurnMrrP10(spread[4])
          .setChurnMrrP90(spread[5])
          .setAccounts(accounts)
          .setStartingMrr(mrr)
          .setExpectedChurnMrr(churn)
          .setExpectedContractionMrr(contraction)
          .setExpectedExpansionMrr(expansion)
          .setExpectedGrr(grr)
          .setExpectedNrr(nrr)
          .setRevenueAtRisk(atRisk)
          .build();
    }
  }
}

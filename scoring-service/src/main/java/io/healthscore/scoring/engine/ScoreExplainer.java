package io.healthscore.scoring.engine;

import com.google.protobuf.util.Timestamps;
import io.healthscore.v1.Band;
import io.healthscore.v1.ComponentScore;
import io.healthscore.v1.Driver;
import io.healthscore.v1.HealthScore;
import io.healthscore.v1.Measure;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Turns a computed score into components, drivers and sentences.
 *
 * <p>A driver's impact is {@code 0.9 × effective_weight × (points − 5)}: the score is {@code 1 +
 * 0.9 × Σ effective_weight × points}, so the impacts of all counted measures add up exactly to
 * {@code score − 5.5}, the distance from the neutral score (5 points).
 */
public final class ScoreExplainer {
  private ScoreExplainer() {}

  /**
   * Fills the account-independent fields of a HealthScore: scorecard, score and band (computed,
   * also as shown), components, drivers in {@link #driverOrder} order, coverage, proactive and
   * reactive shares, no_data and computed_at. {@code previous} (nullable) gives impact changes when
   * it was computed by the same scorecard version.
   */
  public static HealthScore.Builder explain(CompiledScorecard sc, ComputedScore now, ComputedScore previous) {
    CompiledScorecard.Evaluation e = sc.evaluate(now);
    CompiledScorecard.Evaluation before =
        previous != null
                && previous.version() == sc.version()
                && previous.scorecardId().equals(sc.id())
                && previous.values().length == sc.measureCount()
            ? sc.evaluate(previous)
            : null;
    HealthScore.Builder b =
        HealthScore.newBuilder()
            .setScorecardId(sc.id())
            .setScorecardVersion(sc.version())
            .setScore(now.score())
            .setBand(now.computedBand())
            .setComputedScore(now.score())
            .setComputedBand(now.computedBand())
            .setCoverage(now.coverage())
            .setNoData(now.noData())
            .setProactiveShare(now.proactiveShare())
            .setReactiveShare(now.noData() ? 0 : Math.max(0, 1 - now.proactiveShare()))
            .setComputedAt(Timestamps.fromMillis(now.computedAtMillis()));
    for (int node = 1; node < sc.nodeCount(); node++) {
      if (sc.nodeParentOf(node) == 0) {
        b.addComponents(component(sc, e, node));
      }
    }
    List<Driver> drivers = new ArrayList<>();
    for (int m = 0; m < sc.measureCount(); m++) {
      drivers.add(driver(sc, now, e, before, m));
    }
    drivers.sort(driverOrder(now.computedBand()));
    b.addAllDrivers(drivers);
    return b;
  }

  /**
   * Measures with data first, so that a missing or stale input is never a top reason; among them
   * a green score leads with what holds it up, a yellow or red one with what pulls it down (the
   * question a CSM asks of it); within each side the largest impact first.
   */
  public static Comparator<Driver> driverOrder(Band band) {
    boolean green = band == Band.BAND_GREEN;
    return Comparator.comparing((Driver d) -> d.getMissing() || d.getStale())
        .thenComparing((Driver d) -> green ? d.getImpact() <= 0 : d.getImpact() >= 0)
        .thenComparingDouble((Driver d) -> -Math.abs(d.getImpact()));
  }

  private static ComponentScore component(CompiledScorecard sc, CompiledScorecard.Evaluation e, int node) {
    var c = sc.nodeComponent(node);
    ComponentScore.Builder b =
        ComponentScore.newBuilder()
            .setComponentId(c.getComponentId())
            .setName(c.getName())
            .setEffectiveWeight(e.nodeSiblingWeight()[node])
            .setCoverage(e.nodeCoverage()[node]);
    if (!Double.isNaN(e.nodePoints()[node])) {
      b.setPoints(e.nodePoints()[node]);
    }
    for (int child = node + 1; child < sc.nodeCount(); child++) {
      if (sc.nodeParentOf(child) == node) {
        b.addChildren(component(sc, e, child));
      }
    }
    return b.build();
  }

  private static double impact(CompiledScorecard.Evaluation e, int m) {
    double p = e.points()[m];
    return Double.isNaN(p) ? 0 : 0.9 * e.effectiveWeight()[m] * (p - CompiledScorecard.NEUTRAL_POINTS);
  }

  private static Driver driver(
      CompiledScorecard sc,
      ComputedScore now,
      CompiledScorecard.Evaluation e,
      CompiledScorecard.Evaluation before,
      int m) {
    Measure measure = sc.measure(m);
    float value = now.values()[m];
    boolean stale = now.isStale(m);
    boolean fresh = e.fresh()[m];
    double impact = impact(e, m);
    Driver.Builder d =
        Driver.newBuilder()
            .setMeasureId(measure.getMeasureId())
            .setName(measure.getName().isEmpty() ? measure.getMeasureId() : measure.getName())
            .setFeature(measure.getFeature())
            .setEffectiveWeight(e.effectiveWeight()[m])
            .setImpact(impact)
            .setImpactChange(before == null ? 0 : impact - impact(before, m))
            .setMissing(!fresh && !stale)
            .setStale(stale)
            .setProactive(measure.getKind() == io.healthscore.v1.MeasureKind.MEASURE_KIND_PROACTIVE);
    if (!Float.isNaN(value)) {
      d.setRawValue(value);
    }
    if (!Double.isNaN(e.points()[m])) {
      d.setPoints(e.points()[m]);
    }
    if (!Double.isNaN(e.ageDays()[m])) {
      d.setAgeDays(e.ageDays()[m]);
    }
    d.setSentence(sentence(sc, m, value, fresh, stale, e, impact));
    return d.build();
  }

  private static String sentence(
      CompiledScorecard sc,
      int m,
      float value,
      boolean fresh,
      boolean stale,
      CompiledScorecard.Evaluation e,
      double impact) {
    Measure measure = sc.measure(m);
    String name = displayName(measure);
    String head = signed(impact) + ": ";
    double points = e.points()[m];
    String counted =
        Double.isNaN(points) ? "left out" : "counted as " + number(points) + "/10";
    if (stale) {
      return name + " is stale: " + number(e.ageDays()[m]) + " days old, limit "
          + measure.getStaleAfterDays() + "; " + counted + (Double.isNaN(points) ? "" : " (" + signed(impact) + ")");
    }
    if (!fresh) {
      // Said without a signed impact first: missing data is not a reason the score is what it is.
      return name + " has no data; " + counted + (Double.isNaN(points) ? "" : " (" + signed(impact) + ")");
    }
    byte mapping = sc.mappingOf(m);
    if (mapping == CompiledScorecard.JOURNEY) {
      return head + name + ": " + percent(value) + " of the milestones due so far reached on time";
    }
    if (mapping == CompiledScorecard.BOOLEAN) {
      return head + name + ": " + (value > 0 ? "yes" : "no");
    }
    if (mapping == CompiledScorecard.GOAL) {
      return head + name + " at " + percent(value / measure.getGoal().getGoal()) + " of goal";
    }
    boolean ratio = !measure.getDenominatorFeature().isEmpty();
    FeatureNames.Kind kind = FeatureNames.kindOf(measure.getFeature());
    if (!ratio && kind == FeatureNames.Kind.TREND) {
      if (value == 0) {
        return head + name + " level with the previous 30 days";
      }
      return head + name + " " + percent(Math.abs(value)) + (value < 0 ? " below" : " above")
          + " the previous 30 days";
    }
    if (!ratio && (kind == FeatureNames.Kind.DAYS_SINCE || mapping == CompiledScorecard.DAYS_SINCE)) {
      return head + days(value) + " since " + name;
    }
    if (ratio) {
      return head + name + " at " + percent(value) + " (" + number(points) + "/10)";
    }
    if (mapping == CompiledScorecard.PERCENTILE) {
      return head + name + " at " + number(value) + ", above " + percent(points / 10)
          + " of its segment (" + number(points) + "/10)";
    }
    return head + name + " at " + number(value) + " (" + number(points) + "/10)";
  }

  private static String displayName(Measure m) {
    return lowerName(m.getName().isEmpty() ? m.getMeasureId() : m.getName());
  }

  static String signed(double impact) {
    if (Math.abs(impact) < 0.05) {
      return "0.0";
    }
    String s = fixed(impact, 1);
    return impact > 0 ? "+" + s : s;
  }

  static String percent(double share) {
    return fixed(share * 100, 0) + "%";
  }

  /** Ages read as people say them: "45 days", "1 day", "0.4 days" (under a day keeps one decimal). */
  static String days(double v) {
    if (v < 1) {
      return fixed(v, 1) + " days";
    }
    long whole = Math.round(v);
    return whole + (whole == 1 ? " day" : " days");
  }

  /** Up to two decimals, without trailing zeros. */
  static String number(double v) {
    String s = fixed(v, Math.abs(v) >= 100 ? 0 : 2);
    if (s.indexOf('.') >= 0) {
      int end = s.length();
      while (s.charAt(end - 1) == '0') {
        end--;
      }
      if (s.charAt(end - 1) == '.') {
        end--;
      }
      s = s.substring(0, end);
    }
    return s.equals("-0") ? "0" : s;
  }

  /**
   * {@code String.format(Locale.ROOT, "%.<decimals>f", v)} without a Formatter per call (which
   * parses the pattern and builds locale symbols each time; it dominated explaining a score). Like
   * the Formatter it rounds half up the shortest decimal digits that identify the double, and keeps
   * the sign of a negative value that rounds to zero.
   */
  static String fixed(double v, int decimals) {
    if (Double.isNaN(v)) {
      return "NaN";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "Infinity" : "-Infinity";
    }
    boolean negative = Double.compare(v, 0.0) < 0;
    long unit = POWERS_OF_TEN[decimals];
    double scaled = Math.abs(v) * unit;
    double fraction = scaled - Math.floor(scaled);
    if (scaled >= 1e15 || Math.abs(fraction - 0.5) < 1e-6) {
      // Near a tie (or beyond a long's exact range) only the decimal digits decide: round those.
      String s = new BigDecimal(Double.toString(v)).setScale(decimals, RoundingMode.HALF_UP).toPlainString();
      return negative && s.charAt(0) != '-' ? "-" + s : s;
    }
    long rounded = (long) Math.floor(scaled + 0.5);
    StringBuilder b = new StringBuilder(24);
    if (negative) {
      b.append('-');
    }
    b.append(rounded / unit);
    if (decimals > 0) {
      String digits = Long.toString(rounded % unit);
      b.append('.');
      for (int i = digits.length(); i < decimals; i++) {
        b.append('0');
      }
      b.append(digits);
    }
    return b.toString();
  }

  private static final long[] POWERS_OF_TEN = {1, 10, 100, 1000};

  /**
   * A short paragraph: score, band, coverage, the measures pulling the score down and holding it
   * up (three each at most), missing and stale measures, override and churn probability.
   */
  public static String summary(HealthScore score) {
    StringBuilder s = new StringBuilder();
    s.append("Score ").append(fixed(score.getScore(), 1))
        .append(" (").append(bandName(score.getBand())).append(") on scorecard ")
        .append(score.getScorecardId()).append(" v").append(score.getScorecardVersion())
        .append(", coverage ").append(percent(score.getCoverage())).append('.');
    if (score.getNoData()) {
      s.append(" No measure has fresh data, so the score is a neutral placeholder.");
    }
    if (score.hasOverride()) {
      s.append(" Set by hand (computed ")
          .append(fixed(score.getComputedScore(), 1))
          .append(", ").append(bandName(score.getComputedBand())).append(")");
      if (!score.getOverride().getReason().isEmpty()) {
        s.append(": ").append(score.getOverride().getReason());
      }
      s.append('.');
    }
    appendDrivers(s, score, true, " Pulling it down: ");
    appendDrivers(s, score, false, " Holding it up: ");
    appendNames(s, score, false, " Missing: ");
    appendNames(s, score, true, " Stale: ");
    if (score.hasChurnProbability()) {
      s.append(" Churn probability ").append(percent(score.getChurnProbability()))
          .append(" within the model's horizon.");
    }
    return s.toString();
  }

  private static void appendDrivers(StringBuilder s, HealthScore score, boolean negative, String lead) {
    List<String> parts = new ArrayList<>();
    for (Driver d : score.getDriversList()) {
      boolean withData = !d.getMissing() && !d.getStale();
      boolean matches = withData && (negative ? d.getImpact() <= -0.05 : d.getImpact() >= 0.05);
      if (matches && parts.size() < 3) {
        parts.add(lowerName(d.getName()) + " (" + signed(d.getImpact()) + ")");
      }
    }
    if (!parts.isEmpty()) {
      s.append(lead).append(String.join(", ", parts)).append('.');
    }
  }

  private static void appendNames(StringBuilder s, HealthScore score, boolean stale, String lead) {
    List<String> names = new ArrayList<>();
    for (Driver d : score.getDriversList()) {
      if (stale ? d.getStale() : d.getMissing()) {
        names.add(lowerName(d.getName()));
      }
    }
    if (!names.isEmpty()) {
      s.append(lead).append(String.join(", ", names)).append('.');
    }
  }

  /** The name with a lower-case first letter, unless it starts an acronym like NPS. */
  private static String lowerName(String name) {
    if (name.length() > 1 && Character.isUpperCase(name.charAt(1))) {
      return name;
    }
    return name.isEmpty() ? name : Character.toLowerCase(name.charAt(0)) + name.substring(1);
  }

  /** One line per driver, in the drivers' order (measures with data first). */
  public static List<String> lines(HealthScore score) {
    List<String> lines = new ArrayList<>();
    for (Driver d : score.getDriversList()) {
      lines.add(d.getSentence());
    }
    return lines;
  }

  static String bandName(Band band) {
    return switch (band) {
      case BAND_RED -> "red";
      case BAND_YELLOW -> "yellow";
      case BAND_GREEN -> "green";
      default -> "no band";
    };
  }
}

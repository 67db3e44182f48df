package io.healthscore.scoring.engine;

import io.healthscore.runtime.error.FieldViolation;
import io.healthscore.runtime.error.InvalidArgumentException;
import io.healthscore.scoring.scorecard.ScorecardValidator;
import io.healthscore.v1.Band;
import io.healthscore.v1.BandCutoffs;
import io.healthscore.v1.Component;
import io.healthscore.v1.Direction;
import io.healthscore.v1.Measure;
import io.healthscore.v1.MeasureKind;
import io.healthscore.v1.Milestone;
import io.healthscore.v1.MissingPolicy;
import io.healthscore.v1.Scorecard;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A validated scorecard flattened into arrays so that scoring an account is a tight loop over
 * measures and then over components. Measures are numbered in pre-order (a component's measures,
 * then its sub-components' measures); that number indexes {@link ComputedScore#values()}.
 * Components are nodes numbered in pre-order after a root node 0, so walking nodes backwards
 * visits every child before its parent. Immutable and thread-safe.
 */
public final class CompiledScorecard {
  /** Points of the neutral score: 5 points give score 5.5. */
  static final double NEUTRAL_POINTS = 5.0;

  /** Score of an account without fresh data. */
  public static final float NEUTRAL_SCORE = 5.5f;
  private static final String ACCOUNT_FEATURE_PREFIX = "account.";

  static final byte THRESHOLDS = 1;
  static final byte LINEAR = 2;
  static final byte GOAL = 3;
  static final byte PERCENTILE = 4;
  static final byte BOOLEAN = 5;
  static final byte DAYS_SINCE = 6;
  static final byte JOURNEY = 7;

  /** Labels that read as true for a boolean measure. */
  private static final Set<String> TRUE_LABELS = Set.of("yes", "true", "present", "strong", "active");

  private final Scorecard source;
  private final String id;
  private final long version;
  private final Set<String> segments;
  private final Set<String> stages;
  private final BandCutoffs bands;

  // Measures, by flattened index.
  private final int n;
  private final Measure[] measures;
  private final String[] feature;
  private final String[] denominator;
  private final byte[] mapping;
  private final boolean[] lowerIsBetter;
  private final boolean[] fixedWhenMissing;
  private final double[] missingPoints;
  private final double[] weight;
  private final double[] nominalShare;
  private final boolean[] proactive;
  private final int[] parentNode;
  private final int[] staleAfterDays;
  private final String[] ageFeature;
  private final int[] ageSlot;
  private final int[] percentileSlot;
  private final double[][] thresholdAt;
  private final double[][] thresholdPoints;
  private final double[] paramA;
  private final double[] paramB;
  private final String[][] milestoneFeature;
  private final String[][] milestoneMetric;
  private final int[][] milestoneDue;
  private final int[] percentileMeasures;
  private final int extrasLength;
  private final Set<String> featuresRead;
  private final Set<String> labelsRead;

  // Component nodes; node 0 is the scorecard itself.
  private final int nodeCount;
  private final Component[] nodeComponent;
  private final int[] nodeParent;
  private final double[] nodeWeight;
  private final double[] nodeNominalShare;

  private CompiledScorecard(Scorecard sc) {
    this.source = sc;
    this.id = sc.getScorecardId();
    this.version = sc.getVersion();
    this.segments = Set.copyOf(sc.getSegmentsList());
    this.stages = Set.copyOf(sc.getLifecycleStagesList());
    this.bands = sc.getBands();

    List<Measure> ms = new ArrayList<>();
    List<Integer> msParent = new ArrayList<>();
    List<Double> msShare = new ArrayList<>();
    List<Component> nodes = new ArrayList<>();
    List<Integer> nodesParent = new ArrayList<>();
    List<Double> nodesShare = new ArrayList<>();
    nodes.add(null);
    nodesParent.add(-1);
    nodesShare.add(1.0);
    double rootTotal = sc.getComponentsList().stream().mapToDouble(Component::getWeight).sum();
    for (Component c : sc.getComponentsList()) {
      flatten(c, 0, c.getWeight() / rootTotal, ms, msParent, msShare, nodes, nodesParent, nodesShare);
    }

    this.n = ms.size();
    this.measures = ms.toArray(new Measure[0]);
    this.feature = new String[n];
    this.denominator = new String[n];
    this.mapping = new byte[n];
    this.lowerIsBetter = new boolean[n];
    this.fixedWhenMissing = new boolean[n];
    this.missingPoints = new double[n];
    this.weight = new double[n];
    this.nominalShare = new double[n];
    this.proactive = new boolean[n];
    this.parentNode = new int[n];
    this.staleAfterDays = new int[n];
    this.ageFeature = new String[n];
    this.ageSlot = new int[n];
    this.percentileSlot = new int[n];
    this.thresholdAt = new double[n][];
    this.thresholdPoints = new double[n][];
    this.paramA = new double[n];
    this.paramB = new double[n];
    this.milestoneFeature = new String[n][];
    this.milestoneMetric = new String[n][];
    this.milestoneDue = new int[n][];
    int slots = 0;
    List<Integer> pct = new ArrayList<>();
    for (int m = 0; m < n; m++) {
      Measure x = measures[m];
      feature[m] = x.getFeature();
      denominator[m] = x.getDenominatorFeature().isEmpty() ? null : x.getDenominatorFeature();
      lowerIsBetter[m] = x.getDirection() == Direction.DIRECTION_LOWER_IS_BETTER;
      fixedWhenMissing[m] = x.getMissingPolicy() == MissingPolicy.MISSING_POLICY_FIXED;
      missingPoints[m] = x.getMissingPoints();
      weight[m] = x.getWeight();
      nominalShare[m] = msShare.get(m);
      proactive[m] = x.getKind() == MeasureKind.MEASURE_KIND_PROACTIVE;
      parentNode[m] = msParent.get(m);
      staleAfterDays[m] = x.getStaleAfterDays();
      ageSlot[m] = -1;
      percentileSlot[m] = -1;
      if (x.getStaleAfterDays() > 0) {
        ageFeature[m] = FeatureNames.daysSinceLast(FeatureNames.metricOf(x.getFeature()));
        ageSlot[m] = slots++;
      }
      switch (x.getMappingCase()) {
        case THRESHOLDS -> {
          mapping[m] = THRESHOLDS;
          var t = x.getThresholds();
          thresholdAt[m] = t.getThresholdsList().stream().mapToDouble(s -> s.getAt()).toArray();
          thresholdPoints[m] = t.getThresholdsList().stream().mapToDouble(s -> s.getPoints()).toArray();
          paramA[m] = t.getBelowPoints();
        }
        case LINEAR -> {
          mapping[m] = LINEAR;
          paramA[m] = x.getLinear().getWorst();
          paramB[m] = x.getLinear().getBest();
        }
        case GOAL -> {
          mapping[m] = GOAL;
          paramA[m] = x.getGoal().getGoal();
        }
        case PERCENTILE -> {
          mapping[m] = PERCENTILE;
          percentileSlot[m] = slots++;
          pct.add(m);
        }
        case BOOLEAN -> {
          mapping[m] = BOOLEAN;
          paramA[m] = x.getBoolean().getTruePoints();
          paramB[m] = x.getBoolean().getFalsePoints();
        }
        case DAYS_SINCE -> {
          mapping[m] = DAYS_SINCE;
          paramA[m] = x.getDaysSince().getBestDays();
          paramB[m] = x.getDaysSince().getWorstDays();
        }
        case JOURNEY -> {
          mapping[m] = JOURNEY;
          List<Milestone> stones = x.getJourney().getMilestonesList();
          milestoneFeature[m] =
              stones.stream().map(s -> FeatureNames.daysSinceFirst(s.getMetric())).toArray(String[]::new);
          milestoneMetric[m] = stones.stream().map(Milestone::getMetric).toArray(String[]::new);
          milestoneDue[m] = stones.stream().mapToInt(Milestone::getDueDay).toArray();
        }
        default -> throw new IllegalStateException("validated scorecard without mapping");
      }
    }
    this.percentileMeasures = pct.stream().mapToInt(Integer::intValue).toArray();
    this.extrasLength = slots;
    Set<String> numbers = new LinkedHashSet<>();
    Set<String> labelNames = new LinkedHashSet<>();
    for (int m = 0; m < n; m++) {
      if (!feature[m].isEmpty()) {
        numbers.add(feature[m]);
      }
      if (denominator[m] != null) {
        numbers.add(denominator[m]);
      }
      if (ageFeature[m] != null) {
        numbers.add(ageFeature[m]);
      }
      if (mapping[m] == BOOLEAN) {
        labelNames.add(feature[m]);
      }
      if (mapping[m] == JOURNEY) {
        numbers.add(FeatureNames.TENURE_DAYS);
        numbers.addAll(Arrays.asList(milestoneFeature[m]));
      }
    }
    this.featuresRead = Set.copyOf(numbers);
    this.labelsRead = Set.copyOf(labelNames);

    this.nodeCount = nodes.size();
    this.nodeComponent = nodes.toArray(new Component[0]);
    this.nodeParent = nodesParent.stream().mapToInt(Integer::intValue).toArray();
    this.nodeNominalShare = nodesShare.stream().mapToDouble(Double::doubleValue).toArray();
    this.nodeWeight = new double[nodeCount];
    nodeWeight[0] = 1;
    for (int i = 1; i < nodeCount; i++) {
      nodeWeight[i] = nodeComponent[i].getWeight();
    }
  }

  private static void flatten(
      Component c,
      int parent,
      double share,
      List<Measure> ms,
      List<Integer> msParent,
      List<Double> msShare,
      List<Component> nodes,
      List<Integer> nodesParent,
      List<Double> nodesShare) {
    int node = nodes.size();
    nodes.add(c);
    nodesParent.add(parent);
    nodesShare.add(share);
    double total =
        c.getMeasuresList().stream().mapToDouble(Measure::getWeight).sum()
            + c.getComponentsList().stream().mapToDouble(Component::getWeight).sum();
    for (Measure m : c.getMeasuresList()) {
      ms.add(m);
      msParent.add(node);
      msShare.add(share * m.getWeight() / total);
    }
    for (Component child : c.getComponentsList()) {
      flatten(child, node, share * child.getWeight() / total, ms, msParent, msShare, nodes, nodesParent, nodesShare);
    }
  }

  /**
   * Compiles a scorecard (feature names are not checked here: that needs the serving side's
   * knowledge of features).
   *
   * @throws InvalidArgumentException listing every violation when the scorecard is invalid
   */
  public static CompiledScorecard compile(Scorecard sc) {
    List<FieldViolation> violations = ScorecardValidator.validate(sc, null);
    if (!violations.isEmpty()) {
      StringBuilder message = new StringBuilder("scorecard ").append(sc.getScorecardId()).append(" is invalid");
      String sep = ": ";
      for (FieldViolation v : violations) {
        message.append(sep).append(v.field()).append(' ').append(v.description());
        sep = "; ";
      }
      throw new InvalidArgumentException(message.toString(), violations);
    }
    return new CompiledScorecard(sc);
  }

  public Scorecard source() {
    return source;
  }

  /** Every numeric feature scoring an account on this scorecard reads. */
  public Set<String> featuresRead() {
    return featuresRead;
  }

  /** Every label scoring an account on this scorecard reads (boolean measures). */
  public Set<String> labelsRead() {
    return labelsRead;
  }

  /**
   * The producer metrics behind what this scorecard reads, per measure id: the metric of each
   * feature and label, without the account record's own features ({@code account.*}, {@code attr.*}).
   */
  public Map<String, Set<String>> metricsReadByMeasure() {
    Map<String, Set<String>> out = new LinkedHashMap<>();
    for (int m = 0; m < n; m++) {
      Set<String> metrics = new LinkedHashSet<>();
      if (mapping[m] == JOURNEY) {
        metrics.addAll(Arrays.asList(milestoneMetric[m]));
      } else {
        for (String f : new String[] {feature[m], denominator[m]}) {
          if (f != null && !f.isEmpty() && !f.startsWith("account.") && !f.startsWith("attr.")) {
            metrics.add(FeatureNames.metricOf(f));
          }
        }
      }
      if (!metrics.isEmpty()) {
        out.put(measures[m].getMeasureId(), metrics);
      }
    }
    return out;
  }

  /** The metrics of this scorecard's journey milestones. */
  public Set<String> milestoneMetrics() {
    Set<String> out = new LinkedHashSet<>();
    for (int m = 0; m < n; m++) {
      if (mapping[m] == JOURNEY) {
        out.addAll(Arrays.asList(milestoneMetric[m]));
      }
    }
    return out;
  }

  public String id() {
    return id;
  }

  public long version() {
    return version;
  }

  public BandCutoffs bands() {
    return bands;
  }

  /** True when the scorecard's segment and lifecycle-stage filters (empty = any) accept these. */
  public boolean appliesTo(String segment, String lifecycleStage) {
    return (segments.isEmpty() || segments.contains(segment))
        && (stages.isEmpty() || stages.contains(lifecycleStage));
  }

  public int measureCount() {
    return n;
  }

  /** The measure at a flattened index. */
  public Measure measure(int index) {
    return measures[index];
  }

  /** Index of a measure id, or -1. */
  public int indexOf(String measureId) {
    for (int m = 0; m < n; m++) {
      if (measures[m].getMeasureId().equals(measureId)) {
        return m;
      }
    }
    return -1;
  }

  /** The measure's share of the total weight when every measure has data (0 to 1). */
  public double nominalShare(int index) {
    return nominalShare[index];
  }

  /**
   * Scores one account. {@code previousBand} (BAND_UNSPECIFIED when none) feeds the hysteresis.
   * Allocates only the result's arrays and a few small scratch arrays, so many threads can score
   * with one instance.
   */
  public ComputedScore score(AccountSnapshot a, ScoringContext ctx, Band previousBand) {
    Map<String, Double> f = a.features() == null ? Map.of() : a.features();
    Map<String, String> labels = a.labels() == null ? Map.of() : a.labels();
    float[] values = new float[n];
    float[] extras = extrasLength == 0 ? null : new float[extrasLength];
    if (extras != null) {
      Arrays.fill(extras, Float.NaN);
    }
    long[] staleMask = null;
    double[] points = new double[n];
    double coverage = 0;
    MetricCatalog catalog = ctx.metrics() == null ? MetricCatalog.UNKNOWN : ctx.metrics();
    for (int m = 0; m < n; m++) {
      float v = (float) read(m, f, labels, catalog);
      values[m] = v;
      boolean stale = false;
      if (ageSlot[m] >= 0) {
        Double age = f.get(ageFeature[m]);
        if (age != null) {
          extras[ageSlot[m]] = age.floatValue();
          if (age > staleAfterDays[m]) {
            stale = true;
            if (staleMask == null) {
              staleMask = new long[(n + 63) >>> 6];
            }
            staleMask[m >>> 6] |= 1L << m;
          }
        }
      }
      float pctPoints = Float.NaN;
      if (mapping[m] == PERCENTILE && !Float.isNaN(v) && !stale) {
        SegmentDistributions d = ctx.distributions() == null ? SegmentDistributions.empty() : ctx.distributions();
        double p = d.percentile(a.segment(), percentileKey(m), v);
        pctPoints = (float) (10 * (lowerIsBetter[m] ? 1 - p : p));
        extras[percentileSlot[m]] = pctPoints;
      }
      double p = freshPoints(m, v, stale, pctPoints);
      if (Double.isNaN(p)) {
        points[m] = fixedWhenMissing[m] ? missingPoints[m] : Double.NaN;
      } else {
        points[m] = p;
        coverage += nominalShare[m];
      }
    }
    double[] childWeight = new double[nodeCount];
    double[] childWeighted = new double[nodeCount];
    double rootPoints = aggregate(points, childWeight, childWeighted);
    // Account attributes alone (tenure, licences, MRR) are no evidence of health: an account that
    // has sent no signal yet must not turn red before its first data arrives.
    boolean noData = coverage <= 0 || Double.isNaN(rootPoints) || !hasSignals(f, labels);
    float score;
    float proactiveShare = 0;
    if (noData) {
      score = NEUTRAL_SCORE;
      coverage = 0;
    } else {
      score = (float) scoreOf(rootPoints);
      double[] nodeEffective = nodeEffective(childWeight);
      for (int m = 0; m < n; m++) {
        if (proactive[m] && !Double.isNaN(points[m])) {
          int parent = parentNode[m];
          proactiveShare += (float) (nodeEffective[parent] * weight[m] / childWeight[parent]);
        }
      }
    }
    Band band = Bands.withHysteresis(score, previousBand, bands);
    return new ComputedScore(
        id,
        version,
        score,
        band,
        (float) Math.min(1.0, coverage),
        Math.min(1f, proactiveShare),
        ctx.nowMillis(),
        noData,
        values,
        staleMask,
        extras);
  }

  /** True when any feature or label comes from a signal rather than from the account record. */
  static boolean hasSignals(Map<String, Double> features, Map<String, String> labels) {
    if (!labels.isEmpty()) {
      return true;
    }
    for (String name : features.keySet()) {
      if (!name.startsWith(ACCOUNT_FEATURE_PREFIX)) {
        return true;
      }
    }
    return false;
  }

  /** Maps 0..10 points onto the 1..10 score. */
  static double scoreOf(double points) {
    return 1 + 0.9 * points;
  }

  /**
   * Adds each measure's points (NaN = left out) into its component, then each component's mean
   * into its parent, children before parents. Returns the root's points, NaN when nothing counted.
   */
  private double aggregate(double[] points, double[] childWeight, double[] childWeighted) {
    for (int m = 0; m < n; m++) {
      double p = points[m];
      if (!Double.isNaN(p)) {
        int parent = parentNode[m];
        childWeight[parent] += weight[m];
        childWeighted[parent] += weight[m] * p;
      }
    }
    for (int node = nodeCount - 1; node > 0; node--) {
      if (childWeight[node] > 0) {
        int parent = nodeParent[node];
        childWeight[parent] += nodeWeight[node];
        childWeighted[parent] += nodeWeight[node] * (childWeighted[node] / childWeight[node]);
      }
    }
    return childWeight[0] > 0 ? childWeighted[0] / childWeight[0] : Double.NaN;
  }

  /** Each node's share of the total after redistribution (parents before children). */
  private double[] nodeEffective(double[] childWeight) {
    double[] eff = new double[nodeCount];
    eff[0] = 1;
    for (int node = 1; node < nodeCount; node++) {
      int parent = nodeParent[node];
      eff[node] =
          childWeight[node] > 0 && childWeight[parent] > 0
              ? eff[parent] * nodeWeight[node] / childWeight[parent]
              : 0;
    }
    return eff;
  }

  /**
   * Recomputes what a score was made of from its stored values: points per measure and effective
   * weights of measures and components. Pure; used by explanations and learning.
   */
  public Evaluation evaluate(ComputedScore s) {
    float[] values = s.values();
    double[] points = new double[n];
    boolean[] fresh = new boolean[n];
    double[] age = new double[n];
    for (int m = 0; m < n; m++) {
      boolean stale = s.isStale(m);
      float pct = percentileSlot[m] >= 0 ? s.extra(percentileSlot[m]) : Float.NaN;
      double p = freshPoints(m, values[m], stale, pct);
      fresh[m] = !Double.isNaN(p);
      points[m] = fresh[m] ? p : (fixedWhenMissing[m] ? missingPoints[m] : Double.NaN);
      age[m] = ageSlot[m] >= 0 ? s.extra(ageSlot[m]) : Double.NaN;
    }
    double[] childWeight = new double[nodeCount];
    double[] childWeighted = new double[nodeCount];
    double rootPoints = aggregate(points, childWeight, childWeighted);
    double[] nodeEff = nodeEffective(childWeight);
    double[] measureEff = new double[n];
    double[] nodeFresh = new double[nodeCount];
    for (int m = 0; m < n; m++) {
      int parent = parentNode[m];
      if (!Double.isNaN(points[m]) && childWeight[parent] > 0) {
        measureEff[m] = nodeEff[parent] * weight[m] / childWeight[parent];
      }
      if (fresh[m]) {
        for (int node = parent; node >= 0; node = nodeParent[node]) {
          nodeFresh[node] += nominalShare[m];
        }
      }
    }
    double[] nodePoints = new double[nodeCount];
    double[] nodeSiblingWeight = new double[nodeCount];
    double[] nodeCoverage = new double[nodeCount];
    for (int node = 0; node < nodeCount; node++) {
      nodePoints[node] = childWeight[node] > 0 ? childWeighted[node] / childWeight[node] : Double.NaN;
      int parent = nodeParent[node];
      nodeSiblingWeight[node] =
          parent < 0 ? 1 : (childWeight[node] > 0 && childWeight[parent] > 0 ? nodeWeight[node] / childWeight[parent] : 0);
      nodeCoverage[node] = Math.min(1.0, nodeFresh[node] / nodeNominalShare[node]);
    }
    return new Evaluation(points, fresh, age, measureEff, rootPoints, nodePoints, nodeSiblingWeight, nodeCoverage);
  }

  /** What {@link #evaluate} recomputes; arrays indexed by measure or by component node. */
  public record Evaluation(
      double[] points,
      boolean[] fresh,
      double[] ageDays,
      double[] effectiveWeight,
      double rootPoints,
      double[] nodePoints,
      double[] nodeSiblingWeight,
      double[] nodeCoverage) {}

  /** Points of a fresh value, NaN when the value is missing, stale or has no percentile. */
  private double freshPoints(int m, float v, boolean stale, float percentilePoints) {
    if (Float.isNaN(v) || stale) {
      return Double.NaN;
    }
    return switch (mapping[m]) {
      case THRESHOLDS -> thresholdPoints(m, v);
      case LINEAR -> clamp10(10 * (v - paramA[m]) / (paramB[m] - paramA[m]));
      case GOAL -> goalPoints(m, v);
      case PERCENTILE -> percentilePoints;
      case BOOLEAN -> v > 0 ? paramA[m] : paramB[m];
      case DAYS_SINCE -> daysSincePoints(m, v);
      case JOURNEY -> clamp10(10 * v);
      default -> Double.NaN;
    };
  }

  private double thresholdPoints(int m, double v) {
    double[] at = thresholdAt[m];
    double p = paramA[m];
    if (lowerIsBetter[m]) {
      for (int i = 0; i < at.length && v <= at[i]; i++) {
        p = thresholdPoints[m][i];
      }
    } else {
      for (int i = 0; i < at.length && v >= at[i]; i++) {
        p = thresholdPoints[m][i];
      }
    }
    return p;
  }

  private double goalPoints(int m, double v) {
    double goal = paramA[m];
    if (lowerIsBetter[m]) {
      return v <= 0 ? 10 : clamp10(10 * goal / v);
    }
    return clamp10(10 * v / goal);
  }

  private double daysSincePoints(int m, double v) {
    double best = paramA[m];
    double worst = paramB[m];
    if (v <= best) {
      return 10;
    }
    if (v >= worst) {
      return 0;
    }
    return 10 * (worst - v) / (worst - best);
  }

  private static double clamp10(double p) {
    return p < 0 ? 0 : (p > 10 ? 10 : p);
  }

  /**
   * The measure's raw value for an account: the feature (divided by the denominator feature when
   * set), for a boolean measure a label of the same name when there is no such number, for a
   * journey the share of milestones due by now that were reached on time. NaN when missing.
   */
  public double rawValue(int m, AccountSnapshot a) {
    return read(m, a.features() == null ? Map.of() : a.features(), a.labels() == null ? Map.of() : a.labels(), MetricCatalog.UNKNOWN);
  }

  private double read(int m, Map<String, Double> f, Map<String, String> labels, MetricCatalog catalog) {
    if (mapping[m] == JOURNEY) {
      return journeyShare(m, f, catalog);
    }
    Double x = f.get(feature[m]);
    if (x == null) {
      if (mapping[m] == BOOLEAN) {
        String label = labels.get(feature[m]);
        if (label != null) {
          return TRUE_LABELS.contains(label.trim().toLowerCase(Locale.ROOT)) ? 1 : 0;
        }
      }
      return Double.NaN;
    }
    double v = x;
    if (denominator[m] != null) {
      Double d = f.get(denominator[m]);
      if (d == null || d == 0 || d.isNaN()) {
        return Double.NaN;
      }
      v = v / d;
    }
    return Double.isInfinite(v) ? Double.NaN : v;
  }

  /**
   * Milestones due by now (due day within the tenure) that were reached by their due day, over
   * those due. A milestone's reach day is tenure minus the days since its metric's first signal.
   * Milestones whose metric no account of the portfolio has ever sent are left out: the producer
   * does not send them, so nobody missed them. NaN (no data) when none is due yet or the account
   * has sent none of the milestone metrics.
   */
  private double journeyShare(int m, Map<String, Double> f, MetricCatalog catalog) {
    Double tenure = f.get(FeatureNames.TENURE_DAYS);
    if (tenure == null || tenure.isNaN()) {
      return Double.NaN;
    }
    int due = 0;
    int onTime = 0;
    boolean anyReached = false;
    int[] dueDays = milestoneDue[m];
    for (int i = 0; i < dueDays.length; i++) {
      if (!catalog.everSent(milestoneMetric[m][i])) {
        continue;
      }
      Double sinceFirst = f.get(milestoneFeature[m][i]);
      anyReached |= sinceFirst != null;
      if (dueDays[i] <= tenure) {
        due++;
        if (sinceFirst != null && tenure - sinceFirst <= dueDays[i]) {
          onTime++;
        }
      }
    }
    // No milestone signal at all most often means the producer does not send milestones for this
    // account, not that every one was missed: no data rather than a failed journey.
    return due == 0 || !anyReached ? Double.NaN : (double) onTime / due;
  }

  int[] percentileMeasures() {
    return percentileMeasures;
  }

  /** Distribution key of a percentile measure: its feature, or feature/denominator. */
  String percentileKey(int m) {
    return denominator[m] == null ? feature[m] : feature[m] + "/" + denominator[m];
  }

  byte mappingOf(int m) {
    return mapping[m];
  }

  int nodeCount() {
    return nodeCount;
  }

  Component nodeComponent(int node) {
    return nodeComponent[node];
  }

  int nodeParentOf(int node) {
    return nodeParent[node];
  }
}

package io.healthscore.scoring.learn;

import io.healthscore.scoring.engine.AccountSnapshot;
import io.healthscore.scoring.engine.Bands;
import io.healthscore.scoring.engine.ScoreExplainer;
import io.healthscore.scoring.learn.ebm.EbmCodec;
import io.healthscore.scoring.learn.ebm.EbmModel;
import io.healthscore.scoring.learn.ebm.FeatureBins;
import io.healthscore.v1.Band;
import io.healthscore.v1.BandCutoffs;
import io.healthscore.v1.ChurnDriver;
import io.healthscore.v1.Driver;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.DoubleUnaryOperator;

/**
 * A churn model learned from every feature of the accounts in its scope (segments; all accounts
 * when none): an explainable boosting machine over an account's numbers and labels as of now.
 * Its probability is the risk of churn at the coming renewal (it learns from snapshots up to
 * {@code horizonDays} before outcomes). Stored as the magic "HSLM", a format version, id, horizon,
 * segments, the training time (from version 2), the probability band cut-offs (from version 3;
 * older bodies read with the defaults), then the {@link EbmCodec} bytes.
 */
public final class LearnedChurnModel {
  private static final int MAGIC = 0x48534c4d; // "HSLM"
  private static final int VERSION = 3;
  static final int MAX_SCORE_DRIVERS = 10;

  private final String modelId;
  private final int horizonDays;
  private final Set<String> segments;
  private final EbmModel ebm;
  private final long trainedAtMillis;
  private final ProbabilityBands bands;

  public LearnedChurnModel(
      String modelId,
      int horizonDays,
      Set<String> segments,
      EbmModel ebm,
      long trainedAtMillis,
      ProbabilityBands bands) {
    this.trainedAtMillis = trainedAtMillis;
    this.bands = bands;
    this.modelId = modelId;
    this.horizonDays = horizonDays;
    this.segments = Set.copyOf(segments);
    this.ebm = ebm;
  }

  public String modelId() {
    return modelId;
  }

  public int horizonDays() {
    return horizonDays;
  }

  public Set<String> segments() {
    return new TreeSet<>(segments);
  }

  /** When it was trained (0 when a version-1 body does not say). */
  public long trainedAtMillis() {
    return trainedAtMillis;
  }

  /** The churn probability cut-offs its scores and bands follow. */
  public ProbabilityBands bands() {
    return bands;
  }

  /** The bins of an account's features, as {@link #churnProbability} reads them. */
  public int[] bins(AccountSnapshot s) {
    return binsOf(s);
  }

  public EbmModel ebm() {
    return ebm;
  }

  public boolean inScope(String segment) {
    return segments.isEmpty() || segments.contains(segment);
  }

  public double churnProbability(AccountSnapshot s) {
    return ebm.probability(binsOf(s));
  }

  /**
   * Every term's effect on this account, largest log-odds contribution first: the exact
   * contribution, and the term's share of the account's distance in percentage points of churn
   * probability from the intercept alone ({@link #slope}).
   */
  public List<ChurnDriver> drivers(AccountSnapshot s) {
    int[] bins = binsOf(s);
    double[] contributions = ebm.contributions(bins);
    double pointsPerLogit = 100 * slope(LearnedChurnModel::sigmoid, ebm.intercept(), ebm.logit(bins));
    Map<String, String> labels = FeatureTables.labelsOf(s);
    List<ChurnDriver> drivers = new ArrayList<>();
    for (int t = 0; t < contributions.length; t++) {
      if (contributions[t] == 0) {
        continue;
      }
      double points = pointsPerLogit * contributions[t];
      String value = describe(t, s.features(), labels);
      drivers.add(
          ChurnDriver.newBuilder()
              .setTerm(ebm.termName(t))
              .setValue(value)
              .setLogit(contributions[t])
              .setPoints(points)
              .setSentence(
                  String.format(Locale.ROOT, Math.abs(points) >= 1 ? "%+.0f" : "%+.1f", points)
                      + " pts churn risk: "
                      + value)
              .build());
    }
    drivers.sort(Comparator.comparingDouble((ChurnDriver d) -> -Math.abs(d.getLogit())));
    return drivers;
  }

  /** The 1-10 score of a churn probability on a scorecard with these band cut-offs. */
  public double score(double probability, BandCutoffs cardBands) {
    return bands.score(probability, Bands.yellowFrom(cardBands), Bands.greenFrom(cardBands));
  }

  /**
   * The drivers of a score this model set, from the account's bins, in the order a CSM reads them
   * ({@link ScoreExplainer#driverOrder}: terms with data first; a red or yellow account's first
   * drivers are what pulls it down, a green one's what holds it up; larger first); the first
   * {@value #MAX_SCORE_DRIVERS} (a score stays small in a BatchGetScores of a thousand;
   * ExplainScore's churn drivers list all). A term's impact is its share of the distance from the
   * score of the intercept alone to the account's score ({@link #slope}); its sentence reads
   * "-2.1: contract month-to-month (+18 pts churn risk)", a missing value's "nps has no data
   * (+0.3)"; a numeric value reads as its bin.
   */
  public List<Driver> scoreDrivers(int[] bins, BandCutoffs cardBands, Band band) {
    double[] contributions = ebm.contributions(bins);
    double logit = ebm.logit(bins);
    double scorePerLogit = slope(z -> score(sigmoid(z), cardBands), ebm.intercept(), logit);
    double pointsPerLogit = 100 * slope(LearnedChurnModel::sigmoid, ebm.intercept(), logit);
    double total = 0;
    for (double c : contributions) {
      total += Math.abs(c);
    }
    List<Driver> drivers = new ArrayList<>();
    for (int t = 0; t < contributions.length; t++) {
      if (contributions[t] == 0) {
        continue;
      }
      double impact = scorePerLogit * contributions[t];
      double points = pointsPerLogit * contributions[t];
      String term = ebm.termName(t);
      List<String> noData = missingFeatures(t, bins);
      boolean missing = !noData.isEmpty();
      String sentence = missing
          ? String.format(Locale.ROOT, "%s has no data (%+.1f)", String.join(" and ", noData), impact)
          : String.format(Locale.ROOT, "%+.1f: %s (%+.0f pts churn risk)", impact, describeBins(t, bins), points);
      drivers.add(
          Driver.newBuilder()
              .setMeasureId(term)
              .setName(words(term))
              .setFeature(term)
              .setEffectiveWeight(Math.abs(contributions[t]) / total)
              .setImpact(impact)
              .setMissing(missing)
              .setSentence(sentence)
              .build());
    }
    drivers.sort(ScoreExplainer.driverOrder(band));
    return drivers.size() > MAX_SCORE_DRIVERS ? List.copyOf(drivers.subList(0, MAX_SCORE_DRIVERS)) : drivers;
  }

  /**
   * Score (or probability) per log-odds point on the way from the intercept alone to {@code logit}:
   * the model is additive in log-odds, so a term's share of that way is its contribution times this
   * slope, and the shares add up exactly to the account's distance from the intercept alone. Unlike
   * "the score without this term", a share does not vanish where the probability saturates (an
   * account at p = 0.99 moves little when one term goes, yet its terms took it far from the
   * average). At the intercept itself it is the local slope.
   */
  private static double slope(DoubleUnaryOperator f, double intercept, double logit) {
    double span = logit - intercept;
    if (Math.abs(span) < 1e-6) {
      return (f.applyAsDouble(intercept + 1e-6) - f.applyAsDouble(intercept - 1e-6)) / 2e-6;
    }
    return (f.applyAsDouble(logit) - f.applyAsDouble(intercept)) / span;
  }

  /** The term's features with no value, in words. */
  private List<String> missingFeatures(int term, int[] bins) {
    int[] features = term < ebm.featureCount() ? new int[] {term} : ebm.pair(term - ebm.featureCount());
    List<String> names = new ArrayList<>();
    for (int f : features) {
      if (bins[f] == FeatureBins.MISSING) {
        names.add(words(ebm.feature(f).name()));
      }
    }
    return names;
  }

  private String describeBins(int term, int[] bins) {
    if (term < ebm.featureCount()) {
      return describeBin(term, bins);
    }
    int[] pair = ebm.pair(term - ebm.featureCount());
    return describeBin(pair[0], bins) + " with " + describeBin(pair[1], bins);
  }

  private String describeBin(int f, int[] bins) {
    return words(ebm.feature(f).name()) + " " + ebm.feature(f).describe(bins[f]);
  }

  private int[] binsOf(AccountSnapshot s) {
    return ebm.binsOf(s.features(), FeatureTables.labelsOf(s));
  }

  /** "contract month-to-month", "logins 30d at 3", "nps missing"; a pair joins its two. */
  private String describe(int term, Map<String, Double> numbers, Map<String, String> labels) {
    if (term < ebm.featureCount()) {
      return describeFeature(term, numbers, labels);
    }
    int[] pair = ebm.pair(term - ebm.featureCount());
    return describeFeature(pair[0], numbers, labels) + " with " + describeFeature(pair[1], numbers, labels);
  }

  private String describeFeature(int f, Map<String, Double> numbers, Map<String, String> labels) {
    String name = ebm.feature(f).name();
    String words = words(name);
    Double number = numbers.get(name);
    String label = labels.get(name);
    if (ebm.feature(f).categorical()) {
      return label != null ? words + " " + label : words + " missing";
    }
    if (number != null && !number.isNaN()) {
      return words + " at " + format(number);
    }
    return label != null ? words + " " + label : words + " missing";
  }

  static String words(String featureName) {
    String n = featureName;
    for (String prefix : List.of("attr.", "account.")) {
      if (n.startsWith(prefix)) {
        n = n.substring(prefix.length());
      }
    }
    return n.replace('_', ' ');
  }

  private static String format(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e12) {
      return Long.toString((long) v);
    }
    return String.format(Locale.ROOT, "%.3g", v);
  }

  private static double sigmoid(double z) {
    return 1 / (1 + Math.exp(-z));
  }

  public byte[] toBytes() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(MAGIC);
      out.writeShort(VERSION);
      out.writeUTF(modelId);
      out.writeInt(horizonDays);
      List<String> sorted = new ArrayList<>(new TreeSet<>(segments));
      out.writeInt(sorted.size());
      for (String s : sorted) {
        out.writeUTF(s);
      }
      out.writeLong(trainedAtMillis);
      out.writeDouble(bands.yellowAbove());
      out.writeDouble(bands.redAbove());
      out.write(EbmCodec.toBytes(ebm));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** True when the stored body is a learned model (else a scorecard's logistic model). */
  public static boolean isLearned(byte[] body) {
    return body.length >= 4
        && ((body[0] & 0xff) << 24 | (body[1] & 0xff) << 16 | (body[2] & 0xff) << 8 | (body[3] & 0xff)) == MAGIC;
  }

  public static LearnedChurnModel fromBytes(byte[] body) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(body))) {
      if (in.readInt() != MAGIC) {
        throw new IllegalArgumentException("not a learned churn model");
      }
      int version = in.readShort();
      if (version < 1 || version > VERSION) {
        throw new IllegalArgumentException("unknown learned model version " + version);
      }
      String id = in.readUTF();
      int horizon = in.readInt();
      int count = in.readInt();
      Set<String> segments = new TreeSet<>();
      for (int i = 0; i < count; i++) {
        segments.add(in.readUTF());
      }
      long trainedAt = version >= 2 ? in.readLong() : 0;
      ProbabilityBands bands =
          version >= 3 ? new ProbabilityBands(in.readDouble(), in.readDouble()) : ProbabilityBands.DEFAULT;
      byte[] rest = in.readAllBytes();
      return new LearnedChurnModel(id, horizon, segments, EbmCodec.fromBytes(rest), trainedAt, bands);
    } catch (IOException e) {
      throw new IllegalArgumentException("corrupt learned model: " + e.getMessage(), e);
    }
  }
}

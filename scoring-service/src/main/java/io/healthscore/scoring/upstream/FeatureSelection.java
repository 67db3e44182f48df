package io.healthscore.scoring.upstream;

import io.healthscore.v1.FeatureProjection;
import java.util.Set;
import java.util.TreeSet;

/**
 * The features and labels a read asks signals-service for, so a response holds what its reader
 * uses and never grows with the number of metrics an account happens to have. {@link #everything()}
 * asks for all of them (previews of a scorecard not yet installed, wide training sets).
 *
 * @param features numeric feature names, e.g. {@code logins.sum_30d}, {@code account.tenure_days}
 * @param labels label names, e.g. {@code csm.champion}
 */
public record FeatureSelection(Set<String> features, Set<String> labels, boolean all) {
  private static final FeatureSelection EVERYTHING = new FeatureSelection(Set.of(), Set.of(), true);

  public FeatureSelection {
    features = Set.copyOf(features);
    labels = Set.copyOf(labels);
  }

  /** Exactly these features and labels. */
  public static FeatureSelection of(Set<String> features, Set<String> labels) {
    return new FeatureSelection(features, labels, false);
  }

  /** Every feature and label an account has. */
  public static FeatureSelection everything() {
    return EVERYTHING;
  }

  /**
   * The projection on the wire. A selection of nothing still names one feature: an empty projection
   * would mean everything.
   */
  public FeatureProjection toProto() {
    if (all) {
      return FeatureProjection.getDefaultInstance();
    }
    FeatureProjection.Builder p = FeatureProjection.newBuilder();
    // Sorted, so equal selections make equal requests.
    p.addAllNames(new TreeSet<>(features)).addAllLabels(new TreeSet<>(labels));
    if (features.isEmpty() && labels.isEmpty()) {
      p.addNames(NOTHING);
    }
    return p.build();
  }

  /** A name no feature has: what a projection asks for when it wants nothing. */
  static final String NOTHING = "account.none";
}

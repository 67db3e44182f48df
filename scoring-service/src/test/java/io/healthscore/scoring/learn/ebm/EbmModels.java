package io.healthscore.scoring.learn.ebm;

/** Models with shapes given by hand, for tests of what is built on a model's contributions. */
public final class EbmModels {
  private EbmModels() {}

  /** Main terms only: one score per bin of each feature (bin 0 is missing). */
  public static EbmModel mainTerms(FeatureBins[] features, double[][] mainScores, double intercept) {
    return new EbmModel(features, mainScores, new int[0][], new int[features.length][], new double[0][], intercept);
  }
}

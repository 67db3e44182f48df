package io.healthscore.scoring.learn.ebm;

/**
 * Training settings of an explainable boosting machine. The defaults follow InterpretML's
 * ExplainableBoostingClassifier where its reasons hold here (bins, validation share, leaves,
 * minimum leaf size, rare categories, early stopping), and were tuned on the churn generator
 * of the accuracy benchmark where this platform's budget differs (fewer bags and a larger
 * learning rate, so 100,000 accounts × 60 features train within a minute on two cores; 3 pairs,
 * since spurious pairs cost accuracy at a few thousand accounts: EbmTuningBenchmark).
 *
 * @param maxBins quantile bins per numeric feature for main effects
 * @param maxInteractionBins bins per feature inside a pairwise interaction
 * @param interactions how many pairs, ranked by the residual-gain test, get a term
 * @param outerBags models trained on different train/validation splits and averaged
 * @param validationShare share of each bag's rows held out for early stopping
 * @param learningRate shrinkage of every tree's Newton step
 * @param smoothingRounds first rounds that cut at a random point, which smooths the shapes
 * @param maxRounds rounds at most per bag and stage (a round visits every term once)
 * @param earlyStoppingRounds rounds without validation improvement before a bag stops
 * @param earlyStoppingTolerance the smallest validation log-loss gain that counts
 * @param minSamplesLeaf rows a leaf needs at least
 * @param minHessian hessian a leaf needs at least
 * @param minCategorySamples rows a category needs to get its own bin (else "other")
 * @param threads bags trained in parallel (0: one per processor)
 * @param seed of the splits and the random cuts
 */
public record EbmSettings(
    int maxBins,
    int maxInteractionBins,
    int interactions,
    int outerBags,
    double validationShare,
    double learningRate,
    int smoothingRounds,
    int maxRounds,
    int earlyStoppingRounds,
    double earlyStoppingTolerance,
    int minSamplesLeaf,
    double minHessian,
    int minCategorySamples,
    int threads,
    long seed) {
  public EbmSettings {
    if (maxBins < 2 || maxBins > 4096) {
      throw new IllegalArgumentException("maxBins must be 2..4096");
    }
    if (maxInteractionBins < 2 || maxInteractionBins > 256) {
      throw new IllegalArgumentException("maxInteractionBins must be 2..256");
    }
    if (interactions < 0 || outerBags < 1 || maxRounds < 1 || earlyStoppingRounds < 1) {
      throw new IllegalArgumentException("interactions, bags and rounds out of range");
    }
    if (!(validationShare > 0 && validationShare < 0.5)) {
      throw new IllegalArgumentException("validationShare must be in (0, 0.5)");
    }
    if (!(learningRate > 0 && learningRate <= 1)) {
      throw new IllegalArgumentException("learningRate must be in (0, 1]");
    }
  }

  public static EbmSettings defaults() {
    return new EbmSettings(
        1024, 32, 3, 8, 0.15, 0.04, 50, 5000, 50, 1e-5, 4, 1e-4, 10, 0, 42);
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Changes a few settings of an existing set. */
  public static final class Builder {
    private int maxBins;
    private int maxInteractionBins;
    private int interactions;
    private int outerBags;
    private double validationShare;
    private double learningRate;
    private int smoothingRounds;
    private int maxRounds;
    private int earlyStoppingRounds;
    private double earlyStoppingTolerance;
    private int minSamplesLeaf;
    private double minHessian;
    private int minCategorySamples;
    private int threads;
    private long seed;

    private Builder(EbmSettings s) {
      maxBins = s.maxBins;
      maxInteractionBins = s.maxInteractionBins;
      interactions = s.interactions;
      outerBags = s.outerBags;
      validationShare = s.validationShare;
      learningRate = s.learningRate;
      smoothingRounds = s.smoothingRounds;
      maxRounds = s.maxRounds;
      earlyStoppingRounds = s.earlyStoppingRounds;
      earlyStoppingTolerance = s.earlyStoppingTolerance;
      minSamplesLeaf = s.minSamplesLeaf;
      minHessian = s.minHessian;
      minCategorySamples = s.minCategorySamples;
      threads = s.threads;
      seed = s.seed;
    }

    public Builder interactions(int n) {
      interactions = n;
      return this;
    }

    public Builder outerBags(int n) {
      outerBags = n;
      return this;
    }

    public Builder learningRate(double rate) {
      learningRate = rate;
      return this;
    }

    public Builder maxBins(int n) {
      maxBins = n;
      return this;
    }

    public Builder threads(int n) {
      threads = n;
      return this;
    }

    public Builder seed(long s) {
      seed = s;
      return this;
    }

    public EbmSettings build() {
      return new EbmSettings(
          maxBins, maxInteractionBins, interactions, outerBags, validationShare, learningRate,
          smoothingRounds, maxRounds, earlyStoppingRounds, earlyStoppingTolerance, minSamplesLeaf,
          minHessian, minCategorySamples, threads, seed);
    }
  }
}

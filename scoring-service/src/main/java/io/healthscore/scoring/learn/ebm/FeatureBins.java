package io.healthscore.scoring.learn.ebm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How one feature's values fall into bins. Bin 0 is always "missing". A numeric feature's bins
 * 1..cuts+1 are the intervals between ascending cut points (a value equal to a cut belongs to the
 * interval above it). A categorical feature's bin 1 is "other" (categories too rare in training,
 * or never seen) and bins 2.. its categories.
 */
public final class FeatureBins {
  public static final int MISSING = 0;
  public static final int OTHER = 1;

  private final String name;
  private final double[] cuts;
  private final String[] categories;
  private final Map<String, Integer> categoryBins;

  private FeatureBins(String name, double[] cuts, String[] categories) {
    this.name = name;
    this.cuts = cuts;
    this.categories = categories;
    if (categories == null) {
      this.categoryBins = null;
    } else {
      this.categoryBins = new HashMap<>();
      for (int i = 0; i < categories.length; i++) {
        categoryBins.put(categories[i], i + 2);
      }
    }
  }

  public static FeatureBins ofCuts(String name, double[] cuts) {
    for (int i = 1; i < cuts.length; i++) {
      if (!(cuts[i] > cuts[i - 1])) {
        throw new IllegalArgumentException(name + ": cut points must ascend");
      }
    }
    return new FeatureBins(name, cuts.clone(), null);
  }

  public static FeatureBins ofCategories(String name, String[] categories) {
    return new FeatureBins(name, null, categories.clone());
  }

  /**
   * Quantile bins: with at most {@code maxBins} distinct values every value has its own bin (cuts
   * half-way between neighbours); otherwise cuts near every 1/maxBins quantile, half-way between
   * the two distinct values around it, so equal values never straddle a cut.
   */
  public static FeatureBins quantiles(String name, double[] values, int maxBins) {
    double[] sorted = Arrays.stream(values).filter(v -> !Double.isNaN(v)).sorted().toArray();
    int n = sorted.length;
    List<Double> cuts = new ArrayList<>();
    int distinct = 0;
    for (int i = 0; i < n && distinct <= maxBins; i++) {
      if (i == 0 || sorted[i] != sorted[i - 1]) {
        distinct++;
      }
    }
    if (distinct <= maxBins) {
      for (int i = 1; i < n; i++) {
        if (sorted[i] != sorted[i - 1]) {
          cuts.add(midpoint(sorted[i - 1], sorted[i]));
        }
      }
    } else {
      for (int k = 1; k < maxBins; k++) {
        int i = (int) ((long) k * n / maxBins);
        int j = i;
        while (j > 0 && sorted[j - 1] == sorted[i]) {
          j--;
        }
        if (j == 0) {
          continue;
        }
        double cut = midpoint(sorted[j - 1], sorted[j]);
        if (cuts.isEmpty() || cut > cuts.get(cuts.size() - 1)) {
          cuts.add(cut);
        }
      }
    }
    return new FeatureBins(name, cuts.stream().mapToDouble(Double::doubleValue).toArray(), null);
  }

  /** Categories seen at least {@code minSamples} times get their own bin; the rest share "other". */
  public static FeatureBins categories(String name, String[] labels, int minSamples) {
    Map<String, Integer> counts = new HashMap<>();
    for (String l : labels) {
      if (l != null) {
        counts.merge(l, 1, Integer::sum);
      }
    }
    String[] kept =
        counts.entrySet().stream()
            .filter(e -> e.getValue() >= minSamples)
            .map(Map.Entry::getKey)
            .sorted()
            .toArray(String[]::new);
    return new FeatureBins(name, null, kept);
  }

  private static double midpoint(double a, double b) {
    double m = a + (b - a) / 2;
    return m > a ? m : b;
  }

  public String name() {
    return name;
  }

  public boolean categorical() {
    return categories != null;
  }

  public double[] cuts() {
    return cuts == null ? new double[0] : cuts.clone();
  }

  public String[] categoryNames() {
    return categories == null ? new String[0] : categories.clone();
  }

  public int binCount() {
    return categorical() ? categories.length + 2 : cuts.length + 2;
  }

  public int binOf(double value) {
    if (categorical()) {
      return Double.isNaN(value) ? MISSING : binOf(formatNumber(value));
    }
    if (Double.isNaN(value)) {
      return MISSING;
    }
    int lo = 0;
    int hi = cuts.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (cuts[mid] <= value) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return 1 + lo;
  }

  public int binOf(String label) {
    if (label == null) {
      return MISSING;
    }
    if (!categorical()) {
      try {
        return binOf(Double.parseDouble(label));
      } catch (NumberFormatException e) {
        return MISSING;
      }
    }
    Integer bin = categoryBins.get(label);
    return bin == null ? OTHER : bin;
  }

  /** The bin in words: "missing", "other", a category, or an interval such as "12 to 30". */
  public String describe(int bin) {
    if (bin == MISSING) {
      return "missing";
    }
    if (categorical()) {
      return bin == OTHER ? "other" : categories[bin - 2];
    }
    if (cuts.length == 0) {
      return "any value";
    }
    int i = bin - 1;
    if (i == 0) {
      return "below " + formatNumber(cuts[0]);
    }
    if (i == cuts.length) {
      return formatNumber(cuts[cuts.length - 1]) + " or more";
    }
    return formatNumber(cuts[i - 1]) + " to " + formatNumber(cuts[i]);
  }

  static String formatNumber(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    return String.format(Locale.ROOT, "%.4g", v).replaceAll("(\\.\\d*?)0+$", "$1").replaceAll("\\.$", "");
  }
}

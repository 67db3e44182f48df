package io.healthscore.scoring.learn.ebm;

/**
 * One feature over the rows of a table: numbers (NaN is missing) or labels (null is missing).
 * Exactly one of {@code numbers} and {@code labels} is set.
 */
public record FeatureColumn(String name, double[] numbers, String[] labels) {
  public FeatureColumn {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("a feature column needs a name");
    }
    if ((numbers == null) == (labels == null)) {
      throw new IllegalArgumentException(name + ": either numbers or labels");
    }
  }

  public static FeatureColumn numeric(String name, double[] numbers) {
    return new FeatureColumn(name, numbers, null);
  }

  public static FeatureColumn categorical(String name, String[] labels) {
    return new FeatureColumn(name, null, labels);
  }

  public boolean categorical() {
    return labels != null;
  }

  public int rows() {
    return numbers != null ? numbers.length : labels.length;
  }
}

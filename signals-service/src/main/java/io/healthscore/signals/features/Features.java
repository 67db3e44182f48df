package io.healthscore.signals.features;

import java.util.Map;

/** An account's features as of a moment: numbers by name and the last label of each metric. */
public record Features(Map<String, Double> numbers, Map<String, String> labels) {
  public Features {
    numbers = Map.copyOf(numbers);
    labels = Map.copyOf(labels);
  }
}

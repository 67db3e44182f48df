package io.healthscore.signals.features;

import java.util.Collections;
import java.util.Map;

/**
 * An account's features as of a moment: numbers by name and the labels. Read-only views of the
 * calculator's fresh maps: bulk reads build hundreds of thousands of these, so they are not copied.
 */
public record Features(Map<String, Double> numbers, Map<String, String> labels) {
  public Features {
    numbers = Collections.unmodifiableMap(numbers);
    labels = Collections.unmodifiableMap(labels);
  }
}

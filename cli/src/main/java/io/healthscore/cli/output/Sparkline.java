package io.healthscore.cli.output;

import java.util.List;

/** A score history in eight block heights, one character per point, over the fixed 1-10 range. */
public final class Sparkline {
  private static final char[] BLOCKS = {'▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'};

  private Sparkline() {}

  public static String of(List<Double> scores) {
    StringBuilder s = new StringBuilder(scores.size());
    for (double v : scores) {
      double share = (Math.max(1, Math.min(10, v)) - 1) / 9;
      s.append(BLOCKS[(int) Math.min(BLOCKS.length - 1, Math.floor(share * BLOCKS.length))]);
    }
    return s.toString();
  }
}

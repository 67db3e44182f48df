package io.healthscore.scoring.learn;

import io.healthscore.v1.BandSuggestion;

/**
 * A learned model's band cut-offs in churn probability, and the 1-10 score a probability reads
 * as. The score falls piecewise linearly with the probability through the scorecard's own band
 * cut-offs: from 10 at p = 0 to {@code greenFrom} at {@code yellowAbove}, to {@code yellowFrom} at
 * {@code redAbove}, to 1 at p = 1. So the scorecard's bands of that score are the probability's
 * bands, and with the default cut-offs (1/3, 2/3; scorecard 4 and 7) the score is {@code 10 − 9p}.
 */
public record ProbabilityBands(double yellowAbove, double redAbove) {
  public static final ProbabilityBands DEFAULT = new ProbabilityBands(1.0 / 3, 2.0 / 3);

  public ProbabilityBands {
    if (!(yellowAbove >= 0 && yellowAbove <= redAbove && redAbove <= 1)) {
      throw new IllegalArgumentException("cut-offs must satisfy 0 <= yellow_above <= red_above <= 1");
    }
  }

  public static ProbabilityBands of(BandSuggestion s) {
    return new ProbabilityBands(s.getYellowAbove(), s.getRedAbove());
  }

  /** The score of probability p against a scorecard's cut-offs (yellow from, green from). */
  public double score(double p, double yellowFrom, double greenFrom) {
    double q = Math.min(1, Math.max(0, p));
    double s;
    if (q <= yellowAbove) {
      s = yellowAbove == 0 ? 10 : 10 - (10 - greenFrom) * q / yellowAbove;
    } else if (q <= redAbove) {
      s = greenFrom - (greenFrom - yellowFrom) * (q - yellowAbove) / (redAbove - yellowAbove);
    } else {
      s = yellowFrom - (yellowFrom - 1) * (q - redAbove) / (1 - redAbove);
    }
    return Math.min(10, Math.max(1, s));
  }
}

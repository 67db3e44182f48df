package io.healthscore.scoring.engine;

import io.healthscore.v1.Band;
import io.healthscore.v1.BandCutoffs;

/**
 * Score to band. Red below {@code yellow_from}, yellow below {@code green_from}, green from there.
 * Unset (zero) cut-offs take the defaults 4, 7 and hysteresis 0.3.
 */
public final class Bands {
  public static final double DEFAULT_YELLOW_FROM = 4.0;
  public static final double DEFAULT_GREEN_FROM = 7.0;
  public static final double DEFAULT_HYSTERESIS = 0.3;

  private Bands() {}

  public static double yellowFrom(BandCutoffs c) {
    return c.getYellowFrom() == 0 ? DEFAULT_YELLOW_FROM : c.getYellowFrom();
  }

  public static double greenFrom(BandCutoffs c) {
    return c.getGreenFrom() == 0 ? DEFAULT_GREEN_FROM : c.getGreenFrom();
  }

  public static double hysteresis(BandCutoffs c) {
    return c.getHysteresis() == 0 ? DEFAULT_HYSTERESIS : c.getHysteresis();
  }

  public static Band of(double score, BandCutoffs c) {
    if (score >= greenFrom(c)) {
      return Band.BAND_GREEN;
    }
    return score >= yellowFrom(c) ? Band.BAND_YELLOW : Band.BAND_RED;
  }

  /**
   * The band, leaving {@code previous} only once the score is past a cut-off by the hysteresis
   * margin: up when {@code score - margin} reaches a better band, down when {@code score + margin}
   * is still in a worse one. So with green from 7 and margin 0.3 a yellow account turns green at
   * 7.3 and a green one turns yellow below 6.7.
   */
  public static Band withHysteresis(double score, Band previous, BandCutoffs c) {
    Band plain = of(score, c);
    if (previous == null
        || previous == Band.BAND_UNSPECIFIED
        || previous == Band.UNRECOGNIZED
        || plain == previous) {
      return plain;
    }
    double margin = hysteresis(c);
    if (plain.getNumber() > previous.getNumber()) {
      Band up = of(score - margin, c);
      return up.getNumber() > previous.getNumber() ? up : previous;
    }
    Band down = of(score + margin, c);
    return down.getNumber() < previous.getNumber() ? down : previous;
  }
}

package io.healthscore.scoring.engine;

import io.healthscore.v1.Band;
import io.healthscore.v1.BandCutoffs;

/** Score to band, with hysteresis. */
public final class Bands {
  private Bands() {}

  public static Band of(double score, BandCutoffs c) { throw new UnsupportedOperationException("not yet"); }

  public static Band withHysteresis(double score, Band previous, BandCutoffs c) {
    throw new UnsupportedOperationException("not yet");
  }
}

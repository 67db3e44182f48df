package io.healthscore.scoring.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.healthscore.v1.Band;
import io.healthscore.v1.BandCutoffs;
import org.junit.jupiter.api.Test;

class BandsTest {
  private static final BandCutoffs DEFAULTS = BandCutoffs.getDefaultInstance();

  @Test
  void defaultCutoffsAreFourAndSeven() {
    assertEquals(Band.BAND_RED, Bands.of(1, DEFAULTS));
    assertEquals(Band.BAND_RED, Bands.of(3.99, DEFAULTS));
    assertEquals(Band.BAND_YELLOW, Bands.of(4, DEFAULTS));
    assertEquals(Band.BAND_YELLOW, Bands.of(6.99, DEFAULTS));
    assertEquals(Band.BAND_GREEN, Bands.of(7, DEFAULTS));
    assertEquals(Band.BAND_GREEN, Bands.of(10, DEFAULTS));
  }

  @Test
  void customCutoffs() {
    BandCutoffs c = BandCutoffs.newBuilder().setYellowFrom(5).setGreenFrom(8).build();
    assertEquals(Band.BAND_RED, Bands.of(4.9, c));
    assertEquals(Band.BAND_YELLOW, Bands.of(7.9, c));
    assertEquals(Band.BAND_GREEN, Bands.of(8, c));
  }

  @Test
  void scoreOscillatingAroundACutoffWithinTheMarginNeverFlaps() {
    for (Band start : new Band[] {Band.BAND_YELLOW, Band.BAND_GREEN}) {
      Band band = start;
      for (int i = 0; i < 20; i++) {
        band = Bands.withHysteresis(i % 2 == 0 ? 6.9 : 7.1, band, DEFAULTS);
        assertEquals(start, band, "step " + i);
      }
    }
  }

  @Test
  void crossingByMoreThanTheMarginChangesTheBand() {
    assertEquals(Band.BAND_GREEN, Bands.withHysteresis(7.4, Band.BAND_YELLOW, DEFAULTS));
    assertEquals(Band.BAND_YELLOW, Bands.withHysteresis(7.2, Band.BAND_YELLOW, DEFAULTS));
    assertEquals(Band.BAND_YELLOW, Bands.withHysteresis(6.6, Band.BAND_GREEN, DEFAULTS));
    assertEquals(Band.BAND_GREEN, Bands.withHysteresis(6.8, Band.BAND_GREEN, DEFAULTS));
    assertEquals(Band.BAND_RED, Bands.withHysteresis(3.6, Band.BAND_YELLOW, DEFAULTS));
    assertEquals(Band.BAND_YELLOW, Bands.withHysteresis(3.8, Band.BAND_YELLOW, DEFAULTS));
    // A jump over two bands lands where it belongs.
    assertEquals(Band.BAND_GREEN, Bands.withHysteresis(9, Band.BAND_RED, DEFAULTS));
    assertEquals(Band.BAND_RED, Bands.withHysteresis(2, Band.BAND_GREEN, DEFAULTS));
    // Just past the green cut-off from red: above yellow by the margin, not green by it.
    assertEquals(Band.BAND_YELLOW, Bands.withHysteresis(7.1, Band.BAND_RED, DEFAULTS));
  }

  @Test
  void noPreviousBandMeansNoHysteresis() {
    assertEquals(Band.BAND_GREEN, Bands.withHysteresis(7.0, Band.BAND_UNSPECIFIED, DEFAULTS));
    assertEquals(Band.BAND_YELLOW, Bands.withHysteresis(6.99, null, DEFAULTS));
  }

  @Test
  void customMargin() {
    BandCutoffs wide = BandCutoffs.newBuilder().setHysteresis(1).build();
    assertEquals(Band.BAND_YELLOW, Bands.withHysteresis(7.9, Band.BAND_YELLOW, wide));
    assertEquals(Band.BAND_GREEN, Bands.withHysteresis(8.1, Band.BAND_YELLOW, wide));
  }
}

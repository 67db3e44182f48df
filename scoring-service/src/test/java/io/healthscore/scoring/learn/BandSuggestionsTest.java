package io.healthscore.scoring.learn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.v1.Band;
import io.healthscore.v1.BandSuggestion;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BandSuggestionsTest {
  /** 6,000 accounts in three risk groups: probabilities under 0.1 churn 2%, 0.2-0.4 churn 20%, above 0.6 churn 60%. */
  static double[] p = new double[6000];
  static boolean[] y = new boolean[6000];

  static {
    Random r = new Random(7);
    for (int i = 0; i < p.length; i++) {
      int group = i < 3000 ? 0 : i < 5100 ? 1 : 2;
      p[i] = group == 0 ? 0.1 * r.nextDouble() : group == 1 ? 0.2 + 0.2 * r.nextDouble() : 0.6 + 0.3 * r.nextDouble();
      y[i] = r.nextDouble() < new double[] {0.02, 0.2, 0.6}[group];
    }
  }

  @Test
  void maximumSeparationCutsBetweenTheRiskGroups() {
    BandSuggestion s = BandSuggestions.maxSeparation(p, y);
    assertEquals("max separation", s.getMethod());
    assertTrue(s.getYellowAbove() >= 0.1 && s.getYellowAbove() <= 0.2, s.toString());
    assertTrue(s.getRedAbove() >= 0.4 && s.getRedAbove() <= 0.6, s.toString());
    assertEquals(Band.BAND_GREEN, s.getBands(0).getBand());
    assertEquals(0.5, s.getBands(0).getShare(), 0.01);
    assertEquals(0.6, s.getBands(2).getChurnRate(), 0.05);
    double capture = 0;
    for (var b : s.getBandsList()) {
      capture += b.getChurnCapture();
    }
    assertEquals(1, capture, 1e-9);
  }

  @Test
  void targetRatesGiveTheLargestBandsThatMeetThem() {
    BandSuggestion s = BandSuggestions.forTargets(p, y, 0.05, 0.5);
    assertEquals("target rates", s.getMethod());
    assertTrue(s.getBands(0).getChurnRate() <= 0.05, s.toString());
    assertTrue(s.getBands(2).getChurnRate() >= 0.5, s.toString());
    // green takes all of the 2% group and a little of the 20% one before its rate passes 5%
    assertTrue(s.getBands(0).getShare() >= 0.5, s.toString());
    assertTrue(s.getBands(2).getShare() >= 0.14, s.toString());
  }

  @Test
  void tooFewSamplesKeepTheDefaults() {
    BandSuggestion s = BandSuggestions.maxSeparation(new double[] {0.1, 0.9}, new boolean[] {false, true});
    assertEquals("default", s.getMethod());
    assertEquals(1.0 / 3, s.getYellowAbove(), 1e-12);
  }

  @Test
  void theDefaultCutOffsReadAsTenMinusNineP() {
    for (double q = 0; q <= 1; q += 0.05) {
      assertEquals(10 - 9 * q, ProbabilityBands.DEFAULT.score(q, 4, 7), 1e-9);
    }
    ProbabilityBands learned = new ProbabilityBands(0.1, 0.3);
    assertEquals(7, learned.score(0.1, 4, 7), 1e-9);
    assertEquals(4, learned.score(0.3, 4, 7), 1e-9);
    assertEquals(5.5, learned.score(0.2, 4, 7), 1e-9);
    assertEquals(1, learned.score(1, 4, 7), 1e-9);
  }
}

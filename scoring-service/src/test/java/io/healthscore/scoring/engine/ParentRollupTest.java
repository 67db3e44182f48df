package io.healthscore.scoring.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ParentRollupTest {
  private static final List<double[]> CHILDREN =
      List.of(new double[] {8, 300}, new double[] {2, 100}, new double[] {6, 0});

  @Test
  void mrrWeightedMean() {
    assertEquals((8 * 300 + 2 * 100) / 400.0,
        ParentRollup.combine(io.healthscore.v1.ParentRollup.PARENT_ROLLUP_MRR_WEIGHTED_MEAN, CHILDREN), 1e-9);
  }

  @Test
  void withoutMrrThePlainMean() {
    assertEquals(5, ParentRollup.combine(io.healthscore.v1.ParentRollup.PARENT_ROLLUP_MRR_WEIGHTED_MEAN,
        List.of(new double[] {4, 0}, new double[] {6, 0})), 1e-9);
  }

  @Test
  void worstChild() {
    assertEquals(2, ParentRollup.combine(io.healthscore.v1.ParentRollup.PARENT_ROLLUP_WORST_CHILD, CHILDREN), 1e-9);
  }

  @Test
  void ownScoreOrNoChildrenIsNaN() {
    assertTrue(Double.isNaN(ParentRollup.combine(io.healthscore.v1.ParentRollup.PARENT_ROLLUP_UNSPECIFIED, CHILDREN)));
    assertTrue(Double.isNaN(ParentRollup.combine(io.healthscore.v1.ParentRollup.PARENT_ROLLUP_WORST_CHILD, List.of())));
  }
}

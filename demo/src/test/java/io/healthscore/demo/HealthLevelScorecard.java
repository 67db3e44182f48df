package io.healthscore.demo;

/**
 * A default scorecard of one measure, the last "health" signal mapped linearly from 0 (worst) to
 * 10 (best): a signal of 1 makes an account red, 8 or 9 green.
 */
public final class HealthLevelScorecard {
  private HealthLevelScorecard() {}

  /** The scorecard's YAML under {@code scorecardId}. */
  public static String yaml(String scorecardId) {
    return """
        scorecard_id: %s
        name: %s
        is_default: true
        components:
          - component_id: health
            name: Health
            weight: 1
            measures:
              - measure_id: health_level
                name: Health
                feature: health.last
                weight: 1
                linear: {worst: 0, best: 10}
        """.formatted(scorecardId, scorecardId);
  }
}

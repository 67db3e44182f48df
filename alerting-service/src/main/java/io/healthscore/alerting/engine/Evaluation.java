package io.healthscore.alerting.engine;

import io.healthscore.v1.HealthScore;
import java.util.Optional;

/**
 * The verdict of one rule on one account: whether its condition holds, why in words, and the score
 * that made it hold, if a score condition was involved.
 */
public record Evaluation(boolean holds, String reason, Optional<HealthScore> score) {
  public static Evaluation clear(String reason) {
    return new Evaluation(false, reason, Optional.empty());
  }
}

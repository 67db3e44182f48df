package io.healthscore.alerting.upstream;

import io.healthscore.v1.ModelHealth;
import java.util.Optional;

/** Where alerting learns how scoring-service's active learned churn model holds up. */
public interface ModelHealthSource {
  /**
   * The active learned model's health; empty when no learned model is active. Throws when
   * scoring-service cannot answer, so an outage never reads as "no model" and resolves alerts.
   */
  Optional<ModelHealth> activeModelHealth();
}

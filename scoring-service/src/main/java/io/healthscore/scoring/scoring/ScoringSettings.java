package io.healthscore.scoring.scoring;

import io.healthscore.runtime.config.ServiceConfig;
import java.time.Duration;

/**
 * scoring-service's own environment variables (the shared ones live in ServiceConfig).
 *
 * @param cacheSize HEALTHSCORE_SCORE_CACHE_SIZE: scores held in memory (default 2,000,000)
 * @param materialChange HEALTHSCORE_MATERIAL_CHANGE: smallest score move that is stored and
 *     published (default 0.1); band and override changes always are
 * @param signalsDeadline HEALTHSCORE_SIGNALS_DEADLINE: deadline of each call to signals-service
 *     (default 10s)
 * @param changeRetention HEALTHSCORE_SCORE_CHANGES_RETENTION: how long WatchScores can replay
 *     (default 30d)
 * @param overrideSweep HEALTHSCORE_OVERRIDE_SWEEP_INTERVAL: how often expired overrides are
 *     removed and their scores republished (default 30s)
 * @param distributionSample HEALTHSCORE_DISTRIBUTION_SAMPLE: accounts read to build percentile
 *     distributions during a rescore (default 20,000)
 * @param recalibrationAge HEALTHSCORE_RECALIBRATION_AGE: age after which the active learned
 *     model is due for recalibration (default 180d)
 * @param recalibrationAucFloor HEALTHSCORE_RECALIBRATION_AUC_FLOOR: the active learned model is
 *     due for recalibration once its ROC AUC on outcomes after its training is under this
 *     (default 0.6)
 */
public record ScoringSettings(
    long cacheSize,
    double materialChange,
    Duration signalsDeadline,
    Duration changeRetention,
    Duration overrideSweep,
    int distributionSample,
    Duration recalibrationAge,
    double recalibrationAucFloor) {

  public static final String CACHE_SIZE = "HEALTHSCORE_SCORE_CACHE_SIZE";
  public static final String MATERIAL_CHANGE = "HEALTHSCORE_MATERIAL_CHANGE";
  public static final String SIGNALS_DEADLINE = "HEALTHSCORE_SIGNALS_DEADLINE";
  public static final String CHANGE_RETENTION = "HEALTHSCORE_SCORE_CHANGES_RETENTION";
  public static final String OVERRIDE_SWEEP = "HEALTHSCORE_OVERRIDE_SWEEP_INTERVAL";
  public static final String DISTRIBUTION_SAMPLE = "HEALTHSCORE_DISTRIBUTION_SAMPLE";
  public static final String RECALIBRATION_AGE = "HEALTHSCORE_RECALIBRATION_AGE";
  public static final String RECALIBRATION_AUC_FLOOR = "HEALTHSCORE_RECALIBRATION_AUC_FLOOR";

  public ScoringSettings {
    if (cacheSize < 1) {
      throw new IllegalArgumentException(CACHE_SIZE + " must be at least 1: " + cacheSize);
    }
    if (!(materialChange >= 0)) {
      throw new IllegalArgumentException(MATERIAL_CHANGE + " must be 0 or more: " + materialChange);
    }
    if (distributionSample < 0) {
      throw new IllegalArgumentException(DISTRIBUTION_SAMPLE + " must be 0 or more: " + distributionSample);
    }
  }

  public static ScoringSettings from(ServiceConfig config) {
    return new ScoringSettings(
        config.getLong(CACHE_SIZE, 2_000_000),
        config.getDouble(MATERIAL_CHANGE, 0.1),
        config.getDuration(SIGNALS_DEADLINE, Duration.ofSeconds(10)),
        config.getDuration(CHANGE_RETENTION, Duration.ofDays(30)),
        config.getDuration(OVERRIDE_SWEEP, Duration.ofSeconds(30)),
        config.getInt(DISTRIBUTION_SAMPLE, 20_000),
        config.getDuration(RECALIBRATION_AGE, Duration.ofDays(180)),
        config.getDouble(RECALIBRATION_AUC_FLOOR, 0.6));
  }
}

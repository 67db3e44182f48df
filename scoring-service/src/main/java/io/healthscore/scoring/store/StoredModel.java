package io.healthscore.scoring.store;

/** A calibrated churn model as stored: the engine's bytes plus the CalibrationReport proto. */
public record StoredModel(
    String modelId,
    String scorecardId,
    int horizonDays,
    long createdAtMillis,
    boolean active,
    byte[] body,
    byte[] report) {}

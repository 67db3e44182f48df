package io.healthscore.scoring.learn;

import io.healthscore.v1.CalibrationReport;
import io.healthscore.v1.Scorecard;

/**
 * What calibration produced: the model, its report, and the scorecard with learned measure weights
 * (same id and version as the input; storing it makes a new version). {@code keptHandWeights} is
 * true when no measure predicted churn, so the calibrated scorecard keeps the hand weights.
 */
public record CalibrationResult(
    ChurnModel model, CalibrationReport report, Scorecard calibratedScorecard, boolean keptHandWeights) {}

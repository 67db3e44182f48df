package io.healthscore.scoring.learn;

import io.healthscore.v1.CalibrationReport;
import io.healthscore.v1.Scorecard;

/** What calibration produced: the model, its report and the scorecard with learned weights. */
public record CalibrationResult(ChurnModel model, CalibrationReport report, Scorecard calibratedScorecard) {}

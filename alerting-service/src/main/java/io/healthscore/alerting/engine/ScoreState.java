package io.healthscore.alerting.engine;

import io.healthscore.v1.Band;
import io.healthscore.v1.HealthScore;

/**
 * An account's latest score on one scorecard, and the band it had before its last band change
 * (BAND_UNSPECIFIED before the first change), so a band transition stays true while the account
 * remains in the band it moved into.
 */
public record ScoreState(HealthScore score, Band bandBefore) {}

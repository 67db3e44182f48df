package io.healthscore.scoring.api;

import io.healthscore.runtime.auth.MethodScopes;
import io.healthscore.runtime.auth.Scope;
import io.healthscore.v1.ScoringServiceGrpc;

/**
 * Who may call what: reads need scores:read, changes need scores:write. Calibrate and
 * StartTraining need scores:read because they only report unless asked to activate; the handler
 * checks scores:write for activation against the caller's scopes. Cancelling a training stores
 * nothing, so scores:read may do it too.
 */
public final class ScoringScopes {
  private ScoringScopes() {}

  public static MethodScopes table() {
    return MethodScopes.builder()
        .require(ScoringServiceGrpc.getGetScoreMethod(), Scope.SCORES_READ)
        .require(ScoringServiceGrpc.getBatchGetScoresMethod(), Scope.SCORES_READ)
        .require(ScoringServiceGrpc.getListScoresMethod(), Scope.SCORES_READ)
        .require(ScoringServiceGrpc.getGetScoreHistoryMethod(), Scope.SCORES_READ)
        .require(ScoringServiceGrpc.getExplainScoreMethod(), Scope.SCORES_READ)
        .require(ScoringServiceGrpc.getWatchScoresMethod(), Scope.SCORES_READ)
        .require(ScoringServiceGrpc.getGetScorecardMethod(), Scope.SCORES_READ)
        .require(ScoringServiceGrpc.getListScorecardsMethod(), Scope.SCORES_READ)
        .require(ScoringServiceGrpc.getValidateScorecardMethod(), Scope.SCORES_READ)
        .require(ScoringServiceGrpc.getCalibrateMethod(), Scope.SCORES_READ)
        .require(ScoringServiceGrpc.getBacktestMethod(), Scope.SCORES_READ)
        .require(ScoringServiceGrpc.getForecastRetentionMethod(), Scope.SCORES_READ)
        .require(ScoringServiceGrpc.getGetRescoreMethod(), Scope.SCORES_READ)
        .require(ScoringServiceGrpc.getStartTrainingMethod(), Scope.SCORES_READ)
        .require(ScoringServiceGrpc.getGetTrainingMethod(), Scope.SCORES_READ)
        .require(ScoringServiceGrpc.getCancelTrainingMethod(), Scope.SCORES_READ)
        .require(ScoringServiceGrpc.getListModelsMethod(), Scope.SCORES_READ)
        .require(ScoringServiceGrpc.getGetModelHealthMethod(), Scope.SCORES_READ)
        .require(ScoringServiceGrpc.getGetModelMethod(), Scope.SCORES_READ)
        .require(ScoringServiceGrpc.getActivateModelMethod(), Scope.SCORES_WRITE)
        .require(ScoringServiceGrpc.getPutScorecardMethod(), Scope.SCORES_WRITE)
        .require(ScoringServiceGrpc.getSetOverrideMethod(), Scope.SCORES_WRITE)
        .require(ScoringServiceGrpc.getClearOverrideMethod(), Scope.SCORES_WRITE)
        .require(ScoringServiceGrpc.getStartRescoreMethod(), Scope.SCORES_WRITE)
        .require(ScoringServiceGrpc.getCancelRescoreMethod(), Scope.SCORES_WRITE)
        .build();
  }
}

package io.healthscore.signals;

import io.healthscore.runtime.auth.MethodScopes;
import io.healthscore.runtime.auth.Scope;
import io.healthscore.v1.SignalServiceGrpc;

/** Which scope each SignalService method needs when auth is on: reads signals:read, writes signals:write. */
public final class SignalScopes {
  public static final MethodScopes TABLE =
      MethodScopes.builder()
          .require(SignalServiceGrpc.getUpsertAccountsMethod(), Scope.SIGNALS_WRITE)
          .require(SignalServiceGrpc.getIngestSignalsMethod(), Scope.SIGNALS_WRITE)
          .require(SignalServiceGrpc.getStreamSignalsMethod(), Scope.SIGNALS_WRITE)
          .require(SignalServiceGrpc.getRecordOutcomesMethod(), Scope.SIGNALS_WRITE)
          .require(SignalServiceGrpc.getGetAccountMethod(), Scope.SIGNALS_READ)
          .require(SignalServiceGrpc.getListAccountsMethod(), Scope.SIGNALS_READ)
          .require(SignalServiceGrpc.getListOutcomesMethod(), Scope.SIGNALS_READ)
          .require(SignalServiceGrpc.getGetFeaturesMethod(), Scope.SIGNALS_READ)
          .require(SignalServiceGrpc.getBatchGetFeaturesMethod(), Scope.SIGNALS_READ)
          .require(SignalServiceGrpc.getStreamFeatureSnapshotsMethod(), Scope.SIGNALS_READ)
          .require(SignalServiceGrpc.getWatchChangesMethod(), Scope.SIGNALS_READ)
          .build();

  private SignalScopes() {}
}

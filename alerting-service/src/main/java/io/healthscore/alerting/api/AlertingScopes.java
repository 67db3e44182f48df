package io.healthscore.alerting.api;

import io.healthscore.runtime.auth.MethodScopes;
import io.healthscore.runtime.auth.Scope;
import io.healthscore.v1.AlertingServiceGrpc;

/**
 * Who may call what when auth is on: reads need alerts:read; changes to alerts, tasks, rules and
 * channels need alerts:write. A token with admin may call everything.
 */
public final class AlertingScopes {
  public static final MethodScopes TABLE = MethodScopes.builder()
      .require(AlertingServiceGrpc.getGetRuleMethod(), Scope.ALERTS_READ)
      .require(AlertingServiceGrpc.getListRulesMethod(), Scope.ALERTS_READ)
      .require(AlertingServiceGrpc.getListChannelsMethod(), Scope.ALERTS_READ)
      .require(AlertingServiceGrpc.getListAlertsMethod(), Scope.ALERTS_READ)
      .require(AlertingServiceGrpc.getSubscribeAlertsMethod(), Scope.ALERTS_READ)
      .require(AlertingServiceGrpc.getListTasksMethod(), Scope.ALERTS_READ)
      .require(AlertingServiceGrpc.getListDeliveriesMethod(), Scope.ALERTS_READ)
      .require(AlertingServiceGrpc.getGetRuleQualityMethod(), Scope.ALERTS_READ)
      .require(AlertingServiceGrpc.getPutRuleMethod(), Scope.ALERTS_WRITE)
      .require(AlertingServiceGrpc.getDeleteRuleMethod(), Scope.ALERTS_WRITE)
      .require(AlertingServiceGrpc.getPutChannelMethod(), Scope.ALERTS_WRITE)
      .require(AlertingServiceGrpc.getTestChannelMethod(), Scope.ALERTS_WRITE)
      .require(AlertingServiceGrpc.getAcknowledgeAlertMethod(), Scope.ALERTS_WRITE)
      .require(AlertingServiceGrpc.getResolveAlertMethod(), Scope.ALERTS_WRITE)
      .require(AlertingServiceGrpc.getCompleteTaskMethod(), Scope.ALERTS_WRITE)
      .require(AlertingServiceGrpc.getRetryDeliveryMethod(), Scope.ALERTS_WRITE)
      .build();

  private AlertingScopes() {}
}

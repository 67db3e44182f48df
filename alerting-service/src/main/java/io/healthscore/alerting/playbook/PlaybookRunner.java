package io.healthscore.alerting.playbook;

import io.healthscore.alerting.support.Times;
import io.healthscore.v1.Alert;
import io.healthscore.v1.CreateTaskStep;
import io.healthscore.v1.PlaybookStep;
import io.healthscore.v1.Rule;
import io.healthscore.v1.Task;
import io.healthscore.v1.TaskState;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Starts a rule's playbook when an alert opens, inside the alert's transaction: tasks are created,
 * escalations scheduled, and the channels to notify returned for the OPENED event.
 */
public final class PlaybookRunner {
  private final TaskStore tasks;
  private final EscalationStore escalations;

  public PlaybookRunner(TaskStore tasks, EscalationStore escalations) {
    this.tasks = tasks;
    this.escalations = escalations;
  }

  /** Runs the steps for a newly opened alert; returns the channels its notify steps name. */
  public List<String> start(Connection c, Rule rule, Alert alert) throws SQLException {
    long openedMs = Times.toMillis(alert.getOpenedAt());
    for (int i = 0; i < rule.getPlaybookCount(); i++) {
      PlaybookStep step = rule.getPlaybook(i);
      switch (step.getActionCase()) {
        case CREATE_TASK -> tasks.insert(c, task(step.getCreateTask(), alert, openedMs));
        case ESCALATE -> escalations.schedule(c, new EscalationStore.Escalation(
            alert.getAlertId(), i, step.getEscalate().getChannelId(),
            openedMs + (long) (step.getEscalate().getAfterHours() * Duration.ofHours(1).toMillis())));
        case NOTIFY, ACTION_NOT_SET -> { }
      }
    }
    return notifyChannels(rule);
  }

  /** The channels the rule's notify steps name, in order, without repeats. */
  public static List<String> notifyChannels(Rule rule) {
    List<String> channels = new ArrayList<>();
    for (PlaybookStep step : rule.getPlaybookList()) {
      if (step.hasNotify() && !channels.contains(step.getNotify().getChannelId())) {
        channels.add(step.getNotify().getChannelId());
      }
    }
    return channels;
  }

  private static Task task(CreateTaskStep step, Alert alert, long openedMs) {
    return Task.newBuilder()
        .setTaskId(UUID.randomUUID().toString())
        .setAlertId(alert.getAlertId())
        .setAccountId(alert.getAccountId())
        .setAssignee(alert.getAssignee())
        .setTitle(step.getTitle())
        .setDescription(step.getDescription().isEmpty() ? alert.getReason() : step.getDescription())
        .setDueTime(Times.toTimestamp(openedMs + Duration.ofDays(step.getDueInDays()).toMillis()))
        .setState(TaskState.TASK_STATE_OPEN)
        .setCreateTime(alert.getOpenedAt())
        .build();
  }
}

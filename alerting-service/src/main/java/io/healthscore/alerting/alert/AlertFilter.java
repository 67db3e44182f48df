package io.healthscore.alerting.alert;

import io.healthscore.v1.AlertState;
import io.healthscore.v1.Severity;
import java.util.Set;

/** Which alerts a listing returns; empty strings and sets do not filter. */
public record AlertFilter(
    Set<AlertState> states, String accountId, String ruleId, Severity minSeverity, String assignee) {}

package io.healthscore.alerting.playbook;

import io.healthscore.alerting.support.Rows;
import io.healthscore.alerting.support.Times;
import io.healthscore.runtime.api.PageTokens;
import io.healthscore.v1.Task;
import io.healthscore.v1.TaskState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Playbook tasks: what an account's owner should do about an alert, and by when. */
public final class TaskStore {
  private static final String PAGE_LISTING = "tasks";
  private static final String COLUMNS =
      "task_id, alert_id, account_id, assignee, title, description, due_ms, state, complete_ms, note, create_ms";

  /** A page of tasks and the token of the next one ("" on the last page). */
  public record Page(List<Task> tasks, String nextPageToken) {}

  public void insert(Connection c, Task t) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "INSERT INTO alert_tasks (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      s.setString(1, t.getTaskId());
      s.setString(2, t.getAlertId());
      s.setString(3, t.getAccountId());
      s.setString(4, t.getAssignee());
      s.setString(5, t.getTitle());
      s.setString(6, t.getDescription());
      s.setLong(7, Times.toMillis(t.getDueTime()));
      s.setInt(8, t.getStateValue());
      Rows.setNullableLong(s, 9, t.hasCompleteTime() ? Times.toMillis(t.getCompleteTime()) : null);
      s.setString(10, t.getNote());
      s.setLong(11, Times.toMillis(t.getCreateTime()));
      s.executeUpdate();
    }
  }

  public Optional<Task> getForUpdate(Connection c, String taskId) throws SQLException {
    return query(c, "SELECT " + COLUMNS + " FROM alert_tasks WHERE task_id = ? FOR UPDATE", taskId)
        .stream().findFirst();
  }

  public void complete(Connection c, Task done) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "UPDATE alert_tasks SET state = ?, complete_ms = ?, note = ? WHERE task_id = ?")) {
      s.setInt(1, done.getStateValue());
      s.setLong(2, Times.toMillis(done.getCompleteTime()));
      s.setString(3, done.getNote());
      s.setString(4, done.getTaskId());
      s.executeUpdate();
    }
  }

  /** Tasks ordered by due time, filtered; empty filters do not filter. */
  public Page list(Connection c, String assignee, TaskState state, String accountId, int pageSize, String pageToken)
      throws SQLException {
    StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM alert_tasks WHERE 1 = 1");
    List<Object> args = new ArrayList<>();
    if (!assignee.isEmpty()) {
      sql.append(" AND assignee = ?");
      args.add(assignee);
    }
    if (state != TaskState.TASK_STATE_UNSPECIFIED) {
      sql.append(" AND state = ?");
      args.add(state.getNumber());
    }
    if (!accountId.isEmpty()) {
      sql.append(" AND account_id = ?");
      args.add(accountId);
    }
    Optional<PageTokens.Position> after = PageTokens.decode(PAGE_LISTING, pageToken);
    if (after.isPresent()) {
      long dueMs = after.get().number(0);
      String taskId = after.get().text(1);
      sql.append(" AND (due_ms > ? OR (due_ms = ? AND task_id > ?))");
      args.add(dueMs);
      args.add(dueMs);
      args.add(taskId);
    }
    sql.append(" ORDER BY due_ms, task_id LIMIT ").append(pageSize + 1);
    List<Task> tasks = query(c, sql.toString(), args.toArray());
    if (tasks.size() <= pageSize) {
      return new Page(tasks, "");
    }
    Task last = tasks.get(pageSize - 1);
    String token = PageTokens.encode(PAGE_LISTING, Times.toMillis(last.getDueTime()), last.getTaskId());
    return new Page(List.copyOf(tasks.subList(0, pageSize)), token);
  }

  private static List<Task> query(Connection c, String sql, Object... args) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        s.setObject(i + 1, args[i]);
      }
      List<Task> tasks = new ArrayList<>();
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          Task.Builder t = Task.newBuilder()
              .setTaskId(rs.getString("task_id"))
              .setAlertId(rs.getString("alert_id"))
              .setAccountId(rs.getString("account_id"))
              .setAssignee(rs.getString("assignee"))
              .setTitle(rs.getString("title"))
              .setDescription(rs.getString("description"))
              .setDueTime(Times.toTimestamp(rs.getLong("due_ms")))
              .setState(TaskState.forNumber(rs.getInt("state")))
              .setCreateTime(Times.toTimestamp(rs.getLong("create_ms")));
          Long complete = Rows.nullableLong(rs, "complete_ms");
          if (complete != null) {
            t.setCompleteTime(Times.toTimestamp(complete));
          }
          String note = rs.getString("note");
          if (note != null) {
            t.setNote(note);
          }
          tasks.add(t.build());
        }
      }
      return tasks;
    }
  }
}

package io.healthscore.cli.command;

import com.google.protobuf.util.Timestamps;
import io.healthscore.cli.ExitCodes;
import io.healthscore.cli.output.Json;
import io.healthscore.cli.output.Table;
import io.healthscore.v1.CompleteTaskRequest;
import io.healthscore.v1.ListTasksRequest;
import io.healthscore.v1.ListTasksResponse;
import io.healthscore.v1.Task;
import io.healthscore.v1.TaskState;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tasks list|complete}: playbook tasks. */
@Command(name = "tasks", mixinStandardHelpOptions = true, description = "Playbook tasks created by alerts.",
    subcommands = {TasksCommand.ListTasks.class, TasksCommand.Complete.class})
public final class TasksCommand {
  @Command(name = "list", mixinStandardHelpOptions = true, description = "Open tasks (--all for done ones too).")
  static final class ListTasks extends CliCommand {
    @Option(names = "--assignee", description = "only this person's")
    String assignee;

    @Option(names = "--account", description = "only this account's")
    String account;

    @Option(names = "--all", description = "done tasks too")
    boolean all;

    @Option(names = "--limit", defaultValue = "50", description = "at most this many (default ${DEFAULT-VALUE})")
    int limit;

    @Override
    public Integer call() {
      ListTasksRequest.Builder q = ListTasksRequest.newBuilder();
      if (!all) {
        q.setState(TaskState.TASK_STATE_OPEN);
      }
      if (assignee != null) {
        q.setAssignee(assignee);
      }
      if (account != null) {
        q.setAccountId(account);
      }
      List<Task> tasks = new ArrayList<>();
      String token = "";
      do {
        ListTasksResponse page = services().alerting().listTasks(q.setPageSize(Math.min(500, limit)).setPageToken(token).build());
        for (Task t : page.getTasksList()) {
          if (tasks.size() < limit) {
            tasks.add(t);
          }
        }
        token = page.getNextPageToken();
      } while (!token.isEmpty() && tasks.size() < limit);
      if (json()) {
        Json.printArray(out(), tasks);
        return ExitCodes.OK;
      }
      Table t = new Table("task", "state", "account", "assignee", "due", "title");
      for (Task task : tasks) {
        t.row(task.getTaskId(), task.getState().name().replace("TASK_STATE_", "").toLowerCase(Locale.ROOT), task.getAccountId(),
            task.getAssignee(), task.hasDueTime() ? Timestamps.toString(task.getDueTime()) : "", task.getTitle());
      }
      t.print(out());
      out().println(tasks.size() + " tasks");
      return ExitCodes.OK;
    }
  }

  @Command(name = "complete", mixinStandardHelpOptions = true, description = "Mark a task done.")
  static final class Complete extends CliCommand {
    @Parameters(index = "0", paramLabel = "TASK")
    String taskId;

    @Option(names = "--note", defaultValue = "", description = "what was done")
    String note;

    @Override
    public Integer call() {
      Task t = services().alerting().completeTask(CompleteTaskRequest.newBuilder().setTaskId(taskId).setNote(note).build()).getTask();
      if (json()) {
        Json.print(out(), t);
      } else {
        out().println(t.getTaskId() + ": done");
      }
      return ExitCodes.OK;
    }
  }
}

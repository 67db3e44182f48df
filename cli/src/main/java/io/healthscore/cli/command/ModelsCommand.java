package io.healthscore.cli.command;

import com.google.protobuf.util.Timestamps;
import io.healthscore.cli.ExitCodes;
import io.healthscore.cli.output.Json;
import io.healthscore.cli.output.Table;
import io.healthscore.v1.ActivateModelRequest;
import io.healthscore.v1.ListModelsRequest;
import io.healthscore.v1.ModelInfo;
import io.healthscore.v1.ModelState;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code models list|activate}: the stored churn models and which one is served. */
@Command(name = "models", mixinStandardHelpOptions = true, description = "Stored churn models: list them, serve or shadow one.",
    subcommands = {ModelsCommand.ListModels.class, ModelsCommand.Activate.class})
public final class ModelsCommand {
  @Command(name = "list", mixinStandardHelpOptions = true, description = "Stored models, newest first, with state and held-out AUC.")
  static final class ListModels extends CliCommand {
    @Option(names = "--scorecard", description = "only the models of this scorecard; '-' for learned models only")
    String scorecard;

    @Override
    public Integer call() {
      ListModelsRequest.Builder q = ListModelsRequest.newBuilder();
      if (scorecard != null) {
        q.setScorecardId(scorecard);
      }
      List<ModelInfo> models = services().scoring().listModels(q.build()).getModelsList();
      if (json()) {
        Json.printArray(out(), models);
        return ExitCodes.OK;
      }
      Table t = new Table("model", "state", "kind", "scorecard", "horizon", "AUC", "samples", "churned", "trained");
      for (ModelInfo m : models) {
        t.row(m.getModelId(), state(m.getState()), m.getReport().getModelKind(), m.getScorecardId().isEmpty() ? "-" : m.getScorecardId(),
            m.getHorizonDays() + "d", String.format(Locale.ROOT, "%.3f", m.getReport().getAuc()), m.getReport().getSamples(),
            m.getReport().getPositives(), m.hasCreateTime() ? Timestamps.toString(m.getCreateTime()) : "");
      }
      t.print(out());
      out().println(models.size() + " models");
      return ExitCodes.OK;
    }
  }

  @Command(name = "activate", mixinStandardHelpOptions = true,
      description = "Serve a stored model (any version, so rolling back is one command), or run it in shadow with --shadow.")
  static final class Activate extends CliCommand {
    @Parameters(index = "0", paramLabel = "MODEL", description = "the model id (see models list)")
    String modelId;

    @Option(names = "--shadow", description = "compute and report it beside the served model instead of serving it")
    boolean shadow;

    @Option(names = "--force", description = "serve it although its held-out AUC is below the active model's by more than the allowed margin")
    boolean force;

    @Override
    public Integer call() {
      ModelInfo m = services().scoring().activateModel(
          ActivateModelRequest.newBuilder().setModelId(modelId).setShadow(shadow).setForce(force).build()).getModel();
      if (json()) {
        Json.print(out(), m);
      } else {
        out().printf(Locale.ROOT, "%s: %s (AUC %.3f)%n", m.getModelId(), state(m.getState()), m.getReport().getAuc());
      }
      return ExitCodes.OK;
    }
  }

  static String state(ModelState s) {
    return switch (s) {
      case MODEL_STATE_ACTIVE -> "active";
      case MODEL_STATE_SHADOW -> "shadow";
      case MODEL_STATE_INACTIVE -> "inactive";
      default -> "-";
    };
  }
}

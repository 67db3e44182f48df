package io.healthscore.scoring.api;

import com.google.protobuf.util.Timestamps;
import io.grpc.Status;
import io.healthscore.runtime.api.RequestTimes;
import io.healthscore.runtime.auth.AuthInterceptor;
import io.healthscore.runtime.auth.Scope;
import io.healthscore.runtime.error.FailedPreconditionException;
import io.healthscore.runtime.error.InvalidArgumentException;
import io.healthscore.runtime.error.NotFoundException;
import io.healthscore.runtime.error.Violations;
import io.healthscore.scoring.engine.AccountSnapshot;
import io.healthscore.scoring.engine.CompiledScorecard;
import io.healthscore.scoring.learn.Auc;
import io.healthscore.scoring.learn.BandSuggestions;
import io.healthscore.scoring.learn.Backtester;
import io.healthscore.scoring.learn.CalibrationResult;
import io.healthscore.scoring.learn.Calibrator;
import io.healthscore.scoring.learn.ChurnModel;
import io.healthscore.scoring.learn.ForecastInput;
import io.healthscore.scoring.learn.LabeledSnapshot;
import io.healthscore.scoring.learn.LearnedBacktester;
import io.healthscore.scoring.learn.LearnedCalibrator;
import io.healthscore.scoring.learn.LearnedChurnModel;
import io.healthscore.scoring.learn.PointsCalibrator;
import io.healthscore.scoring.learn.RetentionForecaster;
import io.healthscore.scoring.learn.TrainingSet;
import io.healthscore.scoring.learn.TrainingJob;
import io.healthscore.scoring.learn.TrainingJobs;
import io.healthscore.v1.CancelTrainingRequest;
import io.healthscore.v1.CancelTrainingResponse;
import io.healthscore.v1.GetTrainingRequest;
import io.healthscore.v1.GetTrainingResponse;
import io.healthscore.v1.StartTrainingRequest;
import io.healthscore.v1.StartTrainingResponse;
import java.util.concurrent.CancellationException;
import io.healthscore.scoring.learn.ebm.EbmSettings;
import io.healthscore.scoring.learn.ebm.TrainingMonitor;
import io.healthscore.scoring.rescore.RescoreJobs;
import io.healthscore.scoring.scorecard.ScorecardYaml;
import io.healthscore.scoring.scoring.FeatureDemand;
import io.healthscore.scoring.scoring.ModelGovernance;
import io.healthscore.scoring.scoring.ModelRegistry;
import io.healthscore.scoring.scoring.ScoreViews;
import io.healthscore.scoring.scoring.ScorecardAdmin;
import io.healthscore.scoring.scoring.ScorecardRegistry;
import io.healthscore.scoring.store.ModelStore;
import io.healthscore.scoring.store.ScoreStore;
import io.healthscore.scoring.store.StoredModel;
import io.healthscore.scoring.upstream.AccountDirectory;
import io.healthscore.scoring.upstream.AccountInfo;
import io.healthscore.scoring.upstream.FeatureSelection;
import io.healthscore.scoring.upstream.SignalsClient;
import io.healthscore.scoring.upstream.SignalsFeatureSource;
import io.healthscore.v1.ActivateModelRequest;
import io.healthscore.v1.ActivateModelResponse;
import io.healthscore.v1.BacktestReport;
import io.healthscore.v1.BacktestRequest;
import io.healthscore.v1.BacktestResponse;
import io.healthscore.v1.CalibrateRequest;
import io.healthscore.v1.CalibrateResponse;
import io.healthscore.v1.CalibrationReport;
import io.healthscore.v1.ExplainScoreResponse;
import io.healthscore.v1.ForecastGrouping;
import io.healthscore.v1.ForecastRetentionRequest;
import io.healthscore.v1.ForecastRetentionResponse;
import io.healthscore.v1.GetModelRequest;
import io.healthscore.v1.GetModelResponse;
import io.healthscore.v1.ListModelsRequest;
import io.healthscore.v1.GetModelHealthResponse;
import io.healthscore.v1.ModelHealth;
import io.healthscore.scoring.scoring.ModelDrift;
import io.healthscore.v1.ListModelsResponse;
import io.healthscore.v1.ModelInfo;
import io.healthscore.v1.ModelState;
import io.healthscore.v1.Outcome;
import io.healthscore.v1.OutcomeType;
import io.healthscore.v1.Scorecard;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The learning RPCs (Calibrate, Backtest, ForecastRetention, ListModels, GetModel,
 * ActivateModel) and the churn part of ExplainScore: validation here, the work in the learn
 * package (training, backtests, forecast math) and ModelGovernance (storage and states).
 */
public final class LearningApi {
  static final int DEFAULT_HORIZON_DAYS = 90;
  static final int SNAPSHOT_EVERY_DAYS = 30;
  static final long CALIBRATION_SEED = 42;
  private static final int MAX_DAYS = 730;
  private static final long DAY = Duration.ofDays(1).toMillis();

  private final ScorecardAdmin admin;
  private final ScorecardRegistry scorecards;
  private final AccountDirectory directory;
  private final SignalsClient signals;
  private final ScoreStore scores;
  private final ModelStore modelStore;
  private final ModelRegistry models;
  private final ModelGovernance governance;
  private final RescoreJobs rescores;
  private final Clock clock;
  private final EbmSettings settings;
  private final TrainingJobs trainings;
  private final ModelDrift drift;

  public LearningApi(
      ScorecardAdmin admin,
      ScorecardRegistry scorecards,
      AccountDirectory directory,
      SignalsClient signals,
      ScoreStore scores,
      ModelStore modelStore,
      ModelRegistry models,
      RescoreJobs rescores,
      Clock clock,
      EbmSettings settings,
      TrainingJobs trainings,
      ModelDrift drift) {
    this.admin = admin;
    this.scorecards = scorecards;
    this.directory = directory;
    this.signals = signals;
    this.scores = scores;
    this.modelStore = modelStore;
    this.models = models;
    this.rescores = rescores;
    this.clock = clock;
    this.settings = settings;
    this.trainings = trainings;
    this.drift = drift;
    this.governance = new ModelGovernance(modelStore, models, scorecard -> rescores.restartFor(scorecard), ModelGovernance.DEFAULT_AUC_MARGIN);
  }

  /**
   * Without scorecard_id: learns from every feature of the accounts in scope. With one: learns
   * the scorecard's weights (Calibrator). Every model is stored; activate serves it, shadow runs
   * it beside the active one.
   */
  public CalibrateResponse calibrate(CalibrateRequest request) {
    return CalibrateResponse.newBuilder().setReport(train(plan(request, ""), TrainingMonitor.NONE)).build();
  }

  /** Checks the calibration at once, then runs it in the background. */
  public StartTrainingResponse startTraining(StartTrainingRequest request) {
    CalibrationPlan plan = plan(request.getCalibrate(), "calibrate.");
    TrainingJob job = trainings.start(request.getCalibrate(), running -> train(plan, running));
    return StartTrainingResponse.newBuilder().setTraining(job.toProto()).build();
  }

  public GetTrainingResponse getTraining(GetTrainingRequest request) {
    requireId(request.getTrainingId(), "training_id");
    TrainingJob job = trainings.get(request.getTrainingId()).orElseThrow(() -> trainingNotFound(request.getTrainingId()));
    return GetTrainingResponse.newBuilder().setTraining(job.toProto()).build();
  }

  public CancelTrainingResponse cancelTraining(CancelTrainingRequest request) {
    requireId(request.getTrainingId(), "training_id");
    TrainingJob job =
        trainings.cancel(request.getTrainingId()).orElseThrow(() -> trainingNotFound(request.getTrainingId()));
    return CancelTrainingResponse.newBuilder().setTraining(job.toProto()).build();
  }

  private static NotFoundException trainingNotFound(String id) {
    return new NotFoundException("training " + id + " not found");
  }

  /** A checked Calibrate request: the scorecard (null without one), horizon, state and targets. */
  private record CalibrationPlan(
      CalibrateRequest request,
      CompiledScorecard card,
      int horizon,
      ModelState requested,
      BandSuggestions.Targets targets) {}

  /**
   * Checks a Calibrate request (field paths after {@code prefix}) and the caller's right to
   * activate or shadow; resolves its scorecard.
   */
  private CalibrationPlan plan(CalibrateRequest request, String prefix) {
    Set<String> callerScopes = AuthInterceptor.SCOPES.get();
    boolean changes = request.getActivate() || request.getShadow();
    if (changes && callerScopes != null && !Scope.allows(callerScopes, Scope.SCORES_WRITE)) {
      throw Status.PERMISSION_DENIED
          .withDescription("activate and shadow need scope '" + Scope.SCORES_WRITE + "'")
          .asRuntimeException();
    }
    Violations v = new Violations();
    v.check(request.getHorizonDays() >= 0 && request.getHorizonDays() <= MAX_DAYS, prefix + "horizon_days",
        "must be between 1 and " + MAX_DAYS);
    v.check(!(request.getActivate() && request.getShadow()), prefix + "shadow", "cannot be set together with activate");
    v.check(request.getScorecardId().isEmpty() || !request.getShadow(), prefix + "shadow",
        "only learned models (no scorecard_id) run in shadow");
    v.check(request.getScorecardId().isEmpty() || request.getSegmentsCount() == 0, prefix + "segments",
        "apply only without scorecard_id (a scorecard has its own segments)");
    v.check(!request.getLearnPoints() || !request.getScorecardId().isEmpty(), prefix + "learn_points",
        "applies only with scorecard_id (without one every feature is learned from)");
    for (int i = 0; i < request.getSegmentsCount(); i++) {
      v.check(!request.getSegments(i).isBlank(), prefix + "segments[" + i + "]", "must not be empty");
    }
    BandSuggestions.Targets targets =
        targets(
            v,
            prefix,
            request.hasTargetGreenChurnRate() ? request.getTargetGreenChurnRate() : null,
            request.hasTargetRedChurnRate() ? request.getTargetRedChurnRate() : null);
    v.throwIfAny("invalid Calibrate request");
    int horizon = request.getHorizonDays() == 0 ? DEFAULT_HORIZON_DAYS : request.getHorizonDays();
    ModelState requested =
        request.getActivate()
            ? ModelState.MODEL_STATE_ACTIVE
            : request.getShadow() ? ModelState.MODEL_STATE_SHADOW : ModelState.MODEL_STATE_INACTIVE;
    CompiledScorecard card = request.getScorecardId().isEmpty() ? null : scorecard(request.getScorecardId());
    return new CalibrationPlan(request, card, horizon, requested, targets);
  }

  /**
   * Trains and stores the model of a checked request, reporting progress to {@code monitor} and
   * stopping (CancellationException, nothing stored) when it cancels. Returns the stored report.
   */
  private CalibrationReport train(CalibrationPlan plan, TrainingMonitor monitor) {
    CalibrateRequest request = plan.request();
    int horizon = plan.horizon();
    long now = clock.millis();
    monitor.progress(0.01, "reading training rows");
    FeatureSelection wanted =
        plan.card() == null ? FeatureSelection.everything() : FeatureDemand.of(List.of(plan.card()));
    List<LabeledSnapshot> samples = samples(horizon, Long.MIN_VALUE, Long.MAX_VALUE, wanted);
    throwIfCancelled(monitor);
    if (plan.card() == null) {
      Set<String> segments = new TreeSet<>(request.getSegmentsList());
      LearnedCalibrator.Result result =
          LearnedCalibrator.calibrate(
              samples, horizon, segments, now, settings, plan.targets(), monitor.part(0.1, 0.95));
      throwIfCancelled(monitor);
      monitor.progress(0.97, "storing the model");
      return governance
          .save(
              result.model().modelId(), "", horizon, now, result.model().toBytes(), result.report(), plan.requested(),
              request.getForce())
          .getReport();
    }
    CompiledScorecard card = plan.card();
    monitor.progress(0.1, request.getLearnPoints() ? "learning points and weights" : "learning weights");
    CalibrationResult result =
        request.getLearnPoints()
            ? PointsCalibrator.calibrate(card, samples, horizon, CALIBRATION_SEED)
            : Calibrator.calibrate(card, samples, horizon, CALIBRATION_SEED);
    throwIfCancelled(monitor);
    monitor.progress(0.97, "storing the model");
    ChurnModel model = result.model();
    CalibrationReport report =
        request.getLearnPoints()
            ? withYaml(result.report())
            : result.report().toBuilder().setModelKind("logistic").build();
    ModelInfo info =
        governance.save(
            model.modelId(), card.id(), horizon, now, model.toBytes(), report, plan.requested(), request.getForce());
    if (request.getActivate()) {
      Scorecard calibrated = admin.put(result.calibratedScorecard(), "scorecard.");
      rescores.restartFor(calibrated.getScorecardId());
    }
    return info.getReport();
  }

  private static void throwIfCancelled(TrainingMonitor monitor) {
    if (monitor.cancelled()) {
      throw new CancellationException("cancelled");
    }
  }

  /** The report with its learned scorecard as YAML, headed by where it was learned from. */
  private static CalibrationReport withYaml(CalibrationReport report) {
    String comment =
        String.format(
            java.util.Locale.ROOT,
            "Points and weights learned from %d labelled snapshots (%d churned within %d days) by model %s.%n"
                + "Held-out ROC AUC %.3f (the hand-made scorecard: %.3f).",
            report.getSamples(), report.getPositives(), report.getHorizonDays(), report.getModelId(), report.getAuc(),
            report.getBaselineAuc());
    return report.toBuilder()
        .setLearnedScorecardYaml(ScorecardYaml.write(report.getLearnedScorecard(), comment))
        .build();
  }

  /** A learned model's ROC AUC on snapshots it never saw. */
  public record RecentAuc(String modelId, double auc, int samples) {}

  /**
   * The active learned model measured on the labelled snapshots taken after it was trained (their
   * outcomes came later, so it never saw them); empty without such a model or without at least
   * 20 such snapshots in its scope, 2 of each class.
   */
  public Optional<RecentAuc> measureRecentAuc() {
    LearnedChurnModel model = models.learned().orElse(null);
    if (model == null) {
      return Optional.empty();
    }
    List<LabeledSnapshot> recent;
    try {
      recent = samples(model.horizonDays(), model.trainedAtMillis(), Long.MAX_VALUE, FeatureSelection.everything());
    } catch (FailedPreconditionException e) {
      return Optional.empty();
    }
    List<Double> p = new ArrayList<>();
    List<Boolean> y = new ArrayList<>();
    int positives = 0;
    for (LabeledSnapshot s : recent) {
      if (model.inScope(s.snapshot().segment())) {
        p.add(model.churnProbability(s.snapshot()));
        y.add(s.churned());
        positives += s.churned() ? 1 : 0;
      }
    }
    if (p.size() < 20 || positives < 2 || p.size() - positives < 2) {
      return Optional.empty();
    }
    boolean[] churned = new boolean[y.size()];
    for (int i = 0; i < churned.length; i++) {
      churned[i] = y.get(i);
    }
    double auc = Auc.of(p.stream().mapToDouble(Double::doubleValue).toArray(), churned);
    return Optional.of(new RecentAuc(model.modelId(), auc, p.size()));
  }

  /** The active learned model's age, recent AUC, score stability and recalibration state. */
  public GetModelHealthResponse modelHealth() {
    GetModelHealthResponse.Builder out = GetModelHealthResponse.newBuilder();
    drift.health().ifPresent(h -> {
      ModelHealth.Builder health = ModelHealth.newBuilder()
          .setModelId(h.modelId())
          .setTrainedAt(Timestamps.fromMillis(h.trainedAtMillis()))
          .setAgeDays(h.ageDays())
          .setRecalibrationDue(!h.dueReasons().isEmpty())
          .addAllReasons(h.dueReasons())
          .setRecalibrationAgeDays(drift.recalibrationAge().toDays())
          .setAucFloor(drift.aucFloor());
      h.heldOutAuc().ifPresent(health::setAuc);
      if (!Double.isNaN(h.recentAuc())) {
        health.setRecentAuc(h.recentAuc());
      }
      if (!Double.isNaN(h.scorePsi())) {
        health.setScorePsi(h.scorePsi());
      }
      out.setHealth(health);
    });
    return out.build();
  }

  public ListModelsResponse listModels(ListModelsRequest request) {
    return ListModelsResponse.newBuilder().addAllModels(governance.list(request.getScorecardId())).build();
  }

  public GetModelResponse getModel(GetModelRequest request) {
    requireId(request.getModelId(), "model_id");
    ModelInfo info =
        governance.get(request.getModelId()).orElseThrow(() -> new NotFoundException("model " + request.getModelId() + " not found"));
    return GetModelResponse.newBuilder().setModel(info).build();
  }

  /**
   * Serves a stored model. A points model brings back the scorecard it learned: that content
   * becomes the scorecard's next version unless the latest already says the same, so a rollback
   * serves exactly what was served when the model was active.
   */
  public ActivateModelResponse activateModel(ActivateModelRequest request) {
    requireId(request.getModelId(), "model_id");
    ModelInfo model = governance.activate(request.getModelId(), request.getForce(), request.getShadow());
    if (!request.getShadow() && model.getReport().hasLearnedScorecard()) {
      admin.putIfChanged(model.getReport().getLearnedScorecard(), "model.report.learned_scorecard.")
          .ifPresent(restored -> rescores.restartFor(restored.getScorecardId()));
    }
    return ActivateModelResponse.newBuilder().setModel(model).build();
  }

  public BacktestResponse backtest(BacktestRequest request) {
    Violations v = new Violations();
    v.check(!request.getScorecardId().isEmpty() || !request.getModelId().isEmpty(), "scorecard_id",
        "set scorecard_id or model_id");
    v.check(request.getHorizonDays() >= 0 && request.getHorizonDays() <= MAX_DAYS, "horizon_days",
        "must be between 1 and " + MAX_DAYS);
    v.check(request.getFolds() == 0 || (request.getFolds() >= 2 && request.getFolds() <= 20), "folds",
        "must be 0 (the model as stored) or between 2 and 20");
    v.check(request.getFolds() == 0 || !request.hasSplitTime(), "split_time", "choose folds or split_time, not both");
    long start = request.hasStartTime() ? RequestTimes.millis("start_time", request.getStartTime()) : Long.MIN_VALUE;
    long end = request.hasEndTime() ? RequestTimes.millis("end_time", request.getEndTime()) : Long.MAX_VALUE;
    if (request.hasSplitTime()) {
      RequestTimes.millis("split_time", request.getSplitTime());
    }
    v.check(start <= end, "start_time", "must not be after end_time");
    BandSuggestions.Targets targets =
        targets(
            v,
            "",
            request.hasTargetGreenChurnRate() ? request.getTargetGreenChurnRate() : null,
            request.hasTargetRedChurnRate() ? request.getTargetRedChurnRate() : null);
    v.throwIfAny("invalid Backtest request");
    int horizon = request.getHorizonDays() == 0 ? DEFAULT_HORIZON_DAYS : request.getHorizonDays();
    List<LabeledSnapshot> samples =
        samples(horizon, start, end, backtestReads(request.getScorecardId(), request.getModelId(), request.getCompareModelId()));
    BacktestResponse.Builder response = BacktestResponse.newBuilder();
    response.setReport(
        backtestOne(request.getScorecardId(), request.getModelId(), request, samples, horizon, targets));
    if (!request.getCompareModelId().isEmpty()) {
      response.setComparison(backtestOne("", request.getCompareModelId(), request, samples, horizon, targets));
    }
    return response.build();
  }

  /**
   * What a backtest reads: a scorecard's features (that of the scorecard a logistic model belongs
   * to), everything when a learned model takes part (its refits learn from every feature).
   */
  private FeatureSelection backtestReads(String scorecardId, String... modelIds) {
    List<CompiledScorecard> cards = new ArrayList<>();
    if (!scorecardId.isEmpty()) {
      cards.add(scorecard(scorecardId));
    }
    for (String modelId : modelIds) {
      if (modelId.isEmpty()) {
        continue;
      }
      StoredModel stored =
          modelStore.get(modelId).orElseThrow(() -> new NotFoundException("model " + modelId + " not found"));
      if (LearnedChurnModel.isLearned(stored.body())) {
        return FeatureSelection.everything();
      }
      cards.add(scorecard(stored.scorecardId()));
    }
    return FeatureDemand.of(cards);
  }

  private BacktestReport backtestOne(
      String scorecardId,
      String modelId,
      BacktestRequest request,
      List<LabeledSnapshot> samples,
      int horizon,
      BandSuggestions.Targets targets) {
    if (modelId.isEmpty()) {
      return Backtester.run(scorecard(scorecardId), null, samples, horizon);
    }
    StoredModel stored =
        modelStore.get(modelId).orElseThrow(() -> new NotFoundException("model " + modelId + " not found"));
    if (LearnedChurnModel.isLearned(stored.body())) {
      LearnedChurnModel model = LearnedChurnModel.fromBytes(stored.body());
      List<LabeledSnapshot> inScope = new ArrayList<>();
      for (LabeledSnapshot s : samples) {
        if (model.inScope(s.snapshot().segment())) {
          inScope.add(s);
        }
      }
      LearnedBacktester.BacktestBands bands = new LearnedBacktester.BacktestBands(model.bands(), targets);
      if (request.getFolds() > 0) {
        return LearnedBacktester.kFold(modelId, inScope, horizon, request.getFolds(), settings, bands);
      }
      if (request.hasSplitTime()) {
        return LearnedBacktester.timeSplit(
            modelId, inScope, horizon, Timestamps.toMillis(request.getSplitTime()), settings, bands);
      }
      return LearnedBacktester.asStored(model, inScope, horizon, targets);
    }
    if (!scorecardId.isEmpty() && !scorecardId.equals(stored.scorecardId())) {
      throw InvalidArgumentException.forField(
          "model_id", "belongs to scorecard " + stored.scorecardId() + ", not " + scorecardId);
    }
    return Backtester.run(scorecard(stored.scorecardId()), ChurnModel.fromBytes(stored.body()), samples, horizon);
  }

  /** Adds the learned models' view of an account to its explanation. */
  public void explainChurn(AccountInfo account, ExplainScoreResponse.Builder response) {
    if (models.learned().isEmpty() && models.shadow().isEmpty()) {
      return;
    }
    AccountSnapshot snapshot = signals.current(List.of(account), FeatureSelection.everything()).get(0);
    models.learned()
        .filter(m -> m.inScope(account.segment()))
        .ifPresent(m -> response.addAllChurnDrivers(m.drivers(snapshot)));
    models.shadow()
        .filter(m -> m.inScope(account.segment()))
        .ifPresent(
            m -> response.setShadowModelId(m.modelId()).setShadowChurnProbability(m.churnProbability(snapshot)));
  }

  public ForecastRetentionResponse forecastRetention(ForecastRetentionRequest request) {
    Violations v = new Violations();
    v.check(request.getPeriodDays() >= 0 && request.getPeriodDays() <= MAX_DAYS, "period_days",
        "must be between 1 and " + MAX_DAYS);
    v.check(request.getGrouping() != ForecastGrouping.UNRECOGNIZED, "grouping", "unknown grouping");
    v.check(request.getTopAccounts() >= 0 && request.getTopAccounts() <= 100, "top_accounts", "must be between 0 and 100");
    v.throwIfAny("invalid ForecastRetention request");
    if (!request.getScorecardId().isEmpty()) {
      scorecard(request.getScorecardId());
    }
    int period = request.getPeriodDays() == 0 ? DEFAULT_HORIZON_DAYS : request.getPeriodDays();
    double[] rates = expansionAndContractionRates(period);
    List<ForecastInput> inputs = new ArrayList<>();
    Set<String> modelsUsed = new LinkedHashSet<>();
    long now = clock.millis();
    long periodEnd = now + period * DAY;
    scores.forEach(
        request.getScorecardId().isEmpty() ? null : request.getScorecardId(),
        row -> {
          Optional<AccountInfo> account = directory.cached(row.accountId());
          if (request.getRenewingOnly()
              && !account.map(a -> a.renewal().renewsWithin(now, periodEnd)).orElse(false)) {
            return;
          }
          String owner = account.map(AccountInfo::owner).orElse("");
          double probability;
          if (!Double.isNaN(row.churnProbability())) {
            int horizon = models.horizonOf(row.modelId(), row.scorecardId()).orElse(DEFAULT_HORIZON_DAYS);
            long nextRenewal = account.map(a -> a.renewal().nextRenewalMillis(now)).orElse(-1L);
            probability = RetentionForecaster.periodProbability(row.churnProbability(), horizon, period, now, nextRenewal);
            modelsUsed.add(row.modelId());
          } else {
            probability = RetentionForecaster.scale(ScoreViews.bandChurnRate(row.band()), DEFAULT_HORIZON_DAYS, period);
          }
          inputs.add(
              new ForecastInput(
                  row.accountId(), row.segment(), owner, row.band(), row.mrr(), probability, rates[0], rates[1]));
        });
    int top = request.getTopAccounts() == 0 ? 10 : request.getTopAccounts();
    ForecastRetentionResponse forecast = RetentionForecaster.forecast(inputs, period, request.getGrouping(), top);
    String method = modelsUsed.isEmpty() ? "band rates" : "model " + String.join(", ", modelsUsed);
    return forecast.toBuilder().setMethod(method).build();
  }

  /** Expansion and contraction over the last year, as shares of today's MRR per period. */
  private double[] expansionAndContractionRates(int period) {
    long since = clock.millis() - 365 * DAY;
    double expansion = 0;
    double contraction = 0;
    for (Outcome o : signals.allOutcomes()) {
      if (Timestamps.toMillis(o.getOccurredAt()) < since) {
        continue;
      }
      if (o.getType() == OutcomeType.OUTCOME_TYPE_EXPANDED) {
        expansion += Math.abs(o.getMrrDelta());
      } else if (o.getType() == OutcomeType.OUTCOME_TYPE_CONTRACTED) {
        contraction += Math.abs(o.getMrrDelta());
      }
    }
    double mrr = 0;
    for (AccountInfo a : directory.all()) {
      mrr += Math.max(0, a.mrr());
    }
    if (mrr <= 0) {
      return new double[] {0, 0};
    }
    double scale = period / 365.0;
    return new double[] {expansion / mrr * scale, contraction / mrr * scale};
  }

  /** The labelled snapshots taken in [start, end), read in bulk with {@code wanted}. */
  private List<LabeledSnapshot> samples(int horizon, long start, long end, FeatureSelection wanted) {
    SignalsFeatureSource source = new SignalsFeatureSource(signals, signals, directory, wanted);
    if (source.outcomes().isEmpty()) {
      throw new FailedPreconditionException(
          "no outcomes recorded: record renewals and churns with RecordOutcomes first");
    }
    List<LabeledSnapshot> samples = TrainingSet.build(source, horizon, clock.millis(), SNAPSHOT_EVERY_DAYS, start, end);
    if (samples.isEmpty()) {
      throw new FailedPreconditionException(
          "no account snapshot with a known outcome within the horizon: nothing to learn from");
    }
    return samples;
  }

  /** Band targets of a request (null when neither is set), checked into {@code v}. */
  private static BandSuggestions.Targets targets(Violations v, String prefix, Double green, Double red) {
    if (green == null && red == null) {
      return null;
    }
    v.check(green != null, prefix + "target_green_churn_rate", "must be set with target_red_churn_rate");
    v.check(red != null, prefix + "target_red_churn_rate", "must be set with target_green_churn_rate");
    if (green == null || red == null) {
      return null;
    }
    v.check(green >= 0 && green <= 1, prefix + "target_green_churn_rate", "must be between 0 and 1");
    v.check(red >= 0 && red <= 1, prefix + "target_red_churn_rate", "must be between 0 and 1");
    v.check(green < red, prefix + "target_red_churn_rate", "must be above target_green_churn_rate");
    return new BandSuggestions.Targets(green, red);
  }

  private CompiledScorecard scorecard(String scorecardId) {
    if (scorecardId.isEmpty()) {
      throw InvalidArgumentException.forField("scorecard_id", "is required");
    }
    return scorecards.get(scorecardId).orElseThrow(() -> new NotFoundException("scorecard " + scorecardId + " not found"));
  }

  private static void requireId(String value, String field) {
    if (value.isEmpty()) {
      throw InvalidArgumentException.forField(field, "is required");
    }
  }
}

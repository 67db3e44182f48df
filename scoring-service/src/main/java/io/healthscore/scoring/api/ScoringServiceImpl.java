package io.healthscore.scoring.api;

import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Timestamps;
import io.grpc.stub.StreamObserver;
import io.healthscore.runtime.api.PageTokens;
import io.healthscore.runtime.api.RequestTimes;
import io.healthscore.runtime.error.FailedPreconditionException;
import io.healthscore.runtime.error.InvalidArgumentException;
import io.healthscore.runtime.error.NotFoundException;
import io.healthscore.runtime.error.Violations;
import io.healthscore.runtime.stream.CursorLog;
import io.healthscore.runtime.stream.CursorStreamHub;
import io.healthscore.scoring.cache.CachedScore;
import io.healthscore.scoring.engine.AccountSnapshot;
import io.healthscore.scoring.engine.Bands;
import io.healthscore.scoring.engine.CompiledScorecard;
import io.healthscore.scoring.engine.ComputedScore;
import io.healthscore.scoring.engine.FeatureNames;
import io.healthscore.scoring.engine.MetricCatalog;
import io.healthscore.scoring.engine.ScoreExplainer;
import io.healthscore.scoring.engine.ScoringContext;
import io.healthscore.scoring.engine.SegmentDistributions;
import io.healthscore.scoring.feed.SignalsFeedStatus;
import io.healthscore.scoring.rescore.RescoreJob;
import io.healthscore.scoring.rescore.RescoreJobs;
import io.healthscore.scoring.scoring.FeatureDemand;
import io.healthscore.scoring.scoring.ScorecardAdmin;
import io.healthscore.scoring.scoring.ScorecardRegistry;
import io.healthscore.scoring.scoring.Scorer;
import io.healthscore.scoring.store.HistoryPoint;
import io.healthscore.scoring.store.OverrideRecord;
import io.healthscore.scoring.store.OverrideStore;
import io.healthscore.scoring.store.ScoreChangeLog;
import io.healthscore.scoring.store.ScoreHistoryStore;
import io.healthscore.scoring.store.ScoreQuery;
import io.healthscore.scoring.store.ScoreStore;
import io.healthscore.scoring.store.ScorecardStore;
import io.healthscore.scoring.store.StoredScore;
import io.healthscore.scoring.upstream.AccountDirectory;
import io.healthscore.scoring.upstream.AccountInfo;
import io.healthscore.scoring.upstream.SignalsClient;
import io.healthscore.v1.ActivateModelRequest;
import io.healthscore.v1.ActivateModelResponse;
import io.healthscore.v1.BacktestRequest;
import io.healthscore.v1.BacktestResponse;
import io.healthscore.v1.Band;
import io.healthscore.v1.BatchGetScoresRequest;
import io.healthscore.v1.BatchGetScoresResponse;
import io.healthscore.v1.CalibrateRequest;
import io.healthscore.v1.CalibrateResponse;
import io.healthscore.v1.CancelRescoreRequest;
import io.healthscore.v1.CancelTrainingRequest;
import io.healthscore.v1.CancelTrainingResponse;
import io.healthscore.v1.GetTrainingRequest;
import io.healthscore.v1.GetTrainingResponse;
import io.healthscore.v1.StartTrainingRequest;
import io.healthscore.v1.StartTrainingResponse;
import io.healthscore.v1.CancelRescoreResponse;
import io.healthscore.v1.ClearOverrideRequest;
import io.healthscore.v1.ClearOverrideResponse;
import io.healthscore.v1.Driver;
import io.healthscore.v1.ExplainScoreRequest;
import io.healthscore.v1.ExplainScoreResponse;
import io.healthscore.v1.ForecastRetentionRequest;
import io.healthscore.v1.ForecastRetentionResponse;
import io.healthscore.v1.GetModelRequest;
import io.healthscore.v1.GetModelResponse;
import io.healthscore.v1.GetRescoreRequest;
import io.healthscore.v1.GetRescoreResponse;
import io.healthscore.v1.GetScoreHistoryRequest;
import io.healthscore.v1.GetScoreHistoryResponse;
import io.healthscore.v1.GetScoreRequest;
import io.healthscore.v1.GetScoreResponse;
import io.healthscore.v1.GetScorecardRequest;
import io.healthscore.v1.GetScorecardResponse;
import io.healthscore.v1.HealthScore;
import io.healthscore.v1.ListModelsRequest;
import io.healthscore.v1.GetModelHealthRequest;
import io.healthscore.v1.GetModelHealthResponse;
import io.healthscore.v1.ListModelsResponse;
import io.healthscore.v1.ListScorecardsRequest;
import io.healthscore.v1.ListScorecardsResponse;
import io.healthscore.v1.ListScoresRequest;
import io.healthscore.v1.ListScoresResponse;
import io.healthscore.v1.Measure;
import io.healthscore.v1.PutScorecardRequest;
import io.healthscore.v1.PutScorecardResponse;
import io.healthscore.v1.ScoreChange;
import io.healthscore.v1.ScoreDistribution;
import io.healthscore.v1.ScoreOrder;
import io.healthscore.v1.ScorePoint;
import io.healthscore.v1.Scorecard;
import io.healthscore.v1.ScoringServiceGrpc;
import io.healthscore.v1.SetOverrideRequest;
import io.healthscore.v1.SetOverrideResponse;
import io.healthscore.v1.StartRescoreRequest;
import io.healthscore.v1.StartRescoreResponse;
import io.healthscore.v1.ValidateScorecardRequest;
import io.healthscore.v1.ValidateScorecardResponse;
import io.healthscore.v1.WatchScoresRequest;
import io.healthscore.v1.WatchScoresResponse;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every ScoringService RPC. Handlers validate, then delegate: reads to the Scorer (cache, store,
 * compute), scorecards to ScorecardAdmin, learning, backtests and forecasts to LearningApi, rescoring to
 * RescoreJobs. Failures are thrown as ApiExceptions; the runtime maps them to statuses.
 */
public final class ScoringServiceImpl extends ScoringServiceGrpc.ScoringServiceImplBase {
  static final int MAX_BATCH = 1000;
  static final int DEFAULT_PAGE = 100;
  private static final String SCORES_TOKEN = "scores";
  static final int DEFAULT_HISTORY_PAGE = 1000;
  static final int MAX_PREVIEW = 10_000;

  private final ScorecardAdmin admin;
  private final ScorecardStore scorecardStore;
  private final ScorecardRegistry scorecards;
  private final Scorer scorer;
  private final AccountDirectory directory;
  private final SignalsClient signals;
  private final ScoreStore scores;
  private final ScoreHistoryStore history;
  private final OverrideStore overrides;
  private final LearningApi learning;
  private final ScoreChangeLog changes;
  private final RescoreJobs rescores;
  private final Clock clock;
  private final SignalsFeedStatus feed;
  private final CursorStreamHub<ScoreChange> watches;

  public ScoringServiceImpl(
      ScorecardAdmin admin,
      ScorecardStore scorecardStore,
      ScorecardRegistry scorecards,
      Scorer scorer,
      AccountDirectory directory,
      SignalsClient signals,
      ScoreStore scores,
      ScoreHistoryStore history,
      OverrideStore overrides,
      LearningApi learning,
      ScoreChangeLog changes,
      RescoreJobs rescores,
      SignalsFeedStatus feed,
      Clock clock) {
    this.admin = admin;
    this.scorecardStore = scorecardStore;
    this.scorecards = scorecards;
    this.scorer = scorer;
    this.directory = directory;
    this.signals = signals;
    this.scores = scores;
    this.history = history;
    this.overrides = overrides;
    this.learning = learning;
    this.changes = changes;
    this.watches =
        new CursorStreamHub<>(
            "watch-scores", CursorLog.of(changes::read, ScoreChange::getCursor, changes::lastCursor));
    changes.addListener(watches::wakeAll);
    this.rescores = rescores;
    this.feed = feed;
    this.clock = clock;
  }

  /**
   * Since when the change feed has been out, for every score a request serves; null while it is
   * followed. Read once per request so all its scores agree.
   */
  private Timestamp signalsUnreachableSince() {
    return feed.unreachableSince().map(t -> Timestamps.fromMillis(t.toEpochMilli())).orElse(null);
  }

  /** The score as served: marked as possibly behind its signals while the feed is out. */
  private static HealthScore served(HealthScore score, Timestamp unreachableSince) {
    return unreachableSince == null ? score : score.toBuilder().setSignalsUnreachableSince(unreachableSince).build();
  }

  // ---- reads ----

  @Override
  public void getScore(GetScoreRequest request, StreamObserver<GetScoreResponse> out) {
    requireId(request.getAccountId(), "account_id");
    AccountInfo account = account(request.getAccountId());
    CachedScore score = scorer.current(account, scorecardFor(account, request.getScorecardId()));
    reply(out, GetScoreResponse.newBuilder().setScore(served(scorer.view(score), signalsUnreachableSince())).build());
  }

  @Override
  public void batchGetScores(BatchGetScoresRequest request, StreamObserver<BatchGetScoresResponse> out) {
    Violations v = new Violations();
    v.check(request.getAccountIdsCount() > 0, "account_ids", "must name at least one account");
    v.check(request.getAccountIdsCount() <= MAX_BATCH, "account_ids", "at most " + MAX_BATCH + " accounts");
    for (int i = 0; i < request.getAccountIdsCount(); i++) {
      v.check(!request.getAccountIds(i).isEmpty(), "account_ids[" + i + "]", "must not be empty");
    }
    v.throwIfAny("invalid BatchGetScores request");
    CompiledScorecard only = request.getScorecardId().isEmpty() ? null : scorecard(request.getScorecardId());
    Timestamp unreachableSince = signalsUnreachableSince();
    BatchGetScoresResponse.Builder response = BatchGetScoresResponse.newBuilder();
    Map<String, AccountInfo> known = directory.getAll(request.getAccountIdsList());
    List<AccountInfo> accounts = new ArrayList<>();
    List<CompiledScorecard> cards = new ArrayList<>();
    for (String id : request.getAccountIdsList()) {
      AccountInfo account = known.get(id);
      if (account == null) {
        response.addMissingAccountIds(id);
        continue;
      }
      CompiledScorecard card =
          only != null
              ? (scorecards.applies(only, account) ? only : null)
              : scorecards.primaryFor(account).orElse(null);
      if (card != null) {
        accounts.add(account);
        cards.add(card);
      }
    }
    for (CachedScore score : scorer.currentAll(accounts, cards)) {
      response.addScores(served(scorer.view(score), unreachableSince));
    }
    reply(out, response.build());
  }

  @Override
  public void listScores(ListScoresRequest request, StreamObserver<ListScoresResponse> out) {
    Violations v = new Violations();
    v.check(request.getPageSize() >= 0, "page_size", "must not be negative");
    if (request.hasMinScore() && request.hasMaxScore()) {
      v.check(request.getMinScore() <= request.getMaxScore(), "min_score", "must not exceed max_score");
    }
    for (int i = 0; i < request.getBandsCount(); i++) {
      v.check(request.getBands(i) != Band.BAND_UNSPECIFIED && request.getBands(i) != Band.UNRECOGNIZED,
          "bands[" + i + "]", "must be BAND_RED, BAND_YELLOW or BAND_GREEN");
    }
    v.check(request.getOrder() != ScoreOrder.UNRECOGNIZED, "order", "unknown order");
    v.throwIfAny("invalid ListScores request");
    if (!request.getScorecardId().isEmpty()) {
      scorecard(request.getScorecardId());
    }
    int size = request.getPageSize() == 0 ? DEFAULT_PAGE : Math.min(request.getPageSize(), MAX_BATCH);
    Set<Band> bands = request.getBandsCount() == 0 ? Set.of() : EnumSet.copyOf(request.getBandsList());
    ScoreOrder order =
        request.getOrder() == ScoreOrder.SCORE_ORDER_UNSPECIFIED ? ScoreOrder.SCORE_ORDER_SCORE_ASC : request.getOrder();
    String fingerprint =
        Integer.toHexString(
            List.of(request.getScorecardId(), new TreeSet<>(bands).toString(), request.getSegment(),
                    String.valueOf(request.hasMinScore() ? request.getMinScore() : null),
                    String.valueOf(request.hasMaxScore() ? request.getMaxScore() : null), order.name())
                .hashCode());
    ScoreQuery base =
        new ScoreQuery(
            request.getScorecardId().isEmpty() ? null : request.getScorecardId(),
            bands,
            request.getSegment().isEmpty() ? null : request.getSegment(),
            request.hasMinScore() ? request.getMinScore() : Double.NaN,
            request.hasMaxScore() ? request.getMaxScore() : Double.NaN,
            order,
            size + 1,
            PageTokens.decode(SCORES_TOKEN, request.getPageToken())
                .map(p -> scorePosition(p, fingerprint))
                .orElse(null));
    List<StoredScore> rows = scores.page(base);
    Timestamp unreachableSince = signalsUnreachableSince();
    ListScoresResponse.Builder response = ListScoresResponse.newBuilder().setTotalSize(scores.count(base));
    for (int i = 0; i < Math.min(size, rows.size()); i++) {
      response.addScores(served(storedView(rows.get(i)), unreachableSince));
    }
    if (rows.size() > size) {
      StoredScore last = rows.get(size - 1);
      response.setNextPageToken(
          PageTokens.encode(SCORES_TOKEN, fingerprint, ScoreStore.sortValue(last, order), last.accountId()));
    }
    reply(out, response.build());
  }

  /** Where the previous ListScores page ended; its filters and order must be the request's. */
  private static ScoreQuery.Position scorePosition(PageTokens.Position token, String fingerprint) {
    if (!token.text(0).equals(fingerprint)) {
      throw PageTokens.invalid("belongs to a query with other filters or order");
    }
    return new ScoreQuery.Position(token.decimal(1), token.text(2));
  }

  /**
   * A listed row as served: the live score when the scorecard is active and applies to the account,
   * else the stored row (a row a rescore is about to remove is not computed again).
   */
  private HealthScore storedView(StoredScore row) {
    var card = scorecards.get(row.scorecardId());
    var account = directory.cached(row.accountId());
    if (card.isPresent() && account.isPresent() && scorecards.applies(card.get(), account.get())) {
      return scorer.view(scorer.current(account.get(), card.get()));
    }
    HealthScore.Builder b =
        HealthScore.newBuilder()
            .setAccountId(row.accountId())
            .setScorecardId(row.scorecardId())
            .setScorecardVersion(row.scorecardVersion())
            .setScore(row.score())
            .setBand(row.band())
            .setComputedScore(row.computedScore())
            .setComputedBand(row.computedBand())
            .setCoverage(row.coverage())
            .setNoData(row.noData())
            .setPrimary(row.primary())
            .setRolledUp(row.rolledUp())
            .setComputedAt(Timestamps.fromMillis(row.computedAtMillis()));
    if (!Double.isNaN(row.churnProbability())) {
      b.setChurnProbability(row.churnProbability()).setModelId(row.modelId());
    }
    return b.build();
  }

  @Override
  public void getScoreHistory(GetScoreHistoryRequest request, StreamObserver<GetScoreHistoryResponse> out) {
    Violations v = new Violations();
    v.check(!request.getAccountId().isEmpty(), "account_id", "is required");
    v.check(request.getPageSize() >= 0, "page_size", "must not be negative");
    long start = request.hasStartTime() ? RequestTimes.millis("start_time", request.getStartTime()) : Long.MIN_VALUE;
    long end = request.hasEndTime() ? RequestTimes.millis("end_time", request.getEndTime()) : Long.MAX_VALUE;
    v.check(start <= end, "start_time", "must not be after end_time");
    v.throwIfAny("invalid GetScoreHistory request");
    AccountInfo account = account(request.getAccountId());
    CompiledScorecard card = scorecardFor(account, request.getScorecardId());
    int size = request.getPageSize() == 0 ? DEFAULT_HISTORY_PAGE : Math.min(request.getPageSize(), 10_000);
    GetScoreHistoryResponse.Builder response =
        GetScoreHistoryResponse.newBuilder().setAccountId(account.accountId()).setScorecardId(card.id());
    for (HistoryPoint p : history.points(account.accountId(), card.id(), start, end, size)) {
      response.addPoints(
          ScorePoint.newBuilder()
              .setScore(p.score())
              .setBand(p.band())
              .setComputedScore(p.computedScore())
              .setCoverage(p.coverage())
              .setComputedAt(Timestamps.fromMillis(p.computedAtMillis()))
              .setScorecardVersion(p.scorecardVersion())
              .setOverridden(p.overridden()));
    }
    reply(out, response.build());
  }

  @Override
  public void explainScore(ExplainScoreRequest request, StreamObserver<ExplainScoreResponse> out) {
    requireId(request.getAccountId(), "account_id");
    AccountInfo account = account(request.getAccountId());
    HealthScore score =
        served(scorer.view(scorer.current(account, scorecardFor(account, request.getScorecardId()))), signalsUnreachableSince());
    ExplainScoreResponse.Builder response =
        ExplainScoreResponse.newBuilder()
            .setScore(score)
            .setSummary(ScoreExplainer.summary(score))
            .addAllLines(ScoreExplainer.lines(score));
    for (Driver d : score.getDriversList()) {
      if (d.getMissing()) {
        response.addMissingMeasures(d.getName().isEmpty() ? d.getMeasureId() : d.getName());
      }
      if (d.getStale()) {
        response.addStaleMeasures(d.getName().isEmpty() ? d.getMeasureId() : d.getName());
      }
    }
    learning.explainChurn(account, response);
    reply(out, response.build());
  }

  @Override
  public void watchScores(WatchScoresRequest request, StreamObserver<WatchScoresResponse> out) {
    if (request.getAfterCursor() < 0) {
      throw InvalidArgumentException.forField("after_cursor", "must not be negative");
    }
    watches.open(
        request.getAfterCursor(), out, change -> WatchScoresResponse.newBuilder().setChange(change).build());
  }

  /** Ends every WatchScores stream normally so clients reconnect elsewhere (server draining). */
  public void closeWatches() {
    watches.close();
  }

  // ---- scorecards ----

  @Override
  public void putScorecard(PutScorecardRequest request, StreamObserver<PutScorecardResponse> out) {
    if (!request.hasScorecard()) {
      throw InvalidArgumentException.forField("scorecard", "is required");
    }
    Scorecard stored = admin.put(request.getScorecard(), "scorecard.");
    RescoreJob job = rescores.restartFor(stored.getScorecardId());
    reply(
        out,
        PutScorecardResponse.newBuilder()
            .setScorecard(stored)
            .setAccountsAffected(job.toProto().getTotal())
            .build());
  }

  @Override
  public void getScorecard(GetScorecardRequest request, StreamObserver<GetScorecardResponse> out) {
    Violations v = new Violations();
    v.check(!request.getScorecardId().isEmpty(), "scorecard_id", "is required");
    v.check(request.getVersion() >= 0, "version", "must not be negative");
    v.throwIfAny("invalid GetScorecard request");
    Scorecard sc =
        scorecardStore
            .get(request.getScorecardId(), request.getVersion())
            .orElseThrow(
                () ->
                    new NotFoundException(
                        "scorecard " + request.getScorecardId()
                            + (request.getVersion() > 0 ? " version " + request.getVersion() : "")
                            + " not found"));
    reply(out, GetScorecardResponse.newBuilder().setScorecard(sc).build());
  }

  @Override
  public void listScorecards(ListScorecardsRequest request, StreamObserver<ListScorecardsResponse> out) {
    reply(out, ListScorecardsResponse.newBuilder().addAllScorecards(scorecardStore.listLatest()).build());
  }

  @Override
  public void validateScorecard(ValidateScorecardRequest request, StreamObserver<ValidateScorecardResponse> out) {
    Violations v = new Violations();
    v.check(request.hasScorecard(), "scorecard", "is required");
    v.check(request.getPreviewSampleSize() >= 0, "preview_sample_size", "must not be negative");
    v.throwIfAny("invalid ValidateScorecard request");
    Scorecard sc = request.getScorecard().toBuilder().clearVersion().clearUpdateTime().build();
    ScorecardAdmin.validate(sc, "scorecard.");
    CompiledScorecard compiled = CompiledScorecard.compile(sc.toBuilder().setVersion(0).build());
    int sampleSize = request.getPreviewSampleSize() == 0 ? 1000 : Math.min(request.getPreviewSampleSize(), MAX_PREVIEW);
    List<AccountInfo> sample = new ArrayList<>();
    for (AccountInfo a : directory.all()) {
      if (sample.size() == sampleSize) {
        break;
      }
      if (compiled.appliesTo(a.segment(), a.lifecycleStage())) {
        sample.add(a);
      }
    }
    List<AccountSnapshot> snapshots = signals.current(sample, FeatureDemand.of(List.of(compiled)));
    MetricCatalog portfolio = scorer.portfolioMetrics();
    ScoringContext ctx = new ScoringContext(clock.millis(), SegmentDistributions.build(compiled, snapshots), portfolio);
    ScoreDistribution.Builder d = ScoreDistribution.newBuilder();
    long[] histogram = new long[10];
    double sum = 0;
    double coverage = 0;
    Set<String> seenFeatures = new HashSet<>();
    for (AccountSnapshot s : snapshots) {
      seenFeatures.addAll(s.features().keySet());
      seenFeatures.addAll(s.labels().keySet());
      ComputedScore c = compiled.score(s, ctx, Band.BAND_UNSPECIFIED);
      sum += c.score();
      coverage += c.coverage();
      histogram[Math.max(0, Math.min(9, (int) Math.floor(c.score()) - 1))]++;
      switch (c.computedBand()) {
        case BAND_RED -> d.setRed(d.getRed() + 1);
        case BAND_YELLOW -> d.setYellow(d.getYellow() + 1);
        default -> d.setGreen(d.getGreen() + 1);
      }
    }
    d.setAccounts(snapshots.size());
    if (!snapshots.isEmpty()) {
      d.setMean(sum / snapshots.size()).setMeanCoverage(coverage / snapshots.size());
    }
    for (long h : histogram) {
      d.addHistogram(h);
    }
    ValidateScorecardResponse.Builder response = ValidateScorecardResponse.newBuilder().setValid(true).setPreview(d);
    Set<String> neverSent = new LinkedHashSet<>();
    compiled.metricsReadByMeasure().forEach((measure, metrics) -> {
      for (String metric : metrics) {
        if (!portfolio.everSent(metric) && neverSent.add(metric)) {
          response.addWarnings("measure " + measure + ": no account has ever sent metric " + metric
              + "; the measure counts as no data until one does");
        }
      }
    });
    if (snapshots.isEmpty()) {
      response.addWarnings("no current account matches the scorecard's segments and stages; the preview is empty");
    } else {
      Set<String> warned = new LinkedHashSet<>();
      for (int i = 0; i < compiled.measureCount(); i++) {
        Measure m = compiled.measure(i);
        for (String f : List.of(m.getFeature(), m.getDenominatorFeature())) {
          if (!f.isEmpty() && !seenFeatures.contains(f) && !neverSent.contains(FeatureNames.metricOf(f)) && warned.add(f)) {
            response.addWarnings("measure " + m.getMeasureId() + ": no sampled account has feature " + f);
          }
        }
      }
    }
    reply(out, response.build());
  }

  // ---- overrides ----

  /** The width of the set_by and actor columns. */
  static final int MAX_OVERRIDE_ACTOR = 256;
  /** An override's reason: a few sentences for the audit trail. */
  static final int MAX_OVERRIDE_REASON = 2000;

  private static void checkOverrideText(String text, String field, int max, Violations v) {
    v.check(text.strip().length() <= max, field, "must be at most " + max + " characters");
  }

  @Override
  public void setOverride(SetOverrideRequest request, StreamObserver<SetOverrideResponse> out) {
    long now = clock.millis();
    Violations v = new Violations();
    v.check(!request.getAccountId().isEmpty(), "account_id", "is required");
    v.check(!request.getReason().isBlank(), "reason", "is required");
    boolean hasBand = request.getBand() != Band.BAND_UNSPECIFIED;
    v.check(request.hasScore() || hasBand, "score", "set score or band");
    if (request.hasScore()) {
      v.check(request.getScore() >= 1 && request.getScore() <= 10, "score", "must be between 1 and 10");
    }
    v.check(request.getBand() != Band.UNRECOGNIZED, "band", "unknown band");
    checkOverrideText(request.getReason(), "reason", MAX_OVERRIDE_REASON, v);
    checkOverrideText(request.getSetBy(), "set_by", MAX_OVERRIDE_ACTOR, v);
    if (request.hasExpireTime()
        && v.check(Timestamps.isValid(request.getExpireTime()), "expire_time", "is not a valid timestamp")) {
      v.check(Timestamps.toMillis(request.getExpireTime()) > now, "expire_time", "must be in the future");
    }
    v.throwIfAny("invalid SetOverride request");
    AccountInfo account = account(request.getAccountId());
    CompiledScorecard card = scorecardFor(account, request.getScorecardId());
    Band band = hasBand ? request.getBand() : Bands.of(request.getScore(), card.bands());
    OverrideRecord o =
        new OverrideRecord(
            account.accountId(),
            card.id(),
            request.hasScore() ? request.getScore() : Double.NaN,
            band,
            request.getReason().strip(),
            request.getSetBy().isBlank() ? "unknown" : request.getSetBy().strip(),
            now,
            request.hasExpireTime() ? RequestTimes.millis("expire_time", request.getExpireTime()) : 0);
    HealthScore score = scorer.applyOverride(account, card, o, c -> overrides.set(c, o));
    overrides.applied(o);
    reply(out, SetOverrideResponse.newBuilder().setScore(served(score, signalsUnreachableSince())).build());
  }

  @Override
  public void clearOverride(ClearOverrideRequest request, StreamObserver<ClearOverrideResponse> out) {
    Violations v = new Violations();
    v.check(!request.getAccountId().isEmpty(), "account_id", "is required");
    checkOverrideText(request.getReason(), "reason", MAX_OVERRIDE_REASON, v);
    checkOverrideText(request.getClearedBy(), "cleared_by", MAX_OVERRIDE_ACTOR, v);
    v.throwIfAny("invalid ClearOverride request");
    AccountInfo account = account(request.getAccountId());
    CompiledScorecard card = scorecardFor(account, request.getScorecardId());
    OverrideRecord existing =
        overrides
            .get(account.accountId(), card.id())
            .orElseThrow(
                () -> new NotFoundException("account " + account.accountId() + " has no override on " + card.id()));
    long now = clock.millis();
    String actor = request.getClearedBy().isBlank() ? "unknown" : request.getClearedBy().strip();
    String reason = request.getReason().isBlank() ? "cleared" : request.getReason().strip();
    HealthScore score =
        scorer.applyOverride(account, card, null, c -> overrides.clear(c, existing, "clear", reason, actor, now));
    overrides.removed(existing);
    reply(out, ClearOverrideResponse.newBuilder().setScore(served(score, signalsUnreachableSince())).build());
  }

  // ---- learning (LearningApi) ----

  @Override
  public void calibrate(CalibrateRequest request, StreamObserver<CalibrateResponse> out) {
    reply(out, learning.calibrate(request));
  }

  @Override
  public void backtest(BacktestRequest request, StreamObserver<BacktestResponse> out) {
    reply(out, learning.backtest(request));
  }

  @Override
  public void forecastRetention(ForecastRetentionRequest request, StreamObserver<ForecastRetentionResponse> out) {
    reply(out, learning.forecastRetention(request));
  }

  @Override
  public void listModels(ListModelsRequest request, StreamObserver<ListModelsResponse> out) {
    reply(out, learning.listModels(request));
  }

  @Override
  public void getModelHealth(GetModelHealthRequest request, StreamObserver<GetModelHealthResponse> out) {
    reply(out, learning.modelHealth());
  }

  @Override
  public void getModel(GetModelRequest request, StreamObserver<GetModelResponse> out) {
    reply(out, learning.getModel(request));
  }

  @Override
  public void activateModel(ActivateModelRequest request, StreamObserver<ActivateModelResponse> out) {
    reply(out, learning.activateModel(request));
  }

  @Override
  public void startTraining(StartTrainingRequest request, StreamObserver<StartTrainingResponse> out) {
    reply(out, learning.startTraining(request));
  }

  @Override
  public void getTraining(GetTrainingRequest request, StreamObserver<GetTrainingResponse> out) {
    reply(out, learning.getTraining(request));
  }

  @Override
  public void cancelTraining(CancelTrainingRequest request, StreamObserver<CancelTrainingResponse> out) {
    reply(out, learning.cancelTraining(request));
  }

  // ---- rescoring ----

  @Override
  public void startRescore(StartRescoreRequest request, StreamObserver<StartRescoreResponse> out) {
    if (!request.getScorecardId().isEmpty()) {
      scorecard(request.getScorecardId());
    } else if (scorecards.isEmpty()) {
      throw new FailedPreconditionException("no scorecard is installed");
    }
    reply(out, StartRescoreResponse.newBuilder().setRescore(rescores.start(request.getScorecardId()).toProto()).build());
  }

  @Override
  public void getRescore(GetRescoreRequest request, StreamObserver<GetRescoreResponse> out) {
    requireId(request.getRescoreId(), "rescore_id");
    RescoreJob job = rescores.get(request.getRescoreId()).orElseThrow(() -> rescoreNotFound(request.getRescoreId()));
    reply(out, GetRescoreResponse.newBuilder().setRescore(job.toProto()).build());
  }

  @Override
  public void cancelRescore(CancelRescoreRequest request, StreamObserver<CancelRescoreResponse> out) {
    requireId(request.getRescoreId(), "rescore_id");
    RescoreJob job = rescores.cancel(request.getRescoreId()).orElseThrow(() -> rescoreNotFound(request.getRescoreId()));
    reply(out, CancelRescoreResponse.newBuilder().setRescore(job.toProto()).build());
  }

  // ---- helpers ----

  private AccountInfo account(String accountId) {
    return directory.get(accountId).orElseThrow(() -> new NotFoundException("account " + accountId + " not found"));
  }

  private CompiledScorecard scorecard(String scorecardId) {
    return scorecards.get(scorecardId).orElseThrow(() -> new NotFoundException("scorecard " + scorecardId + " not found"));
  }

  /** The requested scorecard (which must apply to the account) or the account's primary. */
  private CompiledScorecard scorecardFor(AccountInfo account, String scorecardId) {
    if (scorecardId.isEmpty()) {
      return scorecards
          .primaryFor(account)
          .orElseThrow(
              () -> new FailedPreconditionException("no scorecard applies to account " + account.accountId()));
    }
    CompiledScorecard card = scorecard(scorecardId);
    if (!scorecards.applies(card, account)) {
      throw new NotFoundException(
          "account " + account.accountId() + " has no score on scorecard " + scorecardId
              + ": it does not apply to segment '" + account.segment() + "', stage '" + account.lifecycleStage() + "'");
    }
    return card;
  }

  private static NotFoundException rescoreNotFound(String rescoreId) {
    return new NotFoundException("rescore " + rescoreId + " not found");
  }

  private static void requireId(String value, String field) {
    if (value.isEmpty()) {
      throw InvalidArgumentException.forField(field, "is required");
    }
  }

  private static <T> void reply(StreamObserver<T> out, T response) {
    out.onNext(response);
    out.onCompleted();
  }
}

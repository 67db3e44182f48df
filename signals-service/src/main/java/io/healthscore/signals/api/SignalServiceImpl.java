package io.healthscore.signals.api;

import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import io.healthscore.runtime.api.PageTokens;
import io.healthscore.runtime.error.InvalidArgumentException;
import io.healthscore.runtime.error.NotFoundException;
import io.healthscore.runtime.error.Violations;
import io.healthscore.signals.features.FeatureHorizon;
import io.healthscore.signals.feed.ChangeFeed;
import io.healthscore.signals.features.FeatureReader;
import io.healthscore.signals.store.AccountDirectory;
import io.healthscore.signals.store.AccountFilter;
import io.healthscore.signals.store.AccountHistory;
import io.healthscore.signals.store.AccountRecord;
import io.healthscore.signals.store.AccountStore;
import io.healthscore.signals.store.ChangeFeedStore;
import io.healthscore.signals.store.OutcomeRecord;
import io.healthscore.signals.store.OutcomeStore;
import io.healthscore.v1.BatchGetFeaturesRequest;
import io.healthscore.v1.BatchGetFeaturesResponse;
import io.healthscore.v1.GetAccountRequest;
import io.healthscore.v1.GetAccountResponse;
import io.healthscore.v1.GetFeaturesRequest;
import io.healthscore.v1.GetFeaturesResponse;
import io.healthscore.v1.IngestSignalsRequest;
import io.healthscore.v1.IngestSignalsResponse;
import io.healthscore.v1.ListAccountsRequest;
import io.healthscore.v1.ListAccountsResponse;
import io.healthscore.v1.ListOutcomesRequest;
import io.healthscore.v1.ListOutcomesResponse;
import io.healthscore.v1.Outcome;
import io.healthscore.v1.OutcomeType;
import io.healthscore.v1.RecordOutcomesRequest;
import io.healthscore.v1.RecordOutcomesResponse;
import io.healthscore.v1.SignalServiceGrpc;
import io.healthscore.v1.StreamSignalsRequest;
import io.healthscore.v1.StreamSignalsResponse;
import io.healthscore.v1.UpsertAccountsRequest;
import io.healthscore.v1.UpsertAccountsResponse;
import io.healthscore.v1.WatchChangesRequest;
import io.healthscore.v1.WatchChangesResponse;
import com.google.protobuf.CodedOutputStream;
import io.healthscore.runtime.error.ResourceExhaustedException;
import io.healthscore.signals.features.FeatureSelection;
import io.healthscore.signals.features.Features;
import io.healthscore.v1.SnapshotKey;
import io.healthscore.v1.StreamFeatureSnapshotsRequest;
import io.healthscore.v1.StreamFeatureSnapshotsResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

/** healthscore.v1.SignalService: docs/signals.md describes each RPC. */
public final class SignalServiceImpl extends SignalServiceGrpc.SignalServiceImplBase {
  static final int DEFAULT_ACCOUNT_PAGE = 100;
  static final int MAX_ACCOUNT_PAGE = 1000;
  static final int DEFAULT_OUTCOME_PAGE = 1000;
  static final int MAX_OUTCOME_PAGE = 10_000;
  static final int MAX_FEATURE_ACCOUNTS = 1000;
  static final int MAX_SNAPSHOT_KEYS = 1_000_000;
  /** A request with a million bad keys reports the first ones, not a million violations. */
  static final int MAX_REPORTED_VIOLATIONS = 100;
  private static final String ACCOUNTS_TOKEN = "accounts";
  private static final String OUTCOMES_TOKEN = "outcomes";

  /** What the service works with, built once by SignalsServer. */
  public record Dependencies(
      AccountStore accounts,
      AccountDirectory directory,
      AccountUpserts upserts,
      OutcomeStore outcomes,
      SignalIngestion ingestion,
      FeatureReader features,
      ChangeFeed feed,
      IngestMetrics metrics,
      ExecutorService ingestWorkers,
      Clock clock,
      int maxBatch,
      boolean autoCreateAccounts,
      int streamWindow,
      int maxMessageBytes,
      ExecutorService readWorkers,
      FeatureReadMetrics readMetrics) {}

  private final Dependencies deps;
  private final AtomicInteger peakStreamBatchesInFlight = new AtomicInteger();

  public SignalServiceImpl(Dependencies deps) {
    this.deps = deps;
  }

  /** The most batches one StreamSignals stream ever had read and unacknowledged (diagnostics, tests). */
  public int peakStreamBatchesInFlight() {
    return peakStreamBatchesInFlight.get();
  }

  @Override
  public void upsertAccounts(UpsertAccountsRequest request, StreamObserver<UpsertAccountsResponse> out) {
    reply(
        out,
        deps.upserts()
            .upsert(request.getAccountsList(), request.getUpdateMask(), request.hasEffectiveTime(), request.getEffectiveTime()));
  }

  @Override
  public void getAccount(GetAccountRequest request, StreamObserver<GetAccountResponse> out) {
    Violations v = new Violations();
    checkId(request.getAccountId(), "account_id", v);
    if (request.hasAsOf()) {
      v.check(ProtoMapping.isValid(request.getAsOf()), "as_of", "must be a valid timestamp");
    }
    v.throwIfAny("invalid request");
    AccountRecord account =
        deps.accounts()
            .find(request.getAccountId())
            .orElseThrow(() -> new NotFoundException("account '" + request.getAccountId() + "' not found"));
    if (request.hasAsOf()) {
      AccountHistory history = deps.accounts().histories(List.of(account.accountId())).get(account.accountId());
      if (history != null) {
        account = history.asOf(account, ProtoMapping.toInstant(request.getAsOf()).toEpochMilli());
      }
    }
    reply(out, GetAccountResponse.newBuilder().setAccount(ProtoMapping.toProto(account)).build());
  }

  @Override
  public void listAccounts(ListAccountsRequest request, StreamObserver<ListAccountsResponse> out) {
    int pageSize = pageSize(request.getPageSize(), DEFAULT_ACCOUNT_PAGE, MAX_ACCOUNT_PAGE);
    String after = PageTokens.decode(ACCOUNTS_TOKEN, request.getPageToken()).map(p -> p.text(0)).orElse("");
    AccountFilter filter =
        new AccountFilter(
            request.getSegment(), request.getLifecycleStage(), request.getOwner(), request.getParentAccountId());
    List<AccountRecord> page = deps.accounts().list(filter, after, pageSize + 1);
    ListAccountsResponse.Builder response = ListAccountsResponse.newBuilder();
    for (int i = 0; i < Math.min(pageSize, page.size()); i++) {
      response.addAccounts(ProtoMapping.toProto(page.get(i)));
    }
    if (page.size() > pageSize) {
      response.setNextPageToken(PageTokens.encode(ACCOUNTS_TOKEN, page.get(pageSize - 1).accountId()));
    }
    reply(out, response.build());
  }

  @Override
  public void ingestSignals(IngestSignalsRequest request, StreamObserver<IngestSignalsResponse> out) {
    Context call = Context.current();
    SignalIngestion.Result result =
        deps.ingestion()
            .ingest(
                request.getSignalsList(),
                request.getAtomic(),
                request.hasFirstAttemptAt() ? Optional.of(request.getFirstAttemptAt()) : Optional.empty(),
                call::isCancelled);
    if (result.atomicRejected()) {
      throw result.toException();
    }
    IngestSignalsResponse.Builder response =
        IngestSignalsResponse.newBuilder().setAccepted(result.accepted()).setDuplicates(result.duplicates());
    result.rejected().forEach(v -> response.addRejected(v.toProto()));
    reply(out, response.build());
  }

  @Override
  public StreamObserver<StreamSignalsRequest> streamSignals(StreamObserver<StreamSignalsResponse> out) {
    return SignalStream.start(
        out, deps.ingestion(), deps.metrics(), deps.ingestWorkers(), deps.streamWindow(), peakStreamBatchesInFlight);
  }

  @Override
  public void recordOutcomes(RecordOutcomesRequest request, StreamObserver<RecordOutcomesResponse> out) {
    List<Outcome> outcomes = request.getOutcomesList();
    Violations v = new Violations();
    if (outcomes.size() > deps.maxBatch()) {
      v.add("outcomes", "must hold at most " + deps.maxBatch() + " outcomes, got " + outcomes.size());
      v.throwIfAny("invalid outcomes");
    }
    Instant latest = deps.clock().instant().plus(SignalValidator.MAX_AHEAD);
    Set<String> accountIds = new LinkedHashSet<>();
    for (int i = 0; i < outcomes.size(); i++) {
      Outcome o = outcomes.get(i);
      String prefix = "outcomes[" + i + "].";
      checkId(o.getEventId(), prefix + "event_id", v);
      if (checkId(o.getAccountId(), prefix + "account_id", v)) {
        accountIds.add(o.getAccountId());
      }
      v.check(
          o.getType() != OutcomeType.OUTCOME_TYPE_UNSPECIFIED && o.getType() != OutcomeType.UNRECOGNIZED,
          prefix + "type",
          "must be RENEWED, CHURNED, EXPANDED or CONTRACTED");
      if (v.check(o.hasOccurredAt(), prefix + "occurred_at", "is required")) {
        v.check(ProtoMapping.isValid(o.getOccurredAt()), prefix + "occurred_at", "must be a valid timestamp");
        v.check(
            !ProtoMapping.isValid(o.getOccurredAt()) || !ProtoMapping.toInstant(o.getOccurredAt()).isAfter(latest),
            prefix + "occurred_at",
            "must not be more than a day ahead");
      }
      v.check(Double.isFinite(o.getMrrDelta()), prefix + "mrr_delta", "must be finite");
    }
    Set<String> unknown = deps.directory().unknownAmong(accountIds);
    if (!unknown.isEmpty() && !deps.autoCreateAccounts()) {
      for (int i = 0; i < outcomes.size(); i++) {
        if (unknown.contains(outcomes.get(i).getAccountId())) {
          v.add("outcomes[" + i + "].account_id", "unknown account '" + outcomes.get(i).getAccountId() + "'");
        }
      }
    }
    v.throwIfAny("invalid outcomes");
    if (!unknown.isEmpty()) {
      deps.upserts().createBare(unknown);
    }
    ChangeFeedStore.Written<List<OutcomeRecord>> written =
        deps.outcomes()
            .insertNew(
                outcomes.stream().map(ProtoMapping::toRecord).toList(), deps.clock().instant(), deps.feed().store());
    deps.feed().published(written.entries());
    List<OutcomeRecord> recorded = written.result();
    reply(
        out,
        RecordOutcomesResponse.newBuilder()
            .setRecorded(recorded.size())
            .setDuplicates(outcomes.size() - recorded.size())
            .build());
  }

  @Override
  public void listOutcomes(ListOutcomesRequest request, StreamObserver<ListOutcomesResponse> out) {
    int pageSize = pageSize(request.getPageSize(), DEFAULT_OUTCOME_PAGE, MAX_OUTCOME_PAGE);
    Violations v = new Violations();
    if (request.hasStartTime()) {
      v.check(ProtoMapping.isValid(request.getStartTime()), "start_time", "must be a valid timestamp");
    }
    if (request.hasEndTime()) {
      v.check(ProtoMapping.isValid(request.getEndTime()), "end_time", "must be a valid timestamp");
    }
    v.throwIfAny("invalid outcome listing");
    OutcomeStore.Position after =
        PageTokens.decode(OUTCOMES_TOKEN, request.getPageToken())
            .map(p -> new OutcomeStore.Position(p.number(0), p.text(1)))
            .orElse(null);
    List<OutcomeRecord> page =
        deps.outcomes()
            .list(
                request.getAccountId(),
                request.hasStartTime() ? ProtoMapping.toMillis(request.getStartTime()) : null,
                request.hasEndTime() ? ProtoMapping.toMillis(request.getEndTime()) : null,
                after,
                pageSize + 1);
    ListOutcomesResponse.Builder response = ListOutcomesResponse.newBuilder();
    for (int i = 0; i < Math.min(pageSize, page.size()); i++) {
      response.addOutcomes(ProtoMapping.toProto(page.get(i)));
    }
    if (page.size() > pageSize) {
      OutcomeRecord last = page.get(pageSize - 1);
      response.setNextPageToken(
          PageTokens.encode(OUTCOMES_TOKEN, last.occurredAt().toEpochMilli(), last.eventId()));
    }
    reply(out, response.build());
  }

  @Override
  public void getFeatures(GetFeaturesRequest request, StreamObserver<GetFeaturesResponse> out) {
    Violations v = new Violations();
    checkId(request.getAccountId(), "account_id", v);
    FeatureHorizon horizon =
        FeatureRequests.horizon(request.hasAsOf(), request.getAsOf(), deps.clock().instant(), "as_of", v);
    FeatureSelection selection = FeatureRequests.selection(request.getProjection(), "projection", v);
    v.throwIfAny("invalid feature request");
    AccountRecord account =
        deps.accounts()
            .find(request.getAccountId())
            .orElseThrow(() -> new NotFoundException("account '" + request.getAccountId() + "' not found"));
    reply(
        out,
        ProtoMapping.toProto(account.accountId(), horizon.asOf(), deps.features().featuresOf(account, horizon, selection)));
  }

  /**
   * Accounts in request order until the next one would take the response past the message limit;
   * the rest are listed in remaining_account_ids (room for all of them is kept) and not computed.
   */
  @Override
  public void batchGetFeatures(BatchGetFeaturesRequest request, StreamObserver<BatchGetFeaturesResponse> out) {
    List<String> ids = request.getAccountIdsList();
    Violations v = new Violations();
    if (v.check(ids.size() <= MAX_FEATURE_ACCOUNTS, "account_ids", "must hold at most " + MAX_FEATURE_ACCOUNTS + " ids")) {
      for (int i = 0; i < ids.size(); i++) {
        checkId(ids.get(i), "account_ids[" + i + "]", v);
      }
    }
    FeatureHorizon horizon =
        FeatureRequests.horizon(request.hasAsOf(), request.getAsOf(), deps.clock().instant(), "as_of", v);
    FeatureSelection selection = FeatureRequests.selection(request.getProjection(), "projection", v);
    v.throwIfAny("invalid feature request");
    // Every account read and computed in bulk (a few statements, several threads), then packed in
    // order until the message is full.
    List<String> distinct = new ArrayList<>(new LinkedHashSet<>(ids));
    List<Features> read =
        deps.features().snapshots(distinct, Collections.nCopies(distinct.size(), horizon), selection, () -> false);
    Map<String, Features> found = new HashMap<>(2 * distinct.size());
    for (int i = 0; i < distinct.size(); i++) {
      if (read.get(i) != null) {
        found.put(distinct.get(i), read.get(i));
      }
    }
    long budget = deps.maxMessageBytes();
    for (String id : ids) {
      budget -= CodedOutputStream.computeStringSize(BatchGetFeaturesResponse.REMAINING_ACCOUNT_IDS_FIELD_NUMBER, id);
    }
    BatchGetFeaturesResponse.Builder response = BatchGetFeaturesResponse.newBuilder();
    boolean full = false;
    for (String id : ids) {
      Features accountFeatures = found.get(id);
      if (full) {
        response.addRemainingAccountIds(id);
      } else if (accountFeatures == null) {
        response.addMissingAccountIds(id);
      } else {
        GetFeaturesResponse features = ProtoMapping.toProto(id, horizon.asOf(), accountFeatures);
        int size = CodedOutputStream.computeMessageSize(BatchGetFeaturesResponse.ACCOUNTS_FIELD_NUMBER, features);
        if (size > budget) {
          if (response.getAccountsCount() == 0) {
            throw new ResourceExhaustedException(
                "the features of account '" + id + "' alone exceed the message limit of "
                    + deps.maxMessageBytes() + " bytes; ask for fewer with a projection");
          }
          full = true;
          response.addRemainingAccountIds(id);
        } else {
          budget -= size;
          response.addAccounts(features);
        }
      }
    }
    deps.readMetrics().batchAccountsDeferred(response.getRemainingAccountIdsCount());
    reply(out, response.build());
  }

  @Override
  public void streamFeatureSnapshots(
      StreamFeatureSnapshotsRequest request, StreamObserver<StreamFeatureSnapshotsResponse> out) {
    List<SnapshotKey> keys = request.getKeysList();
    Violations v = new Violations();
    List<FeatureHorizon> horizons = new ArrayList<>(keys.size());
    if (v.check(keys.size() <= MAX_SNAPSHOT_KEYS, "keys", "must hold at most " + MAX_SNAPSHOT_KEYS + " keys")) {
      Instant now = deps.clock().instant();
      for (int i = 0; i < keys.size() && v.list().size() < MAX_REPORTED_VIOLATIONS; i++) {
        SnapshotKey key = keys.get(i);
        checkId(key.getAccountId(), "keys[" + i + "].account_id", v);
        // Live keys get their horizon when they are read; null marks them.
        FeatureHorizon h = FeatureRequests.horizon(key.hasAsOf(), key.getAsOf(), now, "keys[" + i + "].as_of", v);
        horizons.add(key.hasAsOf() ? h : null);
      }
    }
    FeatureSelection selection = FeatureRequests.selection(request.getProjection(), "projection", v);
    v.throwIfAny("invalid snapshot request");
    SnapshotStream.start(out, keys, horizons, selection, deps);
  }

  @Override
  public void watchChanges(WatchChangesRequest request, StreamObserver<WatchChangesResponse> out) {
    if (request.getAfterCursor() < 0) {
      throw InvalidArgumentException.forField("after_cursor", "must not be negative");
    }
    deps.feed()
        .watch(
            request.getAfterCursor(),
            out,
            ProtoMapping::toWatchResponse);
  }

  private static int pageSize(int requested, int defaultSize, int maxSize) {
    if (requested < 0) {
      throw InvalidArgumentException.forField("page_size", "must not be negative");
    }
    return requested == 0 ? defaultSize : Math.min(requested, maxSize);
  }

  private static boolean checkId(String id, String field, Violations v) {
    return v.check(!id.isEmpty(), field, "must not be empty")
        && v.check(id.length() <= SignalValidator.MAX_ID_LENGTH, field, "must be at most " + SignalValidator.MAX_ID_LENGTH + " characters");
  }

  private static <T> void reply(StreamObserver<T> out, T response) {
    out.onNext(response);
    out.onCompleted();
  }
}

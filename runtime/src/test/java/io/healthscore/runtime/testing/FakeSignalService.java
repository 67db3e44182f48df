package io.healthscore.runtime.testing;

import com.google.protobuf.Timestamp;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.healthscore.v1.Account;
import io.healthscore.v1.AccountChange;
import io.healthscore.v1.BatchGetFeaturesRequest;
import io.healthscore.v1.BatchGetFeaturesResponse;
import io.healthscore.v1.ChangeKind;
import io.healthscore.v1.FeatureProjection;
import io.healthscore.v1.FeatureSnapshot;
import io.healthscore.v1.GetAccountRequest;
import io.healthscore.v1.GetAccountResponse;
import io.healthscore.v1.GetFeaturesRequest;
import io.healthscore.v1.GetFeaturesResponse;
import io.healthscore.v1.ListAccountsRequest;
import io.healthscore.v1.ListAccountsResponse;
import io.healthscore.v1.ListOutcomesRequest;
import io.healthscore.v1.ListOutcomesResponse;
import io.healthscore.v1.Outcome;
import io.healthscore.v1.MetricFeatures;
import io.healthscore.v1.SignalServiceGrpc;
import io.healthscore.v1.SnapshotKey;
import io.healthscore.v1.StreamFeatureSnapshotsRequest;
import io.healthscore.v1.StreamFeatureSnapshotsResponse;
import io.healthscore.v1.WatchChangesRequest;
import io.healthscore.v1.WatchChangesResponse;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * An in-memory signals-service: accounts, features (with a timeline for point-in-time reads),
 * outcomes and a change feed. Tests drive it directly, make accounts fail, and count what the
 * service under test asked for. Times (feature timelines, change times) come from its clock.
 */
public final class FakeSignalService extends SignalServiceGrpc.SignalServiceImplBase {
  private final Clock clock;
  private final Function<String, String> metricOfFeature;
  private final NavigableMap<String, Account> accounts = new ConcurrentSkipListMap<>();
  /** Per account: features valid from a moment (epoch millis) on. */
  private final Map<String, NavigableMap<Long, GetFeaturesResponse>> features =
      new ConcurrentHashMap<>();
  private final List<Outcome> outcomes = new CopyOnWriteArrayList<>();
  private final List<AccountChange> feed = new CopyOnWriteArrayList<>();
  private final AtomicLong cursor = new AtomicLong();
  private final Object feedSignal = new Object();

  public final AtomicInteger batchGetFeaturesCalls = new AtomicInteger();
  public final AtomicInteger featureAccountsServed = new AtomicInteger();
  public final List<String> featureRequestsLog = new CopyOnWriteArrayList<>();
  /** The projection of every feature read, in order. */
  public final List<FeatureProjection> projectionsLog = new CopyOnWriteArrayList<>();
  public final AtomicInteger snapshotStreamCalls = new AtomicInteger();
  /**
   * How many of the next StreamFeatureSnapshots calls break (with {@link #snapshotStreamBreakCode})
   * once they have sent {@link #snapshotStreamBreakAfterParts} parts (a stream of one part never
   * breaks).
   */
  public final AtomicInteger snapshotStreamBreaks = new AtomicInteger();
  public volatile int snapshotStreamBreakAfterParts = 1;
  public volatile Status.Code snapshotStreamBreakCode = Status.Code.UNAVAILABLE;
  /**
   * The most bytes of features a BatchGetFeatures or StreamFeatureSnapshots response carries; the
   * accounts past it are left for the caller to ask again, as signals-service does at its message
   * limit. At least one account goes out per response.
   */
  public volatile int responseByteLimit = 4 * 1024 * 1024;
  /** How long BatchGetFeatures takes per account asked for, as a loaded signals-service would. */
  public volatile long featureMillisPerAccount;
  public final AtomicInteger watchCalls = new AtomicInteger();
  /** The after_cursor of every WatchChanges call, in order. */
  public final List<Long> watchAfterCursors = new CopyOnWriteArrayList<>();
  private final AtomicInteger accountReads = new AtomicInteger();
  private final AtomicInteger refusedWatches = new AtomicInteger();
  private final Set<ServerCallStreamObserver<WatchChangesResponse>> openWatches = ConcurrentHashMap.newKeySet();
  private volatile boolean feedDown;
  private final Map<String, Status> failures = new ConcurrentHashMap<>();
  /**
   * Accounts whose features cannot be read: a read that includes one fails with DATA_LOSS, as for
   * a corrupt rollup.
   */
  public final Set<String> unreadable = ConcurrentHashMap.newKeySet();
  /** When set, every BatchGetFeatures and StreamFeatureSnapshots fails with it (an outage). */
  public volatile Status featureStatus;
  /** When set, BatchGetFeatures and StreamFeatureSnapshots wait for it: tests hold a rescore in the middle. */
  public volatile CountDownLatch featureGate;
  /** Reads waiting at {@link #featureGate} now. */
  public final AtomicInteger featureGateWaiters = new AtomicInteger();

  /** On the system clock; its SIGNALS changes name no metrics. */
  public FakeSignalService() {
    this(Clock.systemUTC());
  }

  public FakeSignalService(Clock clock) {
    this(clock, feature -> null);
  }

  /**
   * {@code metricOfFeature} names the metric a feature aggregates, so the SIGNALS change of
   * {@link #setFeatures} names the metrics that received signals, as signals-service's does; null
   * names none.
   */
  public FakeSignalService(Clock clock, Function<String, String> metricOfFeature) {
    this.clock = clock;
    this.metricOfFeature = metricOfFeature;
  }

  /** Creates or replaces an account and publishes an ACCOUNT change. */
  public void putAccount(Account account) {
    setAccount(account);
    change(account.getAccountId(), ChangeKind.CHANGE_KIND_ACCOUNT);
  }

  /** Creates or replaces an account without a change on the feed (the test publishes its own). */
  public void setAccount(Account account) {
    accounts.put(account.getAccountId(), account);
  }

  /** Every read of the account fails with {@code status} from now on; null reads it normally again. */
  public void failAccount(String accountId, Status status) {
    if (status == null) {
      failures.remove(accountId);
    } else {
      failures.put(accountId, status);
    }
  }

  /** While down, open WatchChanges streams break and new ones are refused with UNAVAILABLE. */
  public void feedDown(boolean down) {
    feedDown = down;
    if (down) {
      for (ServerCallStreamObserver<WatchChangesResponse> call : List.copyOf(openWatches)) {
        openWatches.remove(call);
        synchronized (call) {
          try {
            call.onError(Status.UNAVAILABLE.withDescription("signals-service is down").asRuntimeException());
          } catch (RuntimeException alreadyClosed) {
            // the client went away first
          }
        }
      }
    }
  }

  /** WatchChanges calls refused while the feed was down. */
  public int refusedWatches() {
    return refusedWatches.get();
  }

  /** GetAccount calls so far. */
  public int accountReads() {
    return accountReads.get();
  }

  public static Account account(String id, String segment, double mrr) {
    return Account.newBuilder()
        .setAccountId(id)
        .setName("Account " + id)
        .setSegment(segment)
        .setLifecycleStage("adoption")
        .setMrr(mrr)
        .setOwner("csm@example.com")
        .build();
  }

  /** Sets the account's current features (valid from now on) and publishes a SIGNALS change. */
  public void setFeatures(String accountId, Map<String, Double> values) {
    putFeatures(accountId, values, Map.of());
    // Like signals-service, the change names the metrics that received signals.
    List<String> metrics =
        values.keySet().stream()
            .filter(f -> !f.startsWith("account."))
            .map(metricOfFeature)
            .filter(Objects::nonNull)
            .distinct()
            .toList();
    publish(accountId, metrics, ChangeKind.CHANGE_KIND_SIGNALS);
  }

  /** Sets the account's current features and labels without a change on the feed. */
  public void putFeatures(String accountId, Map<String, Double> values, Map<String, String> labels) {
    setFeaturesFrom(accountId, 0, values, labels);
  }

  /** Features valid from {@code fromMillis}, without a feed entry (history for calibration). */
  public void setFeaturesFrom(
      String accountId, long fromMillis, Map<String, Double> values, Map<String, String> labels) {
    features
        .computeIfAbsent(accountId, k -> new ConcurrentSkipListMap<>())
        .put(
            fromMillis == 0 ? clock.millis() : fromMillis,
            GetFeaturesResponse.newBuilder()
                .setAccountId(accountId)
                .putAllFeatures(values)
                .putAllLabels(labels)
                .build());
  }

  public void addOutcome(Outcome outcome) {
    outcomes.add(outcome);
    change(outcome.getAccountId(), ChangeKind.CHANGE_KIND_OUTCOME);
  }

  public long lastCursor() {
    return cursor.get();
  }

  /** Publishes a change of the account on the feed; returns it with its cursor. */
  public AccountChange change(String accountId, ChangeKind... kinds) {
    return publish(accountId, List.of(), kinds);
  }

  private AccountChange publish(String accountId, List<String> metrics, ChangeKind... kinds) {
    synchronized (feedSignal) {
      AccountChange change =
          AccountChange.newBuilder()
              .setCursor(cursor.incrementAndGet())
              .setAccountId(accountId)
              .addAllKinds(List.of(kinds))
              .addAllMetrics(metrics)
              .setChangeTime(ts(clock.millis()))
              .build();
      feed.add(change);
      feedSignal.notifyAll();
      return change;
    }
  }

  private static Timestamp ts(long millis) {
    return Timestamp.newBuilder()
        .setSeconds(Math.floorDiv(millis, 1000))
        .setNanos((int) Math.floorMod(millis, 1000) * 1_000_000)
        .build();
  }

  private GetFeaturesResponse featuresAsOf(String accountId, Timestamp asOf) {
    long at =
        asOf.getSeconds() == 0 && asOf.getNanos() == 0
            ? Long.MAX_VALUE
            : asOf.getSeconds() * 1000 + asOf.getNanos() / 1_000_000;
    NavigableMap<Long, GetFeaturesResponse> timeline = features.getOrDefault(accountId, new TreeMap<>());
    Map.Entry<Long, GetFeaturesResponse> entry = timeline.lowerEntry(at);
    GetFeaturesResponse base =
        entry == null ? GetFeaturesResponse.newBuilder().setAccountId(accountId).build() : entry.getValue();
    return base.toBuilder().setAsOf(asOf).build();
  }

  /**
   * The features with the account's segment, stage and MRR added where the test did not set them,
   * as signals-service's bulk read carries them (training rows take these attributes as of their
   * moment from there).
   */
  private GetFeaturesResponse withAttributes(GetFeaturesResponse f) {
    Account a = accounts.get(f.getAccountId());
    GetFeaturesResponse.Builder b = f.toBuilder();
    if (!f.containsFeatures("account.mrr")) {
      b.putFeatures("account.mrr", a.getMrr());
    }
    if (!a.getSegment().isEmpty() && !f.containsLabels("account.segment")) {
      b.putLabels("account.segment", a.getSegment());
    }
    if (!a.getLifecycleStage().isEmpty() && !f.containsLabels("account.lifecycle_stage")) {
      b.putLabels("account.lifecycle_stage", a.getLifecycleStage());
    }
    return b.build();
  }

  /** The features and labels of {@code all} that the projection asks for (all when it is empty). */
  private static GetFeaturesResponse project(GetFeaturesResponse all, FeatureProjection p) {
    if (p.equals(FeatureProjection.getDefaultInstance())) {
      return all;
    }
    GetFeaturesResponse.Builder out = all.toBuilder().clearFeatures().clearLabels();
    all.getFeaturesMap().forEach((name, value) -> {
      if (wanted(name, p)) {
        out.putFeatures(name, value);
      }
    });
    all.getLabelsMap().forEach((name, value) -> {
      boolean metricWanted = p.getMetricsList().stream().anyMatch(m -> m.getMetric().equals(name));
      boolean attribute = p.getAccountAttributes() && (name.startsWith("account.") || name.startsWith("attr."));
      if (p.getLabelsList().contains(name) || metricWanted || attribute) {
        out.putLabels(name, value);
      }
    });
    return out.build();
  }

  private static boolean wanted(String feature, FeatureProjection p) {
    if (p.getNamesList().contains(feature)) {
      return true;
    }
    if (p.getAccountAttributes() && (feature.startsWith("account.") || feature.startsWith("attr."))) {
      return true;
    }
    for (MetricFeatures m : p.getMetricsList()) {
      if (feature.startsWith(m.getMetric() + ".")) {
        String kind = feature.substring(m.getMetric().length() + 1);
        if (m.getKindsList().isEmpty() || m.getKindsList().contains(kind)) {
          return true;
        }
      }
    }
    return false;
  }

  @Override
  public void getAccount(GetAccountRequest request, StreamObserver<GetAccountResponse> out) {
    accountReads.incrementAndGet();
    Status failure = failures.get(request.getAccountId());
    if (failure != null) {
      out.onError(failure.asRuntimeException());
      return;
    }
    Account account = accounts.get(request.getAccountId());
    if (account == null) {
      out.onError(Status.NOT_FOUND.withDescription("no account " + request.getAccountId()).asRuntimeException());
      return;
    }
    out.onNext(GetAccountResponse.newBuilder().setAccount(account).build());
    out.onCompleted();
  }

  @Override
  public void listAccounts(ListAccountsRequest request, StreamObserver<ListAccountsResponse> out) {
    int size = request.getPageSize() <= 0 ? 100 : Math.min(request.getPageSize(), 1000);
    NavigableMap<String, Account> tail =
        request.getPageToken().isEmpty() ? accounts : accounts.tailMap(request.getPageToken(), false);
    ListAccountsResponse.Builder response = ListAccountsResponse.newBuilder();
    String last = null;
    for (Account a : tail.values()) {
      if (!request.getSegment().isEmpty() && !request.getSegment().equals(a.getSegment())) {
        continue;
      }
      if (!request.getParentAccountId().isEmpty()
          && !request.getParentAccountId().equals(a.getParentAccountId())) {
        continue;
      }
      if (response.getAccountsCount() == size) {
        response.setNextPageToken(last);
        break;
      }
      response.addAccounts(a);
      last = a.getAccountId();
    }
    out.onNext(response.build());
    out.onCompleted();
  }

  @Override
  public void getFeatures(GetFeaturesRequest request, StreamObserver<GetFeaturesResponse> out) {
    if (!accounts.containsKey(request.getAccountId())) {
      out.onError(Status.NOT_FOUND.withDescription("no account").asRuntimeException());
      return;
    }
    projectionsLog.add(request.getProjection());
    out.onNext(project(featuresAsOf(request.getAccountId(), request.getAsOf()), request.getProjection()));
    out.onCompleted();
  }

  @Override
  public void batchGetFeatures(
      BatchGetFeaturesRequest request, StreamObserver<BatchGetFeaturesResponse> out) {
    if (request.getAccountIdsCount() > 1000) {
      out.onError(Status.INVALID_ARGUMENT.withDescription("account_ids: at most 1000").asRuntimeException());
      return;
    }
    awaitFeatureGate();
    batchGetFeaturesCalls.incrementAndGet();
    projectionsLog.add(request.getProjection());
    long slow = featureMillisPerAccount * request.getAccountIdsCount();
    if (slow > 0) {
      try {
        Thread.sleep(slow);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    StatusRuntimeException refused = refusal(request.getAccountIdsList());
    if (refused != null) {
      out.onError(refused);
      return;
    }
    BatchGetFeaturesResponse.Builder response = BatchGetFeaturesResponse.newBuilder();
    List<String> ids = request.getAccountIdsList();
    int bytes = 0;
    for (int i = 0; i < ids.size(); i++) {
      String id = ids.get(i);
      if (!accounts.containsKey(id)) {
        response.addMissingAccountIds(id);
        continue;
      }
      GetFeaturesResponse f = project(featuresAsOf(id, request.getAsOf()), request.getProjection());
      if (response.getAccountsCount() > 0 && bytes + f.getSerializedSize() > responseByteLimit) {
        response.addAllRemainingAccountIds(ids.subList(i, ids.size()));
        break;
      }
      bytes += f.getSerializedSize();
      featureRequestsLog.add(id);
      featureAccountsServed.incrementAndGet();
      response.addAccounts(f);
    }
    out.onNext(response.build());
    out.onCompleted();
  }

  /** Holds a feature read at {@link #featureGate} while one is set. */
  private void awaitFeatureGate() {
    CountDownLatch gate = featureGate;
    if (gate != null) {
      featureGateWaiters.incrementAndGet();
      try {
        gate.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        featureGateWaiters.decrementAndGet();
      }
    }
  }

  /** How a feature read of these accounts fails (outage, an account's failure, unreadable), or null. */
  private StatusRuntimeException refusal(List<String> accountIds) {
    Status outage = featureStatus;
    if (outage != null) {
      return outage.withDescription("signals-service is down").asRuntimeException();
    }
    for (String id : accountIds) {
      Status failure = failures.get(id);
      if (failure != null) {
        return failure.asRuntimeException();
      }
      if (unreadable.contains(id)) {
        return Status.DATA_LOSS.withDescription("rollups of " + id + " are corrupt").asRuntimeException();
      }
    }
    return null;
  }

  /** Parts within {@link #responseByteLimit}, names sent once per stream. */
  @Override
  public void streamFeatureSnapshots(
      StreamFeatureSnapshotsRequest request, StreamObserver<StreamFeatureSnapshotsResponse> out) {
    awaitFeatureGate();
    snapshotStreamCalls.incrementAndGet();
    projectionsLog.add(request.getProjection());
    List<String> accountIds = new ArrayList<>(request.getKeysCount());
    request.getKeysList().forEach(k -> accountIds.add(k.getAccountId()));
    StatusRuntimeException refused = refusal(accountIds);
    if (refused != null) {
      out.onError(refused);
      return;
    }
    Map<String, Integer> featureIds = new HashMap<>();
    Map<String, Integer> labelIds = new HashMap<>();
    StreamFeatureSnapshotsResponse.Builder part = StreamFeatureSnapshotsResponse.newBuilder();
    int bytes = 0;
    int partsSent = 0;
    for (int i = 0; i < request.getKeysCount(); i++) {
      SnapshotKey key = request.getKeys(i);
      if (!accounts.containsKey(key.getAccountId())) {
        part.addMissingKeyIndexes(i);
        continue;
      }
      featureAccountsServed.incrementAndGet();
      GetFeaturesResponse f =
          project(withAttributes(featuresAsOf(key.getAccountId(), key.getAsOf())), request.getProjection());
      FeatureSnapshot.Builder snapshot = FeatureSnapshot.newBuilder().setKeyIndex(i);
      f.getFeaturesMap().forEach((name, value) -> {
        snapshot.addFeatureIds(featureIds.computeIfAbsent(name, n -> {
          part.addNewFeatureNames(n);
          return featureIds.size();
        }));
        snapshot.addFeatureValues(value);
      });
      f.getLabelsMap().forEach((name, value) -> {
        snapshot.addLabelIds(labelIds.computeIfAbsent(name, n -> {
          part.addNewLabelNames(n);
          return labelIds.size();
        }));
        snapshot.addLabelValues(value);
      });
      FeatureSnapshot built = snapshot.build();
      if (part.getSnapshotsCount() > 0 && bytes + built.getSerializedSize() > responseByteLimit) {
        if (partsSent++ == snapshotStreamBreakAfterParts && snapshotStreamBreaks.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
          out.onError(Status.fromCode(snapshotStreamBreakCode).withDescription("stream broken (test)").asRuntimeException());
          return;
        }
        out.onNext(part.build());
        part.clear();
        bytes = 0;
      }
      part.addSnapshots(built);
      bytes += built.getSerializedSize();
    }
    out.onNext(part.build());
    out.onCompleted();
  }

  @Override
  public void listOutcomes(ListOutcomesRequest request, StreamObserver<ListOutcomesResponse> out) {
    int size = request.getPageSize() <= 0 ? 1000 : Math.min(request.getPageSize(), 10000);
    int from = request.getPageToken().isEmpty() ? 0 : Integer.parseInt(request.getPageToken());
    List<Outcome> matching = new ArrayList<>();
    for (Outcome o : outcomes) {
      if (request.getAccountId().isEmpty() || request.getAccountId().equals(o.getAccountId())) {
        matching.add(o);
      }
    }
    int to = Math.min(matching.size(), from + size);
    ListOutcomesResponse.Builder response =
        ListOutcomesResponse.newBuilder().addAllOutcomes(matching.subList(from, to));
    if (to < matching.size()) {
      response.setNextPageToken(Integer.toString(to));
    }
    out.onNext(response.build());
    out.onCompleted();
  }

  /** Replays the feed after the cursor, then follows it until the client cancels. */
  @Override
  public void watchChanges(WatchChangesRequest request, StreamObserver<WatchChangesResponse> out) {
    if (feedDown) {
      refusedWatches.incrementAndGet();
      out.onError(Status.UNAVAILABLE.withDescription("signals-service is down").asRuntimeException());
      return;
    }
    watchCalls.incrementAndGet();
    watchAfterCursors.add(request.getAfterCursor());
    ServerCallStreamObserver<WatchChangesResponse> call =
        (ServerCallStreamObserver<WatchChangesResponse>) out;
    openWatches.add(call);
    Thread follower =
        new Thread(
            () -> {
              long after = request.getAfterCursor();
              try {
                while (!call.isCancelled() && openWatches.contains(call)) {
                  boolean sent = false;
                  // The change at index i has cursor i + 1.
                  for (int i = (int) after; i < feed.size(); i++) {
                    AccountChange change = feed.get(i);
                    synchronized (call) {
                      call.onNext(WatchChangesResponse.newBuilder().setChange(change).build());
                    }
                    after = change.getCursor();
                    sent = true;
                  }
                  if (!sent) {
                    synchronized (feedSignal) {
                      if (cursor.get() <= after) {
                        feedSignal.wait(100);
                      }
                    }
                  }
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } catch (RuntimeException cancelled) {
                // the client went away
              }
            },
            "fake-watch-changes");
    follower.setDaemon(true);
    follower.start();
  }
}

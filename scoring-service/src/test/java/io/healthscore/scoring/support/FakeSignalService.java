package io.healthscore.scoring.support;

import com.google.protobuf.Timestamp;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.healthscore.v1.Account;
import io.healthscore.v1.AccountChange;
import io.healthscore.v1.BatchGetFeaturesRequest;
import io.healthscore.v1.BatchGetFeaturesResponse;
import io.healthscore.v1.ChangeKind;
import io.healthscore.v1.GetAccountRequest;
import io.healthscore.v1.GetAccountResponse;
import io.healthscore.v1.GetFeaturesRequest;
import io.healthscore.v1.GetFeaturesResponse;
import io.healthscore.v1.ListAccountsRequest;
import io.healthscore.v1.ListAccountsResponse;
import io.healthscore.v1.ListOutcomesRequest;
import io.healthscore.v1.ListOutcomesResponse;
import io.healthscore.v1.Outcome;
import io.healthscore.v1.SignalServiceGrpc;
import io.healthscore.v1.WatchChangesRequest;
import io.healthscore.v1.WatchChangesResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-memory signals-service: accounts, features (with a timeline for point-in-time reads),
 * outcomes and a change feed. Tests drive it directly and count what scoring-service asked for.
 */
public final class FakeSignalService extends SignalServiceGrpc.SignalServiceImplBase {
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
  public final AtomicInteger watchCalls = new AtomicInteger();
  /** When set, BatchGetFeatures waits for it: tests hold a rescore in the middle. */
  public volatile CountDownLatch featureGate;

  /** Creates or replaces an account and publishes an ACCOUNT change. */
  public void putAccount(Account account) {
    accounts.put(account.getAccountId(), account);
    publish(account.getAccountId(), ChangeKind.CHANGE_KIND_ACCOUNT);
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
    setFeaturesFrom(accountId, 0, values, Map.of());
    publish(accountId, ChangeKind.CHANGE_KIND_SIGNALS);
  }

  /** Features valid from {@code fromMillis}, without a feed entry (history for calibration). */
  public void setFeaturesFrom(
      String accountId, long fromMillis, Map<String, Double> values, Map<String, String> labels) {
    features
        .computeIfAbsent(accountId, k -> new ConcurrentSkipListMap<>())
        .put(
            fromMillis == 0 ? System.currentTimeMillis() : fromMillis,
            GetFeaturesResponse.newBuilder()
                .setAccountId(accountId)
                .putAllFeatures(values)
                .putAllLabels(labels)
                .build());
  }

  public void addOutcome(Outcome outcome) {
    outcomes.add(outcome);
    publish(outcome.getAccountId(), ChangeKind.CHANGE_KIND_OUTCOME);
  }

  public long lastCursor() {
    return cursor.get();
  }

  private void publish(String accountId, ChangeKind kind) {
    synchronized (feedSignal) {
      feed.add(
          AccountChange.newBuilder()
              .setCursor(cursor.incrementAndGet())
              .setAccountId(accountId)
              .addKinds(kind)
              .setChangeTime(ts(System.currentTimeMillis()))
              .build());
      feedSignal.notifyAll();
    }
  }

  static Timestamp ts(long millis) {
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

  @Override
  public void getAccount(GetAccountRequest request, StreamObserver<GetAccountResponse> out) {
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
    out.onNext(featuresAsOf(request.getAccountId(), request.getAsOf()));
    out.onCompleted();
  }

  @Override
  public void batchGetFeatures(
      BatchGetFeaturesRequest request, StreamObserver<BatchGetFeaturesResponse> out) {
    if (request.getAccountIdsCount() > 1000) {
      out.onError(Status.INVALID_ARGUMENT.withDescription("account_ids: at most 1000").asRuntimeException());
      return;
    }
    CountDownLatch gate = featureGate;
    if (gate != null) {
      try {
        gate.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    batchGetFeaturesCalls.incrementAndGet();
    BatchGetFeaturesResponse.Builder response = BatchGetFeaturesResponse.newBuilder();
    for (String id : request.getAccountIdsList()) {
      featureRequestsLog.add(id);
      if (!accounts.containsKey(id)) {
        response.addMissingAccountIds(id);
        continue;
      }
      featureAccountsServed.incrementAndGet();
      response.addAccounts(featuresAsOf(id, request.getAsOf()));
    }
    out.onNext(response.build());
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
    watchCalls.incrementAndGet();
    ServerCallStreamObserver<WatchChangesResponse> call =
        (ServerCallStreamObserver<WatchChangesResponse>) out;
    Thread follower =
        new Thread(
            () -> {
              long after = request.getAfterCursor();
              try {
                while (!call.isCancelled()) {
                  boolean sent = false;
                  for (AccountChange change : feed) {
                    if (change.getCursor() > after) {
                      synchronized (call) {
                        call.onNext(WatchChangesResponse.newBuilder().setChange(change).build());
                      }
                      after = change.getCursor();
                      sent = true;
                    }
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

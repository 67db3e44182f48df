package io.healthscore.alerting.fakes;

import com.google.protobuf.Timestamp;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.healthscore.v1.Account;
import io.healthscore.v1.BatchGetFeaturesRequest;
import io.healthscore.v1.BatchGetFeaturesResponse;
import io.healthscore.v1.AccountChange;
import io.healthscore.v1.ChangeKind;
import io.healthscore.v1.GetAccountRequest;
import io.healthscore.v1.GetAccountResponse;
import io.healthscore.v1.GetFeaturesRequest;
import io.healthscore.v1.GetFeaturesResponse;
import io.healthscore.v1.ListOutcomesRequest;
import io.healthscore.v1.ListOutcomesResponse;
import io.healthscore.v1.Outcome;
import io.healthscore.v1.SignalServiceGrpc;
import io.healthscore.v1.WatchChangesRequest;
import io.healthscore.v1.WatchChangesResponse;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** signals-service as alerting sees it: accounts, features, outcomes and a change feed tests control. */
public final class FakeSignalService extends SignalServiceGrpc.SignalServiceImplBase {
  private final FeedBroadcaster<AccountChange, WatchChangesResponse> feed =
      new FeedBroadcaster<>(AccountChange::getCursor, c -> WatchChangesResponse.newBuilder().setChange(c).build());
  private final Map<String, Account> accounts = new ConcurrentHashMap<>();
  private final Map<String, GetFeaturesResponse> features = new ConcurrentHashMap<>();
  private final List<Outcome> outcomes = new ArrayList<>();
  private final AtomicInteger accountReads = new AtomicInteger();
  private final Map<String, Status> failures = new ConcurrentHashMap<>();
  private final Clock clock;
  private final List<Long> requestedCursors = new CopyOnWriteArrayList<>();
  private final AtomicInteger refusedWatches = new AtomicInteger();
  private volatile boolean feedDown;

  public FakeSignalService(Clock clock) {
    this.clock = clock;
  }

  public void putAccount(Account account) {
    accounts.put(account.getAccountId(), account);
  }

  public void putFeatures(String accountId, Map<String, Double> numbers, Map<String, String> labels) {
    features.put(accountId, GetFeaturesResponse.newBuilder()
        .setAccountId(accountId).putAllFeatures(numbers).putAllLabels(labels).build());
  }

  /** Every read of the account fails with {@code status} from now on; null reads it normally again. */
  public void failAccount(String accountId, Status status) {
    if (status == null) {
      failures.remove(accountId);
    } else {
      failures.put(accountId, status);
    }
  }

  public synchronized void addOutcome(Outcome outcome) {
    outcomes.add(outcome);
  }

  /** Publishes a change of the account on the feed; returns it with its cursor. */
  public AccountChange change(String accountId, ChangeKind... kinds) {
    synchronized (feed) {
      var now = clock.instant();
      AccountChange change = AccountChange.newBuilder()
          .setCursor(feed.nextCursor())
          .setAccountId(accountId)
          .addAllKinds(List.of(kinds))
          .setChangeTime(Timestamp.newBuilder().setSeconds(now.getEpochSecond()))
          .build();
      feed.publish(change);
      return change;
    }
  }

  /** While down, open WatchChanges streams break and new ones are refused with UNAVAILABLE. */
  public void feedDown(boolean down) {
    feedDown = down;
    if (down) {
      feed.breakStreams();
    }
  }

  /** WatchChanges calls refused while the feed was down. */
  public int refusedWatches() {
    return refusedWatches.get();
  }

  /** The after_cursor of every WatchChanges call served so far. */
  public List<Long> requestedCursors() {
    return List.copyOf(requestedCursors);
  }

  public int accountReads() {
    return accountReads.get();
  }

  @Override
  public void getAccount(GetAccountRequest request, StreamObserver<GetAccountResponse> out) {
    accountReads.incrementAndGet();
    Status failure = failures.get(request.getAccountId());
    if (failure != null) {
      out.onError(failure.asRuntimeException());
      return;
    }
    Account a = accounts.get(request.getAccountId());
    if (a == null) {
      out.onError(Status.NOT_FOUND.withDescription("no account " + request.getAccountId()).asRuntimeException());
      return;
    }
    out.onNext(GetAccountResponse.newBuilder().setAccount(a).build());
    out.onCompleted();
  }

  @Override
  public void getFeatures(GetFeaturesRequest request, StreamObserver<GetFeaturesResponse> out) {
    GetFeaturesResponse f = features.get(request.getAccountId());
    if (f == null && !accounts.containsKey(request.getAccountId())) {
      out.onError(Status.NOT_FOUND.withDescription("no account " + request.getAccountId()).asRuntimeException());
      return;
    }
    out.onNext(f != null ? f : GetFeaturesResponse.newBuilder().setAccountId(request.getAccountId()).build());
    out.onCompleted();
  }

  @Override
  public void batchGetFeatures(BatchGetFeaturesRequest request, StreamObserver<BatchGetFeaturesResponse> out) {
    BatchGetFeaturesResponse.Builder response = BatchGetFeaturesResponse.newBuilder();
    for (String id : request.getAccountIdsList()) {
      Status failure = failures.get(id);
      if (failure != null) {
        out.onError(failure.asRuntimeException());
        return;
      }
      GetFeaturesResponse f = features.get(id);
      if (f == null && !accounts.containsKey(id)) {
        response.addMissingAccountIds(id);
      } else {
        response.addAccounts(f != null ? f : GetFeaturesResponse.newBuilder().setAccountId(id).build());
      }
    }
    out.onNext(response.build());
    out.onCompleted();
  }

  @Override
  public synchronized void listOutcomes(ListOutcomesRequest request, StreamObserver<ListOutcomesResponse> out) {
    ListOutcomesResponse.Builder page = ListOutcomesResponse.newBuilder();
    outcomes.stream()
        .filter(o -> request.getAccountId().isEmpty() || o.getAccountId().equals(request.getAccountId()))
        .forEach(page::addOutcomes);
    out.onNext(page.build());
    out.onCompleted();
  }

  @Override
  public void watchChanges(WatchChangesRequest request, StreamObserver<WatchChangesResponse> out) {
    if (feedDown) {
      refusedWatches.incrementAndGet();
      out.onError(Status.UNAVAILABLE.withDescription("signals-service is down").asRuntimeException());
      return;
    }
    requestedCursors.add(request.getAfterCursor());
    feed.watch(request.getAfterCursor(), out);
  }
}

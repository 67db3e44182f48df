package io.healthscore.alerting.engine;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.healthscore.v1.Account;
import io.healthscore.v1.BatchGetFeaturesRequest;
import io.healthscore.v1.BatchGetFeaturesResponse;
import io.healthscore.v1.FeatureProjection;
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
import io.healthscore.v1.SignalServiceGrpc.SignalServiceBlockingStub;
import io.healthscore.v1.SignalServiceGrpc.SignalServiceFutureStub;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * What alerting asks signals-service: accounts (cached, since scope filters and renewal dates read
 * them on every evaluation; the change feed invalidates an account when it is edited, on every
 * replica through ReplicaNotices), features (in
 * batches, only those the rules read) and outcomes. An unknown account is empty; any other failure throws, so the caller's transaction rolls
 * back and the change is evaluated again later instead of being judged on missing data.
 */
public final class SignalsReader {
  /**
   * GetAccount calls in flight at once when many accounts are read together: enough to hide the
   * round trips of a feed batch, few enough not to swamp signals-service.
   */
  static final int MAX_CONCURRENT_READS = 16;
  /** Accounts per BatchGetFeatures call, the RPC's maximum. */
  static final int MAX_BATCH = 1000;
  /**
   * Accounts missing from the cache from which a read lists every account (a page of 1,000 per
   * call) instead of asking for each: a burst over many accounts costs a call per thousand.
   */
  static final int LIST_FROM = 200;
  private static final int LIST_PAGE = 1000;
  /** The cache's size: a listing never reads more than it can keep. */
  private static final int CACHED_ACCOUNTS = 100_000;

  private final SignalServiceBlockingStub stub;
  private final SignalServiceFutureStub futureStub;
  private final Duration deadline;
  private final Cache<String, Optional<Account>> accounts;
  /** False once a listing found more accounts than the cache holds: then each account is read. */
  private volatile boolean listingFits = true;

  public SignalsReader(Channel signals, Duration deadline, Duration accountCacheTtl) {
    this.stub = SignalServiceGrpc.newBlockingStub(signals);
    this.futureStub = SignalServiceGrpc.newFutureStub(signals);
    this.deadline = deadline;
    this.accounts = Caffeine.newBuilder()
        .maximumSize(CACHED_ACCOUNTS)
        .expireAfterWrite(accountCacheTtl)
        .build();
  }

  private SignalServiceBlockingStub call() {
    return stub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  public Optional<Account> account(String accountId) {
    return accounts.get(accountId, id -> {
      try {
        return Optional.of(call().getAccount(GetAccountRequest.newBuilder().setAccountId(id).build()).getAccount());
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
          return Optional.empty();
        }
        throw e;
      }
    });
  }

  /**
   * Reads the accounts not in the cache into it, so that evaluations that need them (scope
   * filters, the assignee of an opened alert) find them there instead of making a round trip
   * each: from {@value #LIST_FROM} missing accounts by listing every account into the cache (while
   * they fit in it), else one GetAccount each, up to {@value #MAX_CONCURRENT_READS} in flight.
   * Unknown accounts are cached as empty; any other failure throws.
   */
  public void loadAccounts(Collection<String> accountIds) {
    Set<String> missing = new LinkedHashSet<>();
    accountIds.stream().filter(id -> accounts.getIfPresent(id) == null).forEach(missing::add);
    if (missing.size() >= LIST_FROM && listingFits) {
      listInto(missing);
    }
    readAll(missing, id -> futureStub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
        .getAccount(GetAccountRequest.newBuilder().setAccountId(id).build()), "accounts")
        .forEach((id, account) -> accounts.put(id, account.map(GetAccountResponse::getAccount)));
  }

  /**
   * Lists accounts into the cache until every missing one was found, removing those found from
   * {@code missing}; when the listing reached its end, those still missing do not exist.
   */
  private void listInto(Set<String> missing) {
    String token = "";
    int listed = 0;
    do {
      ListAccountsResponse page = call().listAccounts(
          ListAccountsRequest.newBuilder().setPageSize(LIST_PAGE).setPageToken(token).build());
      for (Account account : page.getAccountsList()) {
        accounts.put(account.getAccountId(), Optional.of(account));
        missing.remove(account.getAccountId());
      }
      listed += page.getAccountsCount();
      token = page.getNextPageToken();
    } while (!token.isEmpty() && !missing.isEmpty() && listed < CACHED_ACCOUNTS);
    if (token.isEmpty()) {
      missing.forEach(id -> accounts.put(id, Optional.empty()));
      missing.clear();
    } else if (listed >= CACHED_ACCOUNTS) {
      listingFits = false;
    }
  }

  /** Forgets the cached account, after the change feed reported it edited. */
  public void invalidate(String accountId) {
    accounts.invalidate(accountId);
  }

  /** Forgets every cached account (edits of them may have been missed). */
  public void invalidateAll() {
    accounts.invalidateAll();
  }

  /** One account's features, only those of {@code projection} when given. */
  public Optional<GetFeaturesResponse> features(String accountId, Optional<FeatureProjection> projection) {
    GetFeaturesRequest.Builder request = GetFeaturesRequest.newBuilder().setAccountId(accountId);
    projection.ifPresent(request::setProjection);
    try {
      return Optional.of(call().getFeatures(request.build()));
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /**
   * The features of every account, only those of {@code projection} when given, in BatchGetFeatures
   * calls of up to {@value #MAX_BATCH} accounts; accounts a response left out to stay within the
   * message limit (remaining_account_ids) are asked for again. Unknown accounts map to empty; any
   * other failure throws.
   */
  public Map<String, Optional<GetFeaturesResponse>> features(Collection<String> accountIds,
      Optional<FeatureProjection> projection) {
    Map<String, Optional<GetFeaturesResponse>> answers = new HashMap<>();
    Deque<String> pending = new ArrayDeque<>(new LinkedHashSet<>(accountIds));
    while (!pending.isEmpty()) {
      BatchGetFeaturesRequest.Builder request = BatchGetFeaturesRequest.newBuilder();
      projection.ifPresent(request::setProjection);
      while (!pending.isEmpty() && request.getAccountIdsCount() < MAX_BATCH) {
        request.addAccountIds(pending.poll());
      }
      BatchGetFeaturesResponse response = call().batchGetFeatures(request.build());
      response.getAccountsList().forEach(f -> answers.put(f.getAccountId(), Optional.of(f)));
      response.getMissingAccountIdsList().forEach(id -> answers.put(id, Optional.empty()));
      if (response.getAccountsCount() + response.getMissingAccountIdsCount() == 0
          && response.getRemainingAccountIdsCount() > 0) {
        throw Status.INTERNAL.withDescription("BatchGetFeatures returned no account of "
            + request.getAccountIdsCount() + ": one account's features exceed the message limit").asRuntimeException();
      }
      List<String> remaining = response.getRemainingAccountIdsList();
      for (int i = remaining.size() - 1; i >= 0; i--) {
        pending.addFirst(remaining.get(i));
      }
    }
    return answers;
  }

  /**
   * Makes {@code call} for each id once, at most {@value #MAX_CONCURRENT_READS} in flight: the next
   * starts as soon as any ends, so one slow answer does not hold back a whole group. Waits for all.
   */
  private static <T> Map<String, Optional<T>> readAll(Collection<String> ids,
      Function<String, ListenableFuture<T>> call, String what) {
    Semaphore inFlight = new Semaphore(MAX_CONCURRENT_READS);
    Map<String, ListenableFuture<T>> calls = new LinkedHashMap<>();
    for (String id : new LinkedHashSet<>(ids)) {
      try {
        inFlight.acquire();
      } catch (InterruptedException e) {
        calls.values().forEach(f -> f.cancel(true));
        Thread.currentThread().interrupt();
        throw Status.CANCELLED.withDescription("interrupted while reading " + what).asRuntimeException();
      }
      ListenableFuture<T> answer = call.apply(id);
      answer.addListener(inFlight::release, MoreExecutors.directExecutor());
      calls.put(id, answer);
    }
    Map<String, Optional<T>> answers = new HashMap<>();
    for (Map.Entry<String, ListenableFuture<T>> c : calls.entrySet()) {
      answers.put(c.getKey(), await(c.getValue(), what));
    }
    return answers;
  }

  /** The call's answer; empty for NOT_FOUND. */
  private static <T> Optional<T> await(ListenableFuture<T> call, String what) {
    try {
      return Optional.of(call.get());
    } catch (InterruptedException e) {
      call.cancel(true);
      Thread.currentThread().interrupt();
      throw Status.CANCELLED.withDescription("interrupted while reading " + what).asRuntimeException();
    } catch (ExecutionException e) {
      Status status = Status.fromThrowable(e.getCause());
      if (status.getCode() == Status.Code.NOT_FOUND) {
        return Optional.empty();
      }
      throw status.asRuntimeException();
    }
  }

  /** Every outcome of the account, oldest first. */
  public List<Outcome> outcomes(String accountId) {
    List<Outcome> outcomes = new ArrayList<>();
    String token = "";
    do {
      ListOutcomesResponse page = call().listOutcomes(
          ListOutcomesRequest.newBuilder().setAccountId(accountId).setPageToken(token).build());
      outcomes.addAll(page.getOutcomesList());
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    return outcomes;
  }
}

package io.healthscore.alerting.engine;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.healthscore.v1.Account;
import io.healthscore.v1.GetAccountRequest;
import io.healthscore.v1.GetAccountResponse;
import io.healthscore.v1.GetFeaturesRequest;
import io.healthscore.v1.GetFeaturesResponse;
import io.healthscore.v1.ListOutcomesRequest;
import io.healthscore.v1.ListOutcomesResponse;
import io.healthscore.v1.Outcome;
import io.healthscore.v1.SignalServiceGrpc;
import io.healthscore.v1.SignalServiceGrpc.SignalServiceBlockingStub;
import io.healthscore.v1.SignalServiceGrpc.SignalServiceFutureStub;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * What alerting asks signals-service: accounts (cached, since scope filters and renewal dates read
 * them on every evaluation; the change feed invalidates an account when it is edited), features and
 * outcomes. An unknown account is empty; any other failure throws, so the caller's transaction rolls
 * back and the change is evaluated again later instead of being judged on missing data.
 */
public final class SignalsReader {
  /**
   * GetFeatures calls in flight at once when many accounts are read together: enough to hide the
   * round trips of a feed batch, few enough not to swamp signals-service.
   */
  static final int MAX_CONCURRENT_READS = 16;

  private final SignalServiceBlockingStub stub;
  private final SignalServiceFutureStub futureStub;
  private final Duration deadline;
  private final Cache<String, Optional<Account>> accounts;

  public SignalsReader(Channel signals, Duration deadline, Duration accountCacheTtl) {
    this.stub = SignalServiceGrpc.newBlockingStub(signals);
    this.futureStub = SignalServiceGrpc.newFutureStub(signals);
    this.deadline = deadline;
    this.accounts = Caffeine.newBuilder()
        .maximumSize(100_000)
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
   * Reads the accounts not in the cache into it, up to {@value #MAX_CONCURRENT_READS} at a time, so
   * that evaluations that need them (scope filters, the assignee of an opened alert) find them
   * there instead of making a round trip each. Unknown accounts are cached as empty; any other
   * failure throws.
   */
  public void loadAccounts(Collection<String> accountIds) {
    List<String> missing = new LinkedHashSet<>(accountIds).stream()
        .filter(id -> accounts.getIfPresent(id) == null)
        .toList();
    for (int from = 0; from < missing.size(); from += MAX_CONCURRENT_READS) {
      List<String> window = missing.subList(from, Math.min(missing.size(), from + MAX_CONCURRENT_READS));
      List<ListenableFuture<GetAccountResponse>> calls = new ArrayList<>();
      for (String id : window) {
        calls.add(futureStub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
            .getAccount(GetAccountRequest.newBuilder().setAccountId(id).build()));
      }
      for (int i = 0; i < window.size(); i++) {
        accounts.put(window.get(i), await(calls.get(i), "accounts").map(GetAccountResponse::getAccount));
      }
    }
  }

  /** Forgets the cached account, after the change feed reported it edited. */
  public void invalidate(String accountId) {
    accounts.invalidate(accountId);
  }

  public Optional<GetFeaturesResponse> features(String accountId) {
    try {
      return Optional.of(call().getFeatures(GetFeaturesRequest.newBuilder().setAccountId(accountId).build()));
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /**
   * The features of every account, read up to {@value #MAX_CONCURRENT_READS} at a time rather than
   * one round trip after another. Unknown accounts map to empty; any other failure throws.
   */
  public Map<String, Optional<GetFeaturesResponse>> features(Collection<String> accountIds) {
    List<String> ids = List.copyOf(new LinkedHashSet<>(accountIds));
    Map<String, Optional<GetFeaturesResponse>> features = new HashMap<>();
    for (int from = 0; from < ids.size(); from += MAX_CONCURRENT_READS) {
      List<String> window = ids.subList(from, Math.min(ids.size(), from + MAX_CONCURRENT_READS));
      List<ListenableFuture<GetFeaturesResponse>> calls = new ArrayList<>();
      for (String id : window) {
        calls.add(futureStub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
            .getFeatures(GetFeaturesRequest.newBuilder().setAccountId(id).build()));
      }
      for (int i = 0; i < window.size(); i++) {
        features.put(window.get(i), await(calls.get(i), "features"));
      }
    }
    return features;
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

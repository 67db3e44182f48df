package io.healthscore.alerting.engine;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.healthscore.v1.Account;
import io.healthscore.v1.GetAccountRequest;
import io.healthscore.v1.GetFeaturesRequest;
import io.healthscore.v1.GetFeaturesResponse;
import io.healthscore.v1.ListOutcomesRequest;
import io.healthscore.v1.ListOutcomesResponse;
import io.healthscore.v1.Outcome;
import io.healthscore.v1.SignalServiceGrpc.SignalServiceBlockingStub;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What alerting asks signals-service: accounts (cached, since scope filters and renewal dates read
 * them on every evaluation; the change feed invalidates an account when it is edited), features and
 * outcomes. An unknown account is empty; any other failure throws, so the caller's transaction rolls
 * back and the change is evaluated again later instead of being judged on missing data.
 */
public final class SignalsReader {
  private final SignalServiceBlockingStub stub;
  private final Duration deadline;
  private final Cache<String, Optional<Account>> accounts;

  public SignalsReader(SignalServiceBlockingStub stub, Duration deadline, Duration accountCacheTtl) {
    this.stub = stub;
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

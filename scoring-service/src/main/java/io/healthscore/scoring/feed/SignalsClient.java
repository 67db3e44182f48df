package io.healthscore.scoring.feed;

import com.google.protobuf.util.Timestamps;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.healthscore.runtime.client.Deadlines;
import io.healthscore.scoring.engine.AccountSnapshot;
import io.healthscore.v1.Account;
import io.healthscore.v1.BatchGetFeaturesRequest;
import io.healthscore.v1.BatchGetFeaturesResponse;
import io.healthscore.v1.GetAccountRequest;
import io.healthscore.v1.GetFeaturesRequest;
import io.healthscore.v1.GetFeaturesResponse;
import io.healthscore.v1.ListAccountsRequest;
import io.healthscore.v1.ListAccountsResponse;
import io.healthscore.v1.ListOutcomesRequest;
import io.healthscore.v1.ListOutcomesResponse;
import io.healthscore.v1.Outcome;
import io.healthscore.v1.SignalServiceGrpc;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The calls scoring-service makes to signals-service, each with a deadline. Feature reads go in
 * batches of at most {@link #MAX_BATCH} accounts, the server's limit.
 */
public final class SignalsClient {
  public static final int MAX_BATCH = 1000;

  private final SignalServiceGrpc.SignalServiceBlockingStub stub;
  private final Duration deadline;

  public SignalsClient(Channel channel, Duration deadline) {
    this.stub = SignalServiceGrpc.newBlockingStub(channel);
    this.deadline = deadline;
  }

  private SignalServiceGrpc.SignalServiceBlockingStub call() {
    return Deadlines.apply(stub, deadline);
  }

  /** The account, or empty when signals-service does not know it. */
  public Optional<Account> getAccount(String accountId) {
    try {
      return Optional.of(
          call().getAccount(GetAccountRequest.newBuilder().setAccountId(accountId).build()).getAccount());
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /** Visits every account, a page of 1000 at a time. */
  public void forEachAccount(Consumer<Account> visitor) {
    String token = "";
    do {
      ListAccountsResponse page =
          call().listAccounts(ListAccountsRequest.newBuilder().setPageSize(MAX_BATCH).setPageToken(token).build());
      page.getAccountsList().forEach(visitor);
      token = page.getNextPageToken();
    } while (!token.isEmpty());
  }

  /** Every recorded outcome, oldest first. */
  public List<Outcome> allOutcomes() {
    List<Outcome> result = new ArrayList<>();
    String token = "";
    do {
      ListOutcomesResponse page =
          call().listOutcomes(ListOutcomesRequest.newBuilder().setPageSize(10_000).setPageToken(token).build());
      result.addAll(page.getOutcomesList());
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    return result;
  }

  /** Current snapshots of the accounts (unknown ones are left out), in batches of 1000. */
  public List<AccountSnapshot> currentSnapshots(List<AccountInfo> accounts) {
    List<AccountSnapshot> result = new ArrayList<>(accounts.size());
    for (int from = 0; from < accounts.size(); from += MAX_BATCH) {
      List<AccountInfo> batch = accounts.subList(from, Math.min(accounts.size(), from + MAX_BATCH));
      Map<String, AccountInfo> byId = new HashMap<>();
      BatchGetFeaturesRequest.Builder request = BatchGetFeaturesRequest.newBuilder();
      for (AccountInfo a : batch) {
        byId.put(a.accountId(), a);
        request.addAccountIds(a.accountId());
      }
      BatchGetFeaturesResponse response = call().batchGetFeatures(request.build());
      for (GetFeaturesResponse f : response.getAccountsList()) {
        AccountInfo info = byId.get(f.getAccountId());
        if (info != null) {
          result.add(snapshot(info, f));
        }
      }
    }
    return result;
  }

  /** The account's features as of a moment (only data before it). */
  public GetFeaturesResponse featuresAsOf(String accountId, long asOfMillis) {
    return call()
        .getFeatures(
            GetFeaturesRequest.newBuilder()
                .setAccountId(accountId)
                .setAsOf(Timestamps.fromMillis(asOfMillis))
                .build());
  }

  public static AccountSnapshot snapshot(AccountInfo info, GetFeaturesResponse f) {
    return new AccountSnapshot(
        info.accountId(),
        info.segment(),
        info.lifecycleStage(),
        info.parentAccountId(),
        info.owner(),
        info.mrr(),
        f.getFeaturesMap(),
        f.getLabelsMap());
  }
}

package io.healthscore.scoring.upstream;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.util.Timestamps;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.healthscore.runtime.client.Deadlines;
import io.healthscore.scoring.engine.AccountSnapshot;
import io.healthscore.v1.Account;
import io.healthscore.v1.BatchGetFeaturesRequest;
import io.healthscore.v1.BatchGetFeaturesResponse;
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
import io.healthscore.v1.SignalServiceGrpc;
import io.healthscore.v1.StreamFeatureSnapshotsRequest;
import io.healthscore.v1.StreamFeatureSnapshotsResponse;
import io.healthscore.v1.WatchChangesRequest;
import io.healthscore.v1.WatchChangesResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * scoring-service's calls to signals-service, each with a deadline. Feature reads send the
 * caller's projection; BatchGetFeatures goes {@link #MAX_BATCH} accounts at a time and asks again
 * for the accounts a response left out to stay within the message limit. A bulk read streams, its
 * deadline growing with the pairs asked for. The change feed is long-lived but carries a deadline
 * too, after which its follower opens it again.
 */
public final class SignalsClient
    implements AccountSource, FeatureReader, FeatureSnapshots, OutcomeSource, ChangeFeed {
  /** The most account ids signals-service takes in one BatchGetFeatures. */
  public static final int MAX_BATCH = 1000;
  /** The most pairs sent in one StreamFeatureSnapshots request. */
  static final int MAX_STREAM_KEYS = 100_000;
  /** Pairs a bulk read is given per deadline: 10,000 pairs get twice the unary deadline. */
  private static final int PAIRS_PER_DEADLINE = 10_000;
  /** GetAccount calls a many-account read keeps in flight. */
  private static final int ACCOUNT_READS_IN_FLIGHT = 64;

  private static final Duration FEED_DEADLINE = Duration.ofMinutes(5);

  private final SignalServiceGrpc.SignalServiceBlockingStub stub;
  private final SignalServiceGrpc.SignalServiceStub asyncStub;
  private final SignalServiceGrpc.SignalServiceFutureStub futureStub;
  private final Duration deadline;

  public SignalsClient(Channel channel, Duration deadline) {
    this.stub = SignalServiceGrpc.newBlockingStub(channel);
    this.asyncStub = SignalServiceGrpc.newStub(channel);
    this.futureStub = SignalServiceGrpc.newFutureStub(channel);
    this.deadline = deadline;
  }

  private SignalServiceGrpc.SignalServiceBlockingStub call() {
    return Deadlines.apply(stub, deadline);
  }

  @Override
  public Optional<AccountInfo> account(String accountId) {
    try {
      return Optional.of(
          AccountInfo.of(
              call().getAccount(GetAccountRequest.newBuilder().setAccountId(accountId).build()).getAccount()));
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }

  @Override
  public Map<String, AccountInfo> accounts(Collection<String> accountIds) {
    Map<String, AccountInfo> result = new HashMap<>();
    List<String> ids = List.copyOf(accountIds);
    for (int from = 0; from < ids.size(); from += ACCOUNT_READS_IN_FLIGHT) {
      List<String> part = ids.subList(from, Math.min(ids.size(), from + ACCOUNT_READS_IN_FLIGHT));
      List<ListenableFuture<GetAccountResponse>> calls = new ArrayList<>(part.size());
      for (String id : part) {
        calls.add(Deadlines.apply(futureStub, deadline).getAccount(GetAccountRequest.newBuilder().setAccountId(id).build()));
      }
      for (ListenableFuture<GetAccountResponse> call : calls) {
        try {
          Account a = call.get().getAccount();
          result.put(a.getAccountId(), AccountInfo.of(a));
        } catch (ExecutionException e) {
          StatusRuntimeException failure = Status.fromThrowable(e.getCause()).asRuntimeException();
          if (failure.getStatus().getCode() != Status.Code.NOT_FOUND) {
            calls.forEach(c -> c.cancel(true));
            throw failure;
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          calls.forEach(c -> c.cancel(true));
          throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
        }
      }
    }
    return result;
  }

  @Override
  public void forEachAccount(Consumer<AccountInfo> visitor) {
    String token = "";
    do {
      ListAccountsResponse page =
          call().listAccounts(ListAccountsRequest.newBuilder().setPageSize(MAX_BATCH).setPageToken(token).build());
      page.getAccountsList().forEach(a -> visitor.accept(AccountInfo.of(a)));
      token = page.getNextPageToken();
    } while (!token.isEmpty());
  }

  @Override
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

  @Override
  public List<AccountSnapshot> current(List<AccountInfo> accounts, FeatureSelection wanted) {
    FeatureProjection projection = wanted.toProto();
    Map<String, GetFeaturesResponse> found = new HashMap<>();
    for (int from = 0; from < accounts.size(); from += MAX_BATCH) {
      List<String> ask = new ArrayList<>();
      for (AccountInfo a : accounts.subList(from, Math.min(accounts.size(), from + MAX_BATCH))) {
        ask.add(a.accountId());
      }
      while (!ask.isEmpty()) {
        BatchGetFeaturesResponse response =
            call()
                .batchGetFeatures(
                    BatchGetFeaturesRequest.newBuilder().addAllAccountIds(ask).setProjection(projection).build());
        response.getAccountsList().forEach(f -> found.put(f.getAccountId(), f));
        List<String> remaining = response.getRemainingAccountIdsList();
        if (remaining.size() >= ask.size()) {
          throw Status.RESOURCE_EXHAUSTED
              .withDescription("BatchGetFeatures returned none of " + ask.size() + " accounts, starting with " + ask.get(0))
              .asRuntimeException();
        }
        ask = new ArrayList<>(remaining);
      }
    }
    List<AccountSnapshot> result = new ArrayList<>(found.size());
    for (AccountInfo a : accounts) {
      GetFeaturesResponse f = found.get(a.accountId());
      if (f != null) {
        result.add(a.snapshot(f.getFeaturesMap(), f.getLabelsMap()));
      }
    }
    return result;
  }

  @Override
  public Optional<AccountSnapshot> asOf(AccountInfo account, long asOfMillis, FeatureSelection wanted) {
    try {
      GetFeaturesResponse f =
          call()
              .getFeatures(
                  GetFeaturesRequest.newBuilder()
                      .setAccountId(account.accountId())
                      .setAsOf(Timestamps.fromMillis(asOfMillis))
                      .setProjection(wanted.toProto())
                      .build());
      return Optional.of(account.snapshot(f.getFeaturesMap(), f.getLabelsMap()));
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }

  @Override
  public void read(List<SnapshotKey> keys, FeatureSelection wanted, Consumer<FeatureRow> each) {
    FeatureProjection projection = wanted.toProto();
    for (int from = 0; from < keys.size(); from += MAX_STREAM_KEYS) {
      List<SnapshotKey> part = keys.subList(from, Math.min(keys.size(), from + MAX_STREAM_KEYS));
      StreamFeatureSnapshotsRequest.Builder request = StreamFeatureSnapshotsRequest.newBuilder().setProjection(projection);
      for (SnapshotKey k : part) {
        io.healthscore.v1.SnapshotKey.Builder key = request.addKeysBuilder().setAccountId(k.accountId());
        if (k.asOfMillis() != 0) {
          key.setAsOf(Timestamps.fromMillis(k.asOfMillis()));
        }
      }
      Duration bulk = deadline.multipliedBy(1 + (part.size() + PAIRS_PER_DEADLINE - 1) / PAIRS_PER_DEADLINE);
      Iterator<StreamFeatureSnapshotsResponse> responses =
          Deadlines.apply(stub, bulk).streamFeatureSnapshots(request.build());
      decode(responses, part, from, each);
    }
  }

  /** Turns the stream's dictionary-coded parts back into rows. */
  private static void decode(
      Iterator<StreamFeatureSnapshotsResponse> responses,
      List<SnapshotKey> part,
      int offset,
      Consumer<FeatureRow> each) {
    List<String> featureNames = new ArrayList<>();
    List<String> labelNames = new ArrayList<>();
    while (responses.hasNext()) {
      StreamFeatureSnapshotsResponse r = responses.next();
      featureNames.addAll(r.getNewFeatureNamesList());
      labelNames.addAll(r.getNewLabelNamesList());
      for (FeatureSnapshot s : r.getSnapshotsList()) {
        Map<String, Double> features = new HashMap<>(2 * s.getFeatureIdsCount());
        for (int i = 0; i < s.getFeatureIdsCount(); i++) {
          features.put(featureNames.get(s.getFeatureIds(i)), s.getFeatureValues(i));
        }
        Map<String, String> labels = new HashMap<>(2 * s.getLabelIdsCount());
        for (int i = 0; i < s.getLabelIdsCount(); i++) {
          labels.put(labelNames.get(s.getLabelIds(i)), s.getLabelValues(i));
        }
        int index = s.getKeyIndex();
        each.accept(new FeatureRow(offset + index, part.get(index), features, labels));
      }
    }
  }

  @Override
  public void watch(long afterCursor, StreamObserver<WatchChangesResponse> observer) {
    asyncStub
        .withDeadlineAfter(FEED_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
        .watchChanges(WatchChangesRequest.newBuilder().setAfterCursor(afterCursor).build(), observer);
  }
}

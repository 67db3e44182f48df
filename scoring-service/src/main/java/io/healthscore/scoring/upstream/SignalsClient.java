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
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * scoring-service's calls to signals-service, each with a deadline. Feature reads send the
 * caller's projection; BatchGetFeatures goes {@link #MAX_BATCH} accounts at a time and asks again
 * for the accounts a response left out to stay within the message limit. A bulk read streams, its
 * deadline growing with the pairs asked for, and is resumed after the last key received when the
 * stream breaks or its deadline ends after some progress (never handing on a row twice or leaving
 * keys out silently). The change feed is long-lived but carries a deadline
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
  /** Times a bulk read is opened again after a break that made no progress. */
  private static final int MAX_RESUMES = 3;
  private static final Duration RESUME_PAUSE = Duration.ofMillis(500);
  /** Statuses of a stream broken by the transport or a restart, not by the request. */
  private static final Set<Status.Code> RESUMABLE = EnumSet.of(Status.Code.UNAVAILABLE, Status.Code.ABORTED);
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

  /**
   * {@inheritDoc} Up to {@link #MAX_BATCH} accounts in one BatchGetFeatures (asked again for the
   * accounts left out at the message limit); more (a rescore's read-ahead) in one live
   * StreamFeatureSnapshots, whose dictionary-coded responses carry a name once per stream instead
   * of once per account.
   */
  @Override
  public List<AccountSnapshot> current(List<AccountInfo> accounts, FeatureSelection wanted) {
    if (accounts.size() > MAX_BATCH) {
      return streamed(accounts, wanted);
    }
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

  private List<AccountSnapshot> streamed(List<AccountInfo> accounts, FeatureSelection wanted) {
    List<SnapshotKey> keys = new ArrayList<>(accounts.size());
    for (AccountInfo a : accounts) {
      keys.add(new SnapshotKey(a.accountId(), 0)); // no moment: live features
    }
    AccountSnapshot[] read = new AccountSnapshot[accounts.size()];
    read(keys, wanted, row -> read[row.keyIndex()] = accounts.get(row.keyIndex()).snapshot(row.features(), row.labels()));
    List<AccountSnapshot> result = new ArrayList<>(read.length);
    for (AccountSnapshot snapshot : read) {
      if (snapshot != null) {
        result.add(snapshot);
      }
    }
    return result;
  }

  @Override
  public void read(List<SnapshotKey> keys, FeatureSelection wanted, Consumer<FeatureRow> each) {
    FeatureProjection projection = wanted.toProto();
    for (int from = 0; from < keys.size(); from += MAX_STREAM_KEYS) {
      int to = Math.min(keys.size(), from + MAX_STREAM_KEYS);
      int next = from;
      int resumes = 0;
      while (next < to) {
        int start = next;
        try {
          next = stream(keys.subList(start, to), projection, start, each);
        } catch (BrokenStream broken) {
          next = broken.next;
          if (next == start) {
            if (++resumes > MAX_RESUMES) {
              throw broken.failure;
            }
            pause(resumes);
          }
        }
      }
    }
  }

  /** Waits a little longer after each break that made no progress (a restarting server). */
  private static void pause(int resumes) {
    try {
      Thread.sleep(RESUME_PAUSE.toMillis() * resumes);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
    }
  }

  /** A stream that broke with a status worth resuming after {@link #next}, the first key not yet read. */
  private static final class BrokenStream extends RuntimeException {
    final int next;
    final StatusRuntimeException failure;

    BrokenStream(int next, StatusRuntimeException failure) {
      super(failure.getMessage(), failure, false, false);
      this.next = next;
      this.failure = failure;
    }
  }

  /**
   * Streams {@code part} (keys from {@code offset} on) into rows; returns the key after the last
   * one read. Snapshots and missing keys come in request order, so when the stream breaks with a
   * transient status, or its deadline ends after some keys, every key before the last one received
   * is done and the read resumes after it (each row handed on once); any other status, or a
   * deadline that passed without a key, fails the read.
   */
  private int stream(List<SnapshotKey> part, FeatureProjection projection, int offset, Consumer<FeatureRow> each) {
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
    SnapshotDecoder decoder = new SnapshotDecoder();
    int done = 0;
    try {
      while (responses.hasNext()) {
        StreamFeatureSnapshotsResponse r = responses.next();
        decoder.addNames(r);
        for (FeatureSnapshot s : r.getSnapshotsList()) {
          int index = s.getKeyIndex();
          each.accept(decoder.row(offset + index, part.get(index), s));
          done = Math.max(done, index + 1);
        }
        for (int missing : r.getMissingKeyIndexesList()) {
          done = Math.max(done, missing + 1);
        }
      }
    } catch (StatusRuntimeException e) {
      // A deadline that ends a stream which made progress only means a slower server than the
      // deadline assumed (a loaded machine): the next stream goes on from there.
      Status.Code code = e.getStatus().getCode();
      if (RESUMABLE.contains(code) || (code == Status.Code.DEADLINE_EXCEEDED && done > 0)) {
        throw new BrokenStream(offset + done, e);
      }
      throw e;
    }
    if (done < part.size()) {
      throw Status.DATA_LOSS
          .withDescription("StreamFeatureSnapshots ended after " + done + " of " + part.size() + " keys")
          .asRuntimeException();
    }
    return offset + done;
  }

  @Override
  public void watch(long afterCursor, StreamObserver<WatchChangesResponse> observer) {
    asyncStub
        .withDeadlineAfter(FEED_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
        .watchChanges(WatchChangesRequest.newBuilder().setAfterCursor(afterCursor).build(), observer);
  }
}

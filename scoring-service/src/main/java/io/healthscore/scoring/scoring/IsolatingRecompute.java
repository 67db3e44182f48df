package io.healthscore.scoring.scoring;

import io.grpc.Status;
import io.healthscore.runtime.db.FeedLease;
import io.healthscore.scoring.engine.AccountSnapshot;
import io.healthscore.scoring.upstream.AccountDirectory;
import io.healthscore.scoring.upstream.AccountInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Recomputes batches of accounts so that one account that cannot be applied never stops the rest:
 * a failing batch is split in halves, recursively, down to the accounts that fail on their own;
 * those are set aside ({@link SetAsideAccounts}) and the rest is applied. An outage of
 * signals-service (unavailable, too slow, cancelled, refused credentials) is no fault of an
 * account: it fails the whole batch, for the caller to retry it as a whole; so does losing the
 * feed's lease to another replica ({@link FeedLease.NotHeldException}).
 */
public final class IsolatingRecompute {
  private static final Set<Status.Code> OUTAGE =
      Set.of(
          Status.Code.UNAVAILABLE,
          Status.Code.DEADLINE_EXCEEDED,
          Status.Code.CANCELLED,
          Status.Code.UNAUTHENTICATED,
          Status.Code.PERMISSION_DENIED);

  private final Scorer scorer;
  private final SetAsideAccounts setAside;
  private final AccountDirectory directory;

  public IsolatingRecompute(Scorer scorer, SetAsideAccounts setAside, AccountDirectory directory) {
    this.scorer = scorer;
    this.setAside = setAside;
    this.directory = directory;
  }

  /**
   * Recomputes the accounts (see {@link Scorer#recompute}) outside any feed: nothing fenced, {@code
   * extra} commits once the batch is applied. Returns the ids set aside; {@code source} names the
   * caller in metrics and the log.
   */
  public List<String> recompute(
      String source, List<AccountInfo> accounts, String onlyScorecardId, boolean forceStore, Scorer.TransactionExtra extra) {
    return recompute(source, accounts, null, onlyScorecardId, forceStore, Scorer.TransactionExtra.NONE, extra);
  }

  /**
   * The same with the accounts' snapshots read ahead (null when they could not be read as a
   * whole; a split reads its parts again), and {@code fence} (a feed lease's) run in every
   * transaction: the first attempt's, each half's, the parents' roll-ups and the commit of {@code
   * extra} once the failing accounts were set aside. A replica that lost the lease commits none.
   */
  public List<String> recompute(
      String source,
      List<AccountInfo> accounts,
      List<AccountSnapshot> readAhead,
      String onlyScorecardId,
      boolean forceStore,
      Scorer.TransactionExtra fence,
      Scorer.TransactionExtra extra) {
    Map<String, RuntimeException> failures = new LinkedHashMap<>();
    if (attempt(accounts, readAhead, onlyScorecardId, forceStore, fence, extra, failures)) {
      return List.of();
    }
    setAside.failed(source, failures);
    scorer.commit(fence.andThen(extra));
    return List.copyOf(failures.keySet());
  }

  /** The accounts' current snapshots, as a batch's first attempt reads them. */
  public List<AccountSnapshot> read(List<AccountInfo> accounts) {
    return scorer.readCurrent(accounts);
  }

  /** Applies the part, else its halves, recursively; true when it applied as a whole. */
  private boolean attempt(
      List<AccountInfo> part,
      List<AccountSnapshot> readAhead,
      String onlyScorecardId,
      boolean forceStore,
      Scorer.TransactionExtra fence,
      Scorer.TransactionExtra extra,
      Map<String, RuntimeException> failures) {
    try {
      scorer.recompute(readAhead != null ? readAhead : scorer.readCurrent(part), onlyScorecardId, forceStore, fence, extra);
      setAside.applied(ids(part));
      return true;
    } catch (RuntimeException e) {
      if (isOutage(e)) {
        throw e;
      }
      if (part.size() == 1) {
        failures.put(part.get(0).accountId(), e);
      } else {
        int half = part.size() / 2;
        attempt(part.subList(0, half), null, onlyScorecardId, forceStore, fence, Scorer.TransactionExtra.NONE, failures);
        attempt(part.subList(half, part.size()), null, onlyScorecardId, forceStore, fence, Scorer.TransactionExtra.NONE,
            failures);
      }
      return false;
    }
  }

  /**
   * Tries every set-aside account that is due again, on all its scorecards (a rescore's forced
   * store included, as it may have failed in one), each transaction fenced with {@code fence} (the
   * feed's lease, whose holder runs the retries). Stops at an outage or a lost lease; the next
   * round goes on.
   */
  public void retryDue(Scorer.TransactionExtra fence) {
    for (String id : setAside.due()) {
      Optional<AccountInfo> account;
      try {
        account = directory.refresh(id);
        if (account.isEmpty()) {
          setAside.applied(List.of(id)); // deleted meanwhile: nothing left to apply
          continue;
        }
        scorer.recompute(scorer.readCurrent(List.of(account.get())), null, true, fence, Scorer.TransactionExtra.NONE);
        setAside.applied(List.of(id));
      } catch (RuntimeException e) {
        if (isOutage(e)) {
          return;
        }
        setAside.failed("retry", Map.of(id, e));
      }
    }
  }

  /** Whether the failure is signals-service's, the network's or the lease's, not the account's. */
  public static boolean isOutage(RuntimeException e) {
    return e instanceof FeedLease.NotHeldException || OUTAGE.contains(Status.fromThrowable(e).getCode());
  }

  private static List<String> ids(List<AccountInfo> accounts) {
    List<String> ids = new ArrayList<>(accounts.size());
    accounts.forEach(a -> ids.add(a.accountId()));
    return ids;
  }
}

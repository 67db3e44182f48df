package io.healthscore.scoring.rescore;

import io.healthscore.runtime.concurrent.DaemonThreads;
import io.healthscore.scoring.engine.AccountSnapshot;
import io.healthscore.scoring.engine.CompiledScorecard;
import io.healthscore.scoring.engine.SegmentDistributions;
import io.healthscore.scoring.scoring.IsolatingRecompute;
import io.healthscore.scoring.scoring.ScorecardRegistry;
import io.healthscore.scoring.scoring.Scorer;
import io.healthscore.scoring.store.DistributionStore;
import io.healthscore.scoring.store.ScoreStore;
import io.healthscore.scoring.upstream.AccountDirectory;
import io.healthscore.scoring.upstream.AccountInfo;
import io.healthscore.v1.Measure;
import io.healthscore.v1.RescoreState;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Background rescoring of every account (or those of one scorecard), in batches of 1000 whose
 * features are read ten batches at a time (one bulk stream), with progress and cancellation. An account that fails to apply is set aside and retried on its own
 * (counted in the job's set_aside), the job goes on. A batch that meets an outage of
 * signals-service (unreachable, a read past its deadline) is tried again with backoff, up to
 * {@link #OUTAGE_ATTEMPTS} times in about 30 s, before the job fails. At most one job runs per scorecard: starting another for the same
 * scorecard returns the running one; a whole rescore ("" scope) overlaps nothing else. Before
 * scoring, percentile distributions are rebuilt from a sample of accounts. Jobs live in memory
 * (the latest 100 are kept); a restart forgets them, while the scores they stored stay.
 */
public final class RescoreJobs implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RescoreJobs.class);
  private static final int KEEP = 100;
  private static final int BATCH = 1000;
  /**
   * Accounts whose features are read at once, then scored a batch at a time: one bulk stream from
   * signals-service instead of a BatchGetFeatures round trip per batch.
   */
  private static final int READ_AHEAD = 10 * BATCH;
  private static final String SOURCE = "rescore";
  /** Tries of one batch through an outage: waits of 1, 2, 4, 8 and 16 s between them. */
  static final int OUTAGE_ATTEMPTS = 6;
  private static final long FIRST_OUTAGE_WAIT_MS = 1000;

  private final AccountDirectory directory;
  private final Scorer scorer;
  private final IsolatingRecompute recompute;
  private final ScoreStore scores;
  private final ScorecardRegistry scorecards;
  private final DistributionStore distributions;
  private final Clock clock;
  private final int distributionSample;
  private final Map<String, RescoreJob> jobs = new LinkedHashMap<>();
  private final ExecutorService executor =
      Executors.newCachedThreadPool(DaemonThreads.named("rescore"));

  public RescoreJobs(
      AccountDirectory directory,
      Scorer scorer,
      IsolatingRecompute recompute,
      ScoreStore scores,
      ScorecardRegistry scorecards,
      DistributionStore distributions,
      Clock clock,
      int distributionSample) {
    this.distributions = distributions;
    this.directory = directory;
    this.scorer = scorer;
    this.recompute = recompute;
    this.scores = scores;
    this.scorecards = scorecards;
    this.clock = clock;
    this.distributionSample = distributionSample;
  }

  /**
   * Starts rescoring every account's scores on {@code scorecardId} ("" for every scorecard), or
   * returns the job already running for that scope.
   */
  public synchronized RescoreJob start(String scorecardId) {
    for (RescoreJob running : jobs.values()) {
      if (running.running()
          && (running.scorecardId().equals(scorecardId) || running.scorecardId().isEmpty() || scorecardId.isEmpty())) {
        return running;
      }
    }
    return launch(scorecardId, false);
  }

  /**
   * After a scorecard changed: cancels a running job of that scorecard and rescores, on all their
   * scorecards, the accounts it applies to and those it scored before (a new scorecard may change
   * which one is primary; one whose segments or stages changed leaves scores that no longer apply,
   * which the rescore removes, and accounts that fall back to the default scorecard).
   */
  public synchronized RescoreJob restartFor(String scorecardId) {
    for (RescoreJob running : jobs.values()) {
      if (running.running() && running.scorecardId().equals(scorecardId)) {
        running.requestCancel();
      }
    }
    return launch(scorecardId, true);
  }

  public synchronized Optional<RescoreJob> get(String id) {
    return Optional.ofNullable(jobs.get(id));
  }

  /** Asks a running job to stop after its current batch; scores computed so far stay. */
  public synchronized Optional<RescoreJob> cancel(String id) {
    RescoreJob job = jobs.get(id);
    if (job != null) {
      job.requestCancel();
    }
    return Optional.ofNullable(job);
  }

  private RescoreJob launch(String scorecardId, boolean allScorecardsOfAccounts) {
    RescoreJob job = new RescoreJob(UUID.randomUUID().toString(), scorecardId, clock.millis());
    jobs.put(job.id(), job);
    while (jobs.size() > KEEP) {
      String oldest = jobs.keySet().iterator().next();
      if (jobs.get(oldest).running()) {
        break;
      }
      jobs.remove(oldest);
    }
    List<AccountInfo> accounts = accountsInScope(scorecardId);
    if (allScorecardsOfAccounts) {
      Set<String> inScope = new HashSet<>();
      accounts.forEach(a -> inScope.add(a.accountId()));
      for (String id : scores.accountIds(scorecardId)) {
        if (!inScope.contains(id)) {
          directory.cached(id).ifPresent(accounts::add);
        }
      }
    }
    job.setTotal(accounts.size());
    String filter = scorecardId.isEmpty() || allScorecardsOfAccounts ? null : scorecardId;
    executor.execute(() -> run(job, accounts, filter));
    return job;
  }

  private List<AccountInfo> accountsInScope(String scorecardId) {
    List<AccountInfo> result = new ArrayList<>();
    Optional<CompiledScorecard> card = scorecardId.isEmpty() ? Optional.empty() : scorecards.get(scorecardId);
    for (AccountInfo a : directory.all()) {
      if (card.isEmpty() ? !scorecards.scorecardsFor(a).isEmpty() : scorecards.applies(card.get(), a)) {
        result.add(a);
      }
    }
    return result;
  }

  private void run(RescoreJob job, List<AccountInfo> accounts, String filter) {
    try {
      rebuildDistributions(job, accounts);
      for (int from = 0; from < accounts.size(); from += READ_AHEAD) {
        if (job.cancelRequested()) {
          job.finish(RescoreState.RESCORE_STATE_CANCELLED, "", clock.millis());
          return;
        }
        List<AccountInfo> ahead = accounts.subList(from, Math.min(accounts.size(), from + READ_AHEAD));
        Map<String, AccountSnapshot> read = readAhead(job, ahead);
        for (int at = 0; at < ahead.size(); at += BATCH) {
          List<AccountInfo> batch = ahead.subList(at, Math.min(ahead.size(), at + BATCH));
          List<AccountSnapshot> snapshots = read == null ? null : snapshotsOf(batch, read);
          List<String> setAside =
              throughOutages(job, batch.size(), () -> recompute.recompute(SOURCE, batch, snapshots, filter, true,
                  Scorer.TransactionExtra.NONE, Scorer.TransactionExtra.NONE));
          job.addSetAside(setAside.size());
          job.addDone(batch.size());
          // After the batch, whose read may have been in flight: a cancel stops before the next.
          if (job.cancelRequested()) {
            job.finish(RescoreState.RESCORE_STATE_CANCELLED, "", clock.millis());
            return;
          }
        }
      }
      job.finish(
          job.cancelRequested() ? RescoreState.RESCORE_STATE_CANCELLED : RescoreState.RESCORE_STATE_DONE,
          "",
          clock.millis());
    } catch (RuntimeException e) {
      LOG.warn("rescore " + job.id() + " failed", e);
      job.finish(RescoreState.RESCORE_STATE_FAILED, String.valueOf(e.getMessage()), clock.millis());
    }
  }

  /**
   * The accounts' snapshots by id, read at once (through outages); null when they cannot be read
   * as a whole (an account fails), for each batch to read its own and isolate the failing one.
   */
  private Map<String, AccountSnapshot> readAhead(RescoreJob job, List<AccountInfo> accounts) {
    List<AccountSnapshot> read;
    try {
      read = throughOutages(job, accounts.size(), () -> recompute.read(accounts));
    } catch (RuntimeException e) {
      if (IsolatingRecompute.isOutage(e)) {
        throw e;
      }
      return null;
    }
    Map<String, AccountSnapshot> byId = new HashMap<>(2 * read.size());
    read.forEach(s -> byId.put(s.accountId(), s));
    return byId;
  }

  /** The batch's snapshots in its order; accounts signals-service does not know are left out, as a read leaves them. */
  private static List<AccountSnapshot> snapshotsOf(List<AccountInfo> batch, Map<String, AccountSnapshot> read) {
    List<AccountSnapshot> snapshots = new ArrayList<>(batch.size());
    for (AccountInfo a : batch) {
      AccountSnapshot s = read.get(a.accountId());
      if (s != null) {
        snapshots.add(s);
      }
    }
    return snapshots;
  }

  /**
   * One batch's work, tried again while signals-service is out (reading and recomputing are
   * idempotent: a score that did not change publishes nothing); a cancel ends the tries.
   */
  private <T> T throughOutages(RescoreJob job, int batchSize, Supplier<T> work) {
    long waitMs = FIRST_OUTAGE_WAIT_MS;
    for (int attempt = 1; ; attempt++) {
      try {
        return work.get();
      } catch (RuntimeException e) {
        if (!IsolatingRecompute.isOutage(e) || attempt >= OUTAGE_ATTEMPTS || job.cancelRequested()) {
          throw e;
        }
        LOG.warn("rescore {}: a batch of {} accounts met an outage ({}); trying again in {} ms", job.id(), batchSize,
            e.getMessage(), waitMs);
        try {
          Thread.sleep(waitMs);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
        waitMs *= 2;
      }
    }
  }

  /** Percentile measures compare an account with its segment, so refresh what they compare with. */
  private void rebuildDistributions(RescoreJob job, List<AccountInfo> accounts) {
    String scorecardId = job.scorecardId();
    List<CompiledScorecard> cards = new ArrayList<>();
    for (CompiledScorecard c : scorecards.all()) {
      if ((scorecardId.isEmpty() || c.id().equals(scorecardId)) && hasPercentile(c)) {
        cards.add(c);
      }
    }
    if (cards.isEmpty() || distributionSample == 0) {
      return;
    }
    List<AccountSnapshot> sample = readSample(job, accounts.subList(0, Math.min(accounts.size(), distributionSample)));
    for (CompiledScorecard c : cards) {
      SegmentDistributions built = SegmentDistributions.build(c, sample);
      distributions.save(c.id(), built, clock.millis());
      scorecards.setDistributions(c.id(), built);
    }
  }

  /**
   * The sample's snapshots, batch by batch; a batch that cannot be read (an account of it fails)
   * is left out of the sample rather than failing the rescore.
   */
  private List<AccountSnapshot> readSample(RescoreJob job, List<AccountInfo> sample) {
    List<AccountSnapshot> result = new ArrayList<>(sample.size());
    int skipped = 0;
    for (int from = 0; from < sample.size(); from += BATCH) {
      List<AccountInfo> batch = sample.subList(from, Math.min(sample.size(), from + BATCH));
      try {
        result.addAll(throughOutages(job, batch.size(), () -> scorer.readCurrent(batch)));
      } catch (RuntimeException e) {
        if (IsolatingRecompute.isOutage(e)) {
          throw e;
        }
        skipped += batch.size();
      }
    }
    if (skipped > 0) {
      int left = skipped;
      LOG.warn("percentile sample: " + left + " accounts left out, their features could not be read");
    }
    return result;
  }

  private static boolean hasPercentile(CompiledScorecard c) {
    for (int i = 0; i < c.measureCount(); i++) {
      if (c.measure(i).getMappingCase() == Measure.MappingCase.PERCENTILE) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() {
    synchronized (this) {
      jobs.values().forEach(RescoreJob::requestCancel);
    }
    executor.shutdown();
    try {
      executor.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

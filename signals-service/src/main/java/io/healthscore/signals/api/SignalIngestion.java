package io.healthscore.signals.api;

import com.google.protobuf.Timestamp;
import io.healthscore.runtime.error.ApiException;
import io.healthscore.runtime.error.DeadlineExceededException;
import io.healthscore.runtime.error.FieldViolation;
import io.healthscore.runtime.error.InvalidArgumentException;
import io.healthscore.signals.ingest.IngestEngine;
import io.healthscore.signals.ingest.IngestResult;
import io.healthscore.signals.ingest.SignalRecord;
import io.healthscore.signals.store.AccountDirectory;
import io.healthscore.v1.Signal;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * One batch of signals from validation to durable storage, shared by IngestSignals and
 * StreamSignals: field checks, known-account checks (hash lookups in the directory, SQL only for
 * ids it has never seen), optional creation of unknown accounts, then the ingest engine.
 */
public final class SignalIngestion {
  private final IngestEngine engine;
  private final AccountDirectory directory;
  private final AccountUpserts accounts;
  private final SignalValidator validator = new SignalValidator();
  private final FirstAttemptCheck firstAttempt;
  private final IngestMetrics metrics;
  private final Clock clock;
  private final int maxBatch;
  private final boolean autoCreateAccounts;

  public SignalIngestion(
      IngestEngine engine,
      AccountDirectory directory,
      AccountUpserts accounts,
      IngestMetrics metrics,
      Clock clock,
      int maxBatch,
      boolean autoCreateAccounts) {
    this.engine = engine;
    this.directory = directory;
    this.accounts = accounts;
    this.metrics = metrics;
    this.clock = clock;
    this.maxBatch = maxBatch;
    this.autoCreateAccounts = autoCreateAccounts;
    this.firstAttempt = new FirstAttemptCheck(engine, clock);
  }

  /**
   * What became of a batch.
   *
   * @param atomicRejected true when an atomic batch was refused as a whole (nothing stored)
   */
  public record Result(int accepted, int duplicates, List<SignalViolation> rejected, boolean atomicRejected) {

    /** The INVALID_ARGUMENT a unary call ends with for an atomic rejection. */
    public InvalidArgumentException toException() {
      List<FieldViolation> fields = new ArrayList<>(rejected.size());
      for (SignalViolation v : rejected) {
        fields.add(new FieldViolation(v.field(), v.reason()));
      }
      SignalViolation first = rejected.get(0);
      return new InvalidArgumentException(
          "atomic batch rejected, " + rejected.size() + " violation(s), first: " + first.field() + " " + first.reason(),
          fields);
    }
  }

  /**
   * Validates and stores a batch. Throws INVALID_ARGUMENT for a batch over the size limit or an
   * invalid {@code firstAttemptAt}, FAILED_PRECONDITION for a batch first sent before the dedup
   * window (both before any other work, storing nothing); an atomic batch with violations comes back with {@code atomicRejected} and nothing stored. Once
   * {@code callerGone} is true (the call's deadline passed, or its client cancelled) the batch is
   * not stored: DEADLINE_EXCEEDED, unless it was logged already, which is then answered as usual.
   */
  public Result ingest(
      List<Signal> signals, boolean atomic, Optional<Timestamp> firstAttemptAt, BooleanSupplier callerGone) {
    try {
      firstAttempt.check(firstAttemptAt);
    } catch (ApiException e) {
      metrics.rejected(FirstAttemptCheck.FIELD, signals.size());
      throw e;
    }
    if (signals.size() > maxBatch) {
      metrics.rejected("batch_size", signals.size());
      throw InvalidArgumentException.forField(
          "signals", "must hold at most " + maxBatch + " signals, got " + signals.size());
    }
    SignalValidator.TimeWindow window = SignalValidator.TimeWindow.around(clock.instant());
    List<SignalViolation> violations = new ArrayList<>();
    boolean[] invalid = new boolean[signals.size()];
    for (int i = 0; i < signals.size(); i++) {
      invalid[i] = !validator.validate(signals.get(i), i, window, violations);
    }
    if (callerGone.getAsBoolean()) {
      throw new DeadlineExceededException(
          "the call's deadline passed or its client cancelled before its signals were stored; nothing was stored");
    }
    checkAccounts(signals, invalid, violations, atomic);
    if (!violations.isEmpty()) {
      violations.sort((a, b) -> Integer.compare(a.index(), b.index()));
      violations.forEach(v -> metrics.rejected(v.category(), 1));
      if (atomic) {
        metrics.batch(signals.size());
        return new Result(0, 0, violations, true);
      }
    }
    List<SignalRecord> records = new ArrayList<>(signals.size());
    int[] indexOfRecord = new int[signals.size()];
    for (int i = 0; i < signals.size(); i++) {
      if (!invalid[i]) {
        indexOfRecord[records.size()] = i;
        records.add(ProtoMapping.toRecord(signals.get(i)));
      }
    }
    IngestResult result =
        records.isEmpty() ? new IngestResult(0, 0, new boolean[0]) : engine.ingest(records, atomic, callerGone);
    metrics.batch(signals.size());
    if (result.refused().isEmpty()) {
      return new Result(result.accepted(), result.duplicates(), violations, false);
    }
    // Past a limit (metrics per account, users per metric and day): refused like invalid signals.
    List<SignalViolation> all = new ArrayList<>(violations);
    for (IngestResult.Refusal r : result.refused()) {
      int index = indexOfRecord[r.index()];
      all.add(new SignalViolation(index, "signals[" + index + "]." + r.field(), r.reason(), "limit_" + r.field()));
      metrics.rejected("limit_" + r.field(), 1);
    }
    all.sort((x, y) -> Integer.compare(x.index(), y.index()));
    return new Result(result.accepted(), result.duplicates(), all, atomic);
  }

  /** Marks signals of unknown accounts invalid, or creates those accounts when configured to. */
  private void checkAccounts(
      List<Signal> signals, boolean[] invalid, List<SignalViolation> violations, boolean atomic) {
    Set<String> notInMemory = null;
    String lastKnown = null;
    for (int i = 0; i < signals.size(); i++) {
      String account = signals.get(i).getAccountId();
      if (invalid[i] || account.equals(lastKnown)) {
        continue;
      }
      if (directory.contains(account)) {
        lastKnown = account;
      } else {
        if (notInMemory == null) {
          notInMemory = new HashSet<>();
        }
        notInMemory.add(account);
      }
    }
    if (notInMemory == null) {
      return;
    }
    Set<String> unknown = directory.unknownAmong(notInMemory);
    if (unknown.isEmpty()) {
      return;
    }
    if (autoCreateAccounts) {
      // An atomic batch that is refused anyway must not leave accounts behind.
      if (!(atomic && !violations.isEmpty())) {
        accounts.createBare(unknown);
      }
      return;
    }
    for (int i = 0; i < signals.size(); i++) {
      String account = signals.get(i).getAccountId();
      if (!invalid[i] && unknown.contains(account)) {
        invalid[i] = true;
        violations.add(
            new SignalViolation(
                i, "signals[" + i + "].account_id", "unknown account '" + account + "'", "unknown_account"));
      }
    }
  }
}

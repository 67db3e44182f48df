package io.healthscore.signals.api;

import static io.healthscore.signals.TestSignalsServer.label;
import static io.healthscore.signals.TestSignalsServer.number;
import static io.healthscore.signals.TestSignalsServer.ts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.healthscore.runtime.error.ApiErrors;
import io.healthscore.runtime.error.DeadlineExceededException;
import io.healthscore.runtime.error.FieldViolation;
import io.healthscore.runtime.testing.HandlerResponses;
import io.healthscore.signals.SignalsSettings;
import io.healthscore.signals.TestSignalsServer;
import io.healthscore.signals.ingest.IngestSettings;
import io.healthscore.v1.GetAccountRequest;
import io.healthscore.v1.GetFeaturesRequest;
import io.healthscore.v1.IngestSignalsRequest;
import io.healthscore.v1.IngestSignalsResponse;
import io.healthscore.v1.RejectedSignal;
import io.healthscore.v1.Signal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class IngestSignalsTest {
  private static final String ACCOUNT = "acme";
  @TempDir static Path dir;
  private static TestSignalsServer signals;

  @BeforeAll
  static void start() {
    signals = TestSignalsServer.start(dir.resolve("main"));
    signals.createAccounts(ACCOUNT);
  }

  @AfterAll
  static void stop() {
    signals.close();
  }

  private static String id() {
    return UUID.randomUUID().toString();
  }

  private static Signal valid() {
    return number(id(), ACCOUNT, "logins", 1, Instant.now().minusSeconds(60));
  }

  private static String chars(int n) {
    return "x".repeat(n);
  }

  /** One case per validation rule: how to break a valid signal, the field and the reason expected. */
  static Stream<Arguments> rules() {
    Instant now = Instant.now();
    return Stream.of(
        rule("NaN number", s -> s.setNumber(Double.NaN), "number", "must be finite"),
        rule("infinite number", s -> s.setNumber(Double.POSITIVE_INFINITY), "number", "must be finite"),
        rule("empty event_id", s -> s.setEventId(""), "event_id", "must not be empty"),
        rule("long event_id", s -> s.setEventId(chars(129)), "event_id", "at most 128 characters"),
        rule("empty account_id", s -> s.setAccountId(""), "account_id", "must not be empty"),
        rule("long account_id", s -> s.setAccountId(chars(129)), "account_id", "at most 128 characters"),
        rule("empty metric", s -> s.setMetric(""), "metric", "must not be empty"),
        rule("long metric", s -> s.setMetric(chars(129)), "metric", "at most 128 characters"),
        rule("upper-case metric", s -> s.setMetric("Logins"), "metric", "only a-z, 0-9, '_' and '.'"),
        rule("dash in metric", s -> s.setMetric("log-ins"), "metric", "only a-z, 0-9, '_' and '.'"),
        rule("long label", s -> s.setLabel(chars(257)), "label", "at most 256 characters"),
        rule("missing occurred_at", s -> s.clearOccurredAt(), "occurred_at", "is required"),
        rule(
            "occurred_at over a day ahead",
            s -> s.setOccurredAt(ts(now.plus(Duration.ofHours(25)))),
            "occurred_at",
            "more than a day ahead"),
        rule(
            "occurred_at over ten years back",
            s -> s.setOccurredAt(ts(now.atOffset(ZoneOffset.UTC).minusYears(10).minusDays(1).toInstant())),
            "occurred_at",
            "more than ten years back"),
        rule("neither number nor label", s -> s.clearValue(), "value", "must set number or label"),
        rule("unknown account", s -> s.setAccountId("nobody"), "account_id", "unknown account 'nobody'"),
        rule("long user_id", s -> s.setUserId(chars(129)), "user_id", "at most 128 characters"),
        rule("long source", s -> s.setSource(chars(129)), "source", "at most 128 characters"),
        rule("NUL in label", s -> s.setLabel("gold\u0000"), "label", "control characters (U+0000 at position 4)"),
        rule("newline in event_id", s -> s.setEventId("e\n1"), "event_id", "control characters (U+000A at position 1)"),
        rule("NUL in account_id", s -> s.setAccountId("\u0000acme"), "account_id", "control characters (U+0000"),
        rule("DEL in user_id", s -> s.setUserId("u\u007f"), "user_id", "control characters (U+007F"),
        rule("C1 control in source", s -> s.setSource("crm\u0085"), "source", "control characters (U+0085"));
  }

  private static Arguments rule(String name, UnaryOperator<Signal.Builder> breakIt, String field, String reason) {
    return Arguments.of(name, breakIt, field, reason);
  }

  @Test
  void aCallWhoseDeadlinePassedBeforeItsBatchWasStoredStoresNothing() {
    IngestSignalsRequest request = IngestSignalsRequest.newBuilder().addSignals(valid()).build();
    // The context a handler runs in is cancelled when the call's deadline passes or its client leaves.
    Context.CancellableContext call = Context.current().withCancellation();
    call.cancel(null);
    HandlerResponses<IngestSignalsResponse> out = new HandlerResponses<>();
    assertThrows(DeadlineExceededException.class, () -> call.run(() -> signals.server().service().ingestSignals(request, out)));
    assertEquals(List.of(), out.messages(), "nothing acknowledged");

    IngestSignalsResponse resent = signals.blocking().ingestSignals(request);
    assertEquals(1, resent.getAccepted(), "the first call stored nothing, so its event id is new: " + resent);
    assertEquals(0, resent.getDuplicates());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rules")
  void nonAtomicBatchRejectsTheInvalidSignalAndStoresTheRest(
      String name, UnaryOperator<Signal.Builder> breakIt, String field, String reason) {
    Signal invalid = breakIt.apply(valid().toBuilder()).build();
    IngestSignalsResponse response =
        signals.blocking().ingestSignals(IngestSignalsRequest.newBuilder().addSignals(valid()).addSignals(invalid).build());
    assertEquals(1, response.getAccepted());
    assertEquals(1, response.getRejectedCount(), response.toString());
    RejectedSignal rejected = response.getRejected(0);
    assertEquals(1, rejected.getIndex());
    assertEquals("signals[1]." + field, rejected.getField());
    assertTrue(rejected.getReason().contains(reason), rejected.getReason());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rules")
  void atomicBatchFailsWithTheViolation(String name, UnaryOperator<Signal.Builder> breakIt, String field, String reason) {
    Signal good = valid();
    Signal invalid = breakIt.apply(valid().toBuilder()).build();
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                signals.blocking()
                    .ingestSignals(
                        IngestSignalsRequest.newBuilder().setAtomic(true).addSignals(good).addSignals(invalid).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    List<FieldViolation> violations = ApiErrors.fieldViolations(e);
    assertEquals(1, violations.size(), violations.toString());
    assertEquals("signals[1]." + field, violations.get(0).field());
    assertTrue(violations.get(0).description().contains(reason));
    // Nothing was stored: the valid signal is new when sent again.
    assertEquals(1, signals.blocking().ingestSignals(IngestSignalsRequest.newBuilder().addSignals(good).build()).getAccepted());
  }

  @Test
  void atomicRejectionListsEveryViolationOfEverySignal() {
    Signal twoProblems = valid().toBuilder().setMetric("Bad").setNumber(Double.NaN).build();
    Signal oneProblem = valid().toBuilder().setEventId("").build();
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                signals.blocking()
                    .ingestSignals(
                        IngestSignalsRequest.newBuilder()
                            .setAtomic(true)
                            .addSignals(valid())
                            .addSignals(twoProblems)
                            .addSignals(oneProblem)
                            .build()));
    List<String> fields = ApiErrors.fieldViolations(e).stream().map(FieldViolation::field).toList();
    assertEquals(List.of("signals[1].metric", "signals[1].number", "signals[2].event_id"), fields);
  }

  @Test
  void batchOverTheLimitIsInvalidAsAWhole() {
    try (TestSignalsServer small =
        TestSignalsServer.start(dir.resolve("small"), Map.of(SignalsSettings.MAX_BATCH_SIGNALS, "3"))) {
      small.createAccounts(ACCOUNT);
      IngestSignalsRequest.Builder request = IngestSignalsRequest.newBuilder();
      for (int i = 0; i < 4; i++) {
        request.addSignals(valid());
      }
      StatusRuntimeException e =
          assertThrows(StatusRuntimeException.class, () -> small.blocking().ingestSignals(request.build()));
      assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
      assertEquals("signals", ApiErrors.fieldViolations(e).get(0).field());
      assertTrue(ApiErrors.fieldViolations(e).get(0).description().contains("at most 3 signals"));
      request.removeSignals(0);
      assertEquals(3, small.blocking().ingestSignals(request.build()).getAccepted());
    }
  }

  @Test
  void unknownAccountsAreCreatedWhenConfigured() {
    try (TestSignalsServer auto =
        TestSignalsServer.start(dir.resolve("auto"), Map.of(SignalsSettings.AUTO_CREATE_ACCOUNTS, "true"))) {
      Signal s = valid().toBuilder().setAccountId("brand-new").build();
      IngestSignalsResponse response =
          auto.blocking().ingestSignals(IngestSignalsRequest.newBuilder().addSignals(s).build());
      assertEquals(1, response.getAccepted());
      assertEquals(
          "brand-new",
          auto.blocking().getAccount(GetAccountRequest.newBuilder().setAccountId("brand-new").build()).getAccount().getAccountId());
    }
  }

  @Test
  void duplicatesAcrossCallsAndWithinABatchAreCounted() {
    Signal a = valid();
    Signal b = label(id(), ACCOUNT, "csm.champion", "strong", Instant.now().minusSeconds(5));
    IngestSignalsResponse first =
        signals.blocking().ingestSignals(IngestSignalsRequest.newBuilder().addSignals(a).addSignals(b).addSignals(a).build());
    assertEquals(2, first.getAccepted());
    assertEquals(1, first.getDuplicates());
    IngestSignalsResponse again =
        signals.blocking().ingestSignals(IngestSignalsRequest.newBuilder().addSignals(a).addSignals(b).build());
    assertEquals(0, again.getAccepted());
    assertEquals(2, again.getDuplicates());
  }

  @Test
  void emptyBatchIsAcceptedAsNothing() {
    IngestSignalsResponse response = signals.blocking().ingestSignals(IngestSignalsRequest.getDefaultInstance());
    assertEquals(0, response.getAccepted());
    assertEquals(0, response.getRejectedCount());
  }

  // first_attempt_at: a retry too old to be deduplicated is refused, not counted twice.

  /** Two signals of a metric of their own, so the account's features show whether they were stored. */
  private static List<Signal> batchOf(String metric, Instant occurredAt) {
    String id = UUID.randomUUID().toString();
    return List.of(number(id + "-1", ACCOUNT, metric, 1, occurredAt), number(id + "-2", ACCOUNT, metric, 1, occurredAt));
  }

  private static List<Signal> recentBatchOf(String metric) {
    return batchOf(metric, Instant.now().minusSeconds(60));
  }

  private static IngestSignalsRequest firstSentAt(List<Signal> batch, Instant firstAttemptAt) {
    return IngestSignalsRequest.newBuilder().addAllSignals(batch).setFirstAttemptAt(ts(firstAttemptAt)).build();
  }

  private static IngestSignalsRequest withoutFirstAttempt(List<Signal> batch) {
    return IngestSignalsRequest.newBuilder().addAllSignals(batch).build();
  }

  private static double countOfLast7Days(String metric) {
    return signals.blocking()
        .getFeatures(GetFeaturesRequest.newBuilder().setAccountId(ACCOUNT).build())
        .getFeaturesOrDefault(metric + ".count_7d", 0);
  }

  /** The first instant of the dedup window's first arrival day (7 UTC days before today). */
  private static Instant startOfTheWindow() {
    return LocalDate.now(ZoneOffset.UTC)
        .minusDays(IngestSettings.DEFAULT_DEDUP_RETENTION_DAYS)
        .atStartOfDay(ZoneOffset.UTC)
        .toInstant();
  }

  @Test
  void aBatchFirstSentBeforeTheDedupWindowIsRefusedWholeAndStoresNothing() {
    List<Signal> batch = recentBatchOf("retry.old");
    Instant firstSent = Instant.now().minus(Duration.ofDays(9));

    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> signals.blocking().ingestSignals(firstSentAt(batch, firstSent)));

    assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode(), String.valueOf(e.getStatus()));
    String reason = e.getStatus().getDescription();
    assertTrue(reason.startsWith("first_attempt_at " + firstSent), reason);
    assertTrue(reason.contains("the dedup window is 7 days (HEALTHSCORE_DEDUP_RETENTION_DAYS)"), reason);
    assertTrue(reason.contains("Re-send only the signals known not to be stored"), reason);
    assertTrue(reason.contains("or raise HEALTHSCORE_DEDUP_RETENTION_DAYS"), reason);
    assertEquals(0, countOfLast7Days("retry.old"), "no rollup changed");
    IngestSignalsResponse resent = signals.blocking().ingestSignals(withoutFirstAttempt(batch));
    assertEquals(2, resent.getAccepted(), "the refused batch stored none of its event ids: " + resent);
    assertEquals(2, countOfLast7Days("retry.old"));
  }

  @Test
  void theWindowStartsOnTheOldestArrivalDayItStillHolds() {
    Instant windowStart = startOfTheWindow();
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> signals.blocking().ingestSignals(firstSentAt(recentBatchOf("retry.edge"), windowStart.minusSeconds(1))));
    assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
    assertTrue(
        e.getStatus().getDescription().contains("arrived from " + LocalDate.ofInstant(windowStart, ZoneOffset.UTC)),
        e.getStatus().getDescription());

    IngestSignalsResponse atTheStart =
        signals.blocking().ingestSignals(firstSentAt(recentBatchOf("retry.edge"), windowStart));
    assertEquals(2, atTheStart.getAccepted(), atTheStart.toString());
  }

  @Test
  void aRetryFirstSentWithinTheWindowIsAcceptedAndDeduplicated() {
    List<Signal> batch = recentBatchOf("retry.recent");
    Instant firstSent = Instant.now().minus(Duration.ofDays(3));
    IngestSignalsResponse first = signals.blocking().ingestSignals(firstSentAt(batch, firstSent));
    assertEquals(2, first.getAccepted(), first.toString());

    IngestSignalsResponse again = signals.blocking().ingestSignals(firstSentAt(batch, firstSent));
    assertEquals(0, again.getAccepted(), again.toString());
    assertEquals(2, again.getDuplicates());
    assertEquals(2, countOfLast7Days("retry.recent"));
  }

  @Test
  void aBackfillOfYearsOldSignalsIsAcceptedWithOrWithoutFirstAttemptAt() {
    Instant yearsAgo = Instant.now().atOffset(ZoneOffset.UTC).minusYears(3).toInstant();
    IngestSignalsResponse absent =
        signals.blocking().ingestSignals(withoutFirstAttempt(batchOf("backfill.usage", yearsAgo)));
    assertEquals(2, absent.getAccepted(), absent.toString());
    IngestSignalsResponse sentNow =
        signals.blocking().ingestSignals(firstSentAt(batchOf("backfill.usage", yearsAgo), Instant.now()));
    assertEquals(2, sentNow.getAccepted(), "first_attempt_at is the send, not occurred_at: " + sentNow);
  }

  @Test
  void aFirstAttemptMoreThanFiveMinutesAheadIsInvalid() {
    List<Signal> batch = recentBatchOf("retry.future");
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> signals.blocking().ingestSignals(firstSentAt(batch, Instant.now().plus(Duration.ofMinutes(6)))));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    FieldViolation violation = ApiErrors.fieldViolations(e).get(0);
    assertEquals("first_attempt_at", violation.field());
    assertTrue(violation.description().contains("must not be more than 5 minutes ahead"), violation.description());
    assertEquals(0, countOfLast7Days("retry.future"));

    IngestSignalsResponse slightlyAhead =
        signals.blocking().ingestSignals(firstSentAt(batch, Instant.now().plus(Duration.ofMinutes(1))));
    assertEquals(2, slightlyAhead.getAccepted(), "a clock a minute ahead is within the skew: " + slightlyAhead);
  }

  static Stream<Timestamp> invalidTimestamps() {
    long now = Instant.now().getEpochSecond();
    return Stream.of(
        Timestamp.newBuilder().setSeconds(now).setNanos(-1).build(),
        Timestamp.newBuilder().setSeconds(now).setNanos(1_000_000_000).build(),
        Timestamp.newBuilder().setSeconds(Long.MAX_VALUE).build(),
        Timestamp.newBuilder().setSeconds(Long.MIN_VALUE).build());
  }

  @ParameterizedTest
  @MethodSource("invalidTimestamps")
  void anInvalidTimestampIsInvalidArgumentNamingTheField(Timestamp invalid) {
    IngestSignalsRequest request =
        withoutFirstAttempt(recentBatchOf("retry.invalid")).toBuilder().setFirstAttemptAt(invalid).build();
    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> signals.blocking().ingestSignals(request));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), String.valueOf(e.getStatus()));
    assertEquals("first_attempt_at", ApiErrors.fieldViolations(e).get(0).field());
    assertEquals(0, countOfLast7Days("retry.invalid"));
  }

  @Test
  void theRefusalFollowsTheConfiguredWindow() {
    try (TestSignalsServer shortWindow =
        TestSignalsServer.start(dir.resolve("short"), Map.of(IngestSettings.DEDUP_RETENTION_DAYS, "2"))) {
      shortWindow.createAccounts(ACCOUNT);
      Instant fourDaysAgo = Instant.now().minus(Duration.ofDays(4));
      StatusRuntimeException e =
          assertThrows(
              StatusRuntimeException.class,
              () -> shortWindow.blocking().ingestSignals(firstSentAt(recentBatchOf("retry.short"), fourDaysAgo)));
      assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
      assertTrue(
          e.getStatus().getDescription().contains("the dedup window is 2 days (HEALTHSCORE_DEDUP_RETENTION_DAYS)"),
          e.getStatus().getDescription());
      // The same first send is within the default window of 7 days.
      assertEquals(2, signals.blocking().ingestSignals(firstSentAt(recentBatchOf("retry.short"), fourDaysAgo)).getAccepted());
    }
  }
}

package io.healthscore.signals.api;

import static io.healthscore.signals.TestSignalsServer.ts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.healthscore.runtime.error.ApiErrors;
import io.healthscore.runtime.error.FieldViolation;
import io.healthscore.signals.TestSignalsServer;
import io.healthscore.v1.ListOutcomesRequest;
import io.healthscore.v1.ListOutcomesResponse;
import io.healthscore.v1.Outcome;
import io.healthscore.v1.OutcomeType;
import io.healthscore.v1.RecordOutcomesRequest;
import io.healthscore.v1.RecordOutcomesResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutcomesTest {
  private static final Instant T0 = Instant.parse("2026-01-10T00:00:00Z");
  @TempDir Path dir;
  private TestSignalsServer signals;

  @BeforeEach
  void start() {
    signals = TestSignalsServer.start(dir);
    signals.createAccounts("a", "b");
  }

  @AfterEach
  void stop() {
    signals.close();
  }

  private static Outcome outcome(String eventId, String account, OutcomeType type, Instant at, double delta) {
    return Outcome.newBuilder()
        .setEventId(eventId)
        .setAccountId(account)
        .setType(type)
        .setOccurredAt(ts(at))
        .setMrrDelta(delta)
        .build();
  }

  private RecordOutcomesResponse record(Outcome... outcomes) {
    return signals.blocking().recordOutcomes(RecordOutcomesRequest.newBuilder().addAllOutcomes(List.of(outcomes)).build());
  }

  @Test
  void recordsOnceByEventIdAndCountsDuplicates() {
    Outcome renewed = outcome("e1", "a", OutcomeType.OUTCOME_TYPE_RENEWED, T0, 0);
    Outcome churned = outcome("e2", "b", OutcomeType.OUTCOME_TYPE_CHURNED, T0, -500);
    RecordOutcomesResponse first = record(renewed, churned, renewed);
    assertEquals(2, first.getRecorded());
    assertEquals(1, first.getDuplicates());
    RecordOutcomesResponse again = record(renewed, churned);
    assertEquals(0, again.getRecorded());
    assertEquals(2, again.getDuplicates());
  }

  @Test
  void everyInvalidFieldIsReportedAndNothingStored() {
    Outcome good = outcome("ok", "a", OutcomeType.OUTCOME_TYPE_EXPANDED, T0, 10);
    Outcome bad =
        Outcome.newBuilder().setEventId("").setAccountId("ghost").setMrrDelta(Double.POSITIVE_INFINITY).build();
    Outcome future = outcome("f", "a", OutcomeType.OUTCOME_TYPE_RENEWED, Instant.now().plus(Duration.ofDays(2)), 0);
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> signals.blocking().recordOutcomes(RecordOutcomesRequest.newBuilder().addOutcomes(good).addOutcomes(bad).addOutcomes(future).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    List<String> fields = ApiErrors.fieldViolations(e).stream().map(FieldViolation::field).toList();
    assertEquals(
        List.of(
            "outcomes[1].event_id",
            "outcomes[1].type",
            "outcomes[1].occurred_at",
            "outcomes[1].mrr_delta",
            "outcomes[2].occurred_at",
            "outcomes[1].account_id"),
        fields);
    assertEquals(0, signals.blocking().listOutcomes(ListOutcomesRequest.getDefaultInstance()).getOutcomesCount());
  }

  @Test
  void listsOldestFirstWithFiltersAndPages() {
    List<Outcome> all = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      all.add(outcome("e" + i, i % 2 == 0 ? "a" : "b", OutcomeType.OUTCOME_TYPE_EXPANDED, T0.plus(Duration.ofDays(7 - i)), i));
    }
    record(all.toArray(new Outcome[0]));

    ListOutcomesResponse everything = signals.blocking().listOutcomes(ListOutcomesRequest.getDefaultInstance());
    assertEquals(List.of("e6", "e5", "e4", "e3", "e2", "e1", "e0"), eventIds(everything));
    assertEquals(all.get(3), everything.getOutcomes(3));

    assertEquals(
        List.of("e6", "e4", "e2", "e0"),
        eventIds(signals.blocking().listOutcomes(ListOutcomesRequest.newBuilder().setAccountId("a").build())));
    assertEquals(
        List.of("e4", "e3"),
        eventIds(
            signals.blocking()
                .listOutcomes(
                    ListOutcomesRequest.newBuilder()
                        .setStartTime(ts(T0.plus(Duration.ofDays(3))))
                        .setEndTime(ts(T0.plus(Duration.ofDays(5))))
                        .build())));

    List<String> paged = new ArrayList<>();
    String token = "";
    do {
      ListOutcomesResponse page =
          signals.blocking().listOutcomes(ListOutcomesRequest.newBuilder().setPageSize(3).setPageToken(token).build());
      paged.addAll(eventIds(page));
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    assertEquals(eventIds(everything), paged);

    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> signals.blocking().listOutcomes(ListOutcomesRequest.newBuilder().setPageToken("x").build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
  }

  private static List<String> eventIds(ListOutcomesResponse response) {
    return response.getOutcomesList().stream().map(Outcome::getEventId).toList();
  }
}

package io.healthscore.signals.api;

import static io.healthscore.signals.TestSignalsServer.number;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.healthscore.signals.TestSignalsServer;
import io.healthscore.v1.AccountChange;
import io.healthscore.v1.ChangeKind;
import io.healthscore.v1.IngestSignalsRequest;
import io.healthscore.v1.Outcome;
import io.healthscore.v1.OutcomeType;
import io.healthscore.v1.RecordOutcomesRequest;
import io.healthscore.v1.WatchChangesRequest;
import io.healthscore.v1.WatchChangesResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WatchChangesTest {
  @TempDir Path dir;

  private static void ingest(TestSignalsServer signals, String account, String metric, String eventId) {
    signals.blocking()
        .ingestSignals(
            IngestSignalsRequest.newBuilder()
                .addSignals(number(eventId, account, metric, 1, Instant.now().minusSeconds(10)))
                .build());
  }

  /** Reads {@code n} changes from a fresh watch after {@code cursor}, then cancels it. */
  private static List<AccountChange> read(TestSignalsServer signals, long cursor, int n) {
    Context.CancellableContext context = Context.current().withCancellation();
    try {
      return context.call(
          () -> {
            Iterator<WatchChangesResponse> it =
                signals.blocking()
                    .withDeadlineAfter(30, TimeUnit.SECONDS)
                    .watchChanges(WatchChangesRequest.newBuilder().setAfterCursor(cursor).build());
            List<AccountChange> changes = new ArrayList<>();
            while (changes.size() < n) {
              changes.add(it.next().getChange());
            }
            return changes;
          });
    } catch (Exception e) {
      throw new AssertionError(e);
    } finally {
      context.cancel(null);
    }
  }

  @Test
  void replaysStoredChangesThenFollowsLiveOnesAndResumesFromACursor() throws Exception {
    try (TestSignalsServer signals = TestSignalsServer.start(dir)) {
      signals.createAccounts("a", "b");
      List<AccountChange> accountChanges = read(signals, 0, 2);
      assertEquals(List.of("a", "b"), accountChanges.stream().map(AccountChange::getAccountId).sorted().toList());
      assertTrue(accountChanges.get(0).getKindsList().contains(ChangeKind.CHANGE_KIND_ACCOUNT));
      long afterAccounts = accountChanges.get(1).getCursor();

      // A live watcher that started before the signals arrive.
      BlockingQueue<AccountChange> live = new LinkedBlockingQueue<>();
      CompletableFuture<Throwable> ended = new CompletableFuture<>();
      signals.async()
          .watchChanges(
              WatchChangesRequest.newBuilder().setAfterCursor(afterAccounts).build(),
              new StreamObserver<>() {
                @Override
                public void onNext(WatchChangesResponse value) {
                  live.add(value.getChange());
                }

                @Override
                public void onError(Throwable t) {
                  ended.complete(t);
                }

                @Override
                public void onCompleted() {
                  ended.complete(null);
                }
              });
      ingest(signals, "a", "logins", "e1");
      AccountChange first = live.poll(30, TimeUnit.SECONDS);
      assertEquals("a", first.getAccountId());
      assertEquals(List.of(ChangeKind.CHANGE_KIND_SIGNALS), first.getKindsList());
      assertEquals(List.of("logins"), first.getMetricsList());
      assertTrue(first.getCursor() > afterAccounts);

      ingest(signals, "b", "exports", "e2");
      signals.blocking()
          .recordOutcomes(
              RecordOutcomesRequest.newBuilder()
                  .addOutcomes(
                      Outcome.newBuilder()
                          .setEventId("o1")
                          .setAccountId("a")
                          .setType(OutcomeType.OUTCOME_TYPE_RENEWED)
                          .setOccurredAt(TestSignalsServer.ts(Instant.now())))
                  .build());
      AccountChange second = live.poll(30, TimeUnit.SECONDS);
      AccountChange third = live.poll(30, TimeUnit.SECONDS);
      // The outcome's entry commits with the outcome; b's signals wait for the coalescing window, so
      // either may come first. Both come, in cursor order.
      assertEquals(
          Set.of("b " + ChangeKind.CHANGE_KIND_SIGNALS, "a " + ChangeKind.CHANGE_KIND_OUTCOME),
          Set.of(second.getAccountId() + " " + second.getKinds(0), third.getAccountId() + " " + third.getKinds(0)));
      assertTrue(first.getCursor() < second.getCursor() && second.getCursor() < third.getCursor());

      // Resuming after the first live change yields exactly the ones after it.
      List<AccountChange> resumed = read(signals, first.getCursor(), 2);
      assertEquals(List.of(second, third), resumed);

      // A server stop ends the stream cleanly.
      signals.server().server().stop();
      assertNull(ended.get(30, TimeUnit.SECONDS));
    }
  }

  @Test
  void aLoneChangeGoesOutAtOnceAndChangesSoonAfterAreCoalesced() throws Exception {
    try (TestSignalsServer signals = TestSignalsServer.start(dir, java.util.Map.of("HEALTHSCORE_FEED_COALESCE_WINDOW", "1h"))) {
      signals.createAccounts("a");
      // The feed was quiet: written without waiting for the hour-long window.
      ingest(signals, "a", "logins", "e1");
      List<AccountChange> lone = read(signals, 1, 1);
      assertEquals(List.of("logins"), lone.get(0).getMetricsList());
      // Right after a write: gathered for the window (here until the flush a checkpoint does).
      ingest(signals, "a", "exports", "e2");
      ingest(signals, "a", "logins", "e3");
      Thread.sleep(200);
      assertEquals(List.of(), signals.server().feed().store().after(lone.get(0).getCursor(), 10), "still gathering");
      signals.server().feed().flush();
      List<AccountChange> changes = read(signals, lone.get(0).getCursor(), 1);
      assertEquals("a", changes.get(0).getAccountId());
      assertEquals(List.of("exports", "logins"), changes.get(0).getMetricsList());
    }
  }

  @Test
  void slowReaderGetsEveryChangeInOrderWithoutLoss() {
    try (TestSignalsServer signals = TestSignalsServer.start(dir)) {
      int accounts = 300;
      String[] ids = new String[accounts];
      for (int i = 0; i < accounts; i++) {
        ids[i] = "acct-" + i;
      }
      signals.createAccounts(ids);
      List<AccountChange> all = read(signals, 0, accounts);
      for (int i = 1; i < all.size(); i++) {
        assertTrue(all.get(i - 1).getCursor() < all.get(i).getCursor());
      }
      assertEquals(accounts, all.stream().map(AccountChange::getAccountId).distinct().count());
    }
  }

  @Test
  void negativeCursorIsInvalid() {
    try (TestSignalsServer signals = TestSignalsServer.start(dir)) {
      StatusRuntimeException e =
          assertThrows(
              StatusRuntimeException.class,
              () -> signals.blocking().watchChanges(WatchChangesRequest.newBuilder().setAfterCursor(-1).build()).hasNext());
      assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    }
  }
}

package io.healthscore.runtime.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CursorStreamHubTest {
  /** Entries are their own cursors 1, 2, 3, ...; appends are visible in cursor order. */
  private static final class MemoryLog implements CursorLog<Long> {
    private final List<Long> entries = new ArrayList<>();
    volatile RuntimeException failure;

    synchronized void append(int count) {
      for (int i = 0; i < count; i++) {
        entries.add((long) entries.size() + 1);
      }
    }

    @Override
    public synchronized List<Long> after(long cursor, int limit) {
      if (failure != null) {
        throw failure;
      }
      int from = (int) Math.min(cursor, entries.size());
      return List.copyOf(entries.subList(from, Math.min(entries.size(), from + limit)));
    }

    @Override
    public long cursorOf(Long entry) {
      return entry;
    }
  }

  private final MemoryLog log = new MemoryLog();
  private final CursorStreamHub<Long> hub = new CursorStreamHub<>("test-streams", log);

  @AfterEach
  void close() {
    hub.close();
  }

  @Test
  void replaysAfterTheCursorThenFollowsConcurrentAppendsWithoutGapOrRepeat() throws Exception {
    log.append(1000);
    FakeServerCall call = new FakeServerCall();
    hub.open(100, call, Function.identity());
    Thread writer =
        new Thread(
            () -> {
              for (int i = 0; i < 300; i++) {
                log.append(7);
                hub.wakeAll();
              }
            });
    writer.start();
    writer.join();
    await(() -> call.sent.size() >= 3100 - 100);
    assertEquals(LongStream.rangeClosed(101, 3100).boxed().toList(), call.sent);
  }

  @Test
  void sendsNothingWhileTheTransportIsNotReady() {
    log.append(5);
    FakeServerCall call = new FakeServerCall();
    call.ready = false;
    hub.open(0, call, Function.identity());
    await(() -> call.readyChecks.get() > 0);
    int checked = call.readyChecks.get();
    hub.wakeAll();
    await(() -> call.readyChecks.get() > checked);
    assertEquals(List.of(), call.sent);

    call.becomeReady();
    await(() -> call.sent.size() == 5);
    assertEquals(List.of(1L, 2L, 3L, 4L, 5L), call.sent);
  }

  @Test
  void aCancelledStreamSendsNoMore() {
    log.append(2);
    FakeServerCall call = new FakeServerCall();
    hub.open(0, call, Function.identity());
    await(() -> call.sent.size() == 2);
    call.cancelByClient();
    assertEquals(0, hub.activeCount());

    log.append(3);
    hub.wakeAll();
    hub.close(); // waits for any sending still under way
    assertEquals(List.of(1L, 2L), call.sent);
    assertFalse(call.completed);
  }

  @Test
  void endAllCompletesEveryStreamCleanlyAndEndsLaterOnesAtOnce() {
    log.append(3);
    FakeServerCall first = new FakeServerCall();
    hub.open(1, first, Function.identity());
    await(() -> first.sent.size() == 2);

    hub.endAll();
    await(() -> first.completed);
    assertEquals(null, first.error);
    assertEquals(0, hub.activeCount());

    FakeServerCall late = new FakeServerCall();
    hub.open(0, late, Function.identity());
    assertTrue(late.completed);
    assertEquals(List.of(), late.sent);
  }

  @Test
  void aFailingReadEndsTheStreamWithItsStatus() {
    log.failure = new IllegalStateException("disk gone");
    FakeServerCall call = new FakeServerCall();
    hub.open(0, call, Function.identity());
    await(() -> call.error != null);
    assertEquals(Status.Code.INTERNAL, Status.fromThrowable(call.error).getCode());
    assertEquals(0, hub.activeCount());
  }

  /** Waits for what another thread does; a condition never met fails after a generous while. */
  static void await(BooleanSupplier condition) {
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met");
      }
      Thread.onSpinWait();
      Thread.yield();
    }
  }
}

package io.healthscore.runtime.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.db.CursorStore;
import io.healthscore.runtime.db.Database;
import io.healthscore.runtime.testing.LogCapture;
import io.healthscore.runtime.db.FeedLease;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StreamFollowerTest {
  private static final String CONSUMER = "test.feed";
  private static final long LAST = 30;
  /** The first call fails with UNAVAILABLE after this cursor, as a restarting server would. */
  private static final long OUTAGE_AT = 12;

  private static final MethodDescriptor.Marshaller<Long> LONGS =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(Long value) {
          return new ByteArrayInputStream(ByteBuffer.allocate(8).putLong(value).array());
        }

        @Override
        public Long parse(InputStream stream) {
          try {
            return ByteBuffer.wrap(stream.readAllBytes()).getLong();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };
  private static final MethodDescriptor<Long, Long> FOLLOW =
      MethodDescriptor.<Long, Long>newBuilder()
          .setType(MethodDescriptor.MethodType.SERVER_STREAMING)
          .setFullMethodName("test.Feed/Follow")
          .setRequestMarshaller(LONGS)
          .setResponseMarshaller(LONGS)
          .build();

  @TempDir Path dataDir;
  private final List<Long> requestedAfter = new CopyOnWriteArrayList<>();
  private final List<Long> handled = new CopyOnWriteArrayList<>();
  private Server server;
  private ManagedChannel channel;
  private Database db;
  private CursorStore cursors;

  @BeforeEach
  void start() throws IOException {
    String name = InProcessServerBuilder.generateName();
    server =
        serve(
            name,
            (after, out) -> {
              boolean first = requestedAfter.isEmpty();
              requestedAfter.add(after);
              long until = first ? OUTAGE_AT : LAST;
              for (long c = after + 1; c <= until; c++) {
                out.onNext(c);
              }
              if (first) {
                out.onError(Status.UNAVAILABLE.withDescription("restarting").asRuntimeException());
              }
              // later calls stay open, like a live stream with nothing new
            });
    channel = InProcessChannelBuilder.forName(name).build();
    db = Database.open(ServiceConfig.fromMap("follow-test", 0, 0, Map.of()).withDataDir(dataDir));
    cursors = new CursorStore(db);
  }

  /** An in-process server of the test feed answering with {@code follow}. */
  private static Server serve(String name, ServerCalls.ServerStreamingMethod<Long, Long> follow) throws IOException {
    return InProcessServerBuilder.forName(name)
        .addService(
            ServerServiceDefinition.builder("test.Feed")
                .addMethod(FOLLOW, ServerCalls.asyncServerStreamingCall(follow))
                .build())
        .build()
        .start();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
    db.close();
  }

  @Test
  void resumesFromTheStoredCursorAfterStreamAndHandlerFailures() {
    cursors.save(CONSUMER, 5);
    AtomicBoolean failedOnce = new AtomicBoolean();
    StreamFollower<Long> follower =
        StreamFollower.<Long>builder(
                CONSUMER,
                cursors,
                (after, observer) -> ClientCalls.asyncServerStreamingCall(channel.newCall(FOLLOW, CallOptions.DEFAULT), after, observer),
                batch -> {
                  if (batch.contains(20L) && failedOnce.compareAndSet(false, true)) {
                    throw new IllegalStateException("database busy"); // nothing of the batch applied
                  }
                  handled.addAll(batch);
                  cursors.save(CONSUMER, batch.get(batch.size() - 1));
                })
            .window(4)
            .maxBatch(3)
            .backoff(Duration.ofMillis(1), Duration.ofMillis(5))
            .build();
    try (follower) {
      follower.start();
      CursorStreamHubTest.await(() -> cursors.load(CONSUMER) == LAST);
    }
    assertEquals(LongStream.rangeClosed(6, LAST).boxed().toList(), handled);
    assertEquals(5L, requestedAfter.get(0));
    assertEquals(OUTAGE_AT, requestedAfter.get(1));
    assertTrue(failedOnce.get());
    assertEquals(3, requestedAfter.size(), "one reconnect per failure: " + requestedAfter);
    assertTrue(requestedAfter.get(2) >= OUTAGE_AT && requestedAfter.get(2) < 20, "resumed before 20: " + requestedAfter);
  }

  @Test
  void anOutageIsLoggedWhenItStartsAndWhenItEndsNotAtEveryAttempt() throws IOException {
    String name = InProcessServerBuilder.generateName();
    AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
    int refused = 20;
    Server flaky =
        serve(
            name,
            (after, out) -> {
              if (calls.incrementAndGet() <= refused) {
                out.onError(Status.UNAVAILABLE.withDescription("connection refused").asRuntimeException());
                return;
              }
              for (long c = after + 1; c <= LAST; c++) {
                out.onNext(c);
              }
            });
    ManagedChannel flakyChannel = InProcessChannelBuilder.forName(name).build();
    StreamFollower<Long> follower =
        StreamFollower.<Long>builder(
                CONSUMER,
                cursors,
                (after, observer) -> ClientCalls.asyncServerStreamingCall(flakyChannel.newCall(FOLLOW, CallOptions.DEFAULT), after, observer),
                batch -> cursors.save(CONSUMER, batch.get(batch.size() - 1)))
            .backoff(Duration.ofMillis(1), Duration.ofMillis(2))
            .build();
    try (LogCapture log = LogCapture.of(StreamFollower.class, Level.DEBUG); follower) {
      follower.start();
      CursorStreamHubTest.await(() -> cursors.load(CONSUMER) == LAST && log.events().size() >= 2);
      assertTrue(calls.get() > refused);
      List<String> lines = log.messages();
      assertEquals(2, lines.size(), () -> refused + " refused attempts: " + lines);
      assertEquals(
          CONSUMER + " following its stream failing: UNAVAILABLE: connection refused;"
              + " retrying, the next line says when it recovers",
          lines.get(0));
      assertTrue(lines.get(1).startsWith(CONSUMER + " following its stream recovered after " + refused + " failed attempt(s)"), lines.get(1));
      assertTrue(log.events().stream().allMatch(e -> e.getThrowableProxy() == null), "no stack traces");
    } finally {
      flakyChannel.shutdownNow();
      flaky.shutdownNow();
    }
  }

  @Test
  void saysSinceWhenTheStreamIsOutOnceReopeningFailsTooAndForgetsItWhenBack() throws IOException {
    String name = InProcessServerBuilder.generateName();
    AtomicBoolean down = new AtomicBoolean(true);
    Server outage =
        serve(
            name,
            (after, out) -> {
              if (down.get()) {
                out.onError(Status.UNAVAILABLE.withDescription("connection refused").asRuntimeException());
                return;
              }
              for (long c = after + 1; c <= LAST; c++) {
                out.onNext(c);
              }
            });
    ManagedChannel outageChannel = InProcessChannelBuilder.forName(name).build();
    Instant before = Instant.now();
    StreamFollower<Long> follower =
        StreamFollower.<Long>builder(
                CONSUMER,
                cursors,
                (after, observer) -> ClientCalls.asyncServerStreamingCall(outageChannel.newCall(FOLLOW, CallOptions.DEFAULT), after, observer),
                batch -> cursors.save(CONSUMER, batch.get(batch.size() - 1)))
            .backoff(Duration.ofMillis(1), Duration.ofMillis(2))
            .build();
    try (follower) {
      assertTrue(follower.disconnectedSince().isEmpty(), "not out before it tried");
      follower.start();
      CursorStreamHubTest.await(() -> follower.disconnectedSince().isPresent());
      Instant since = follower.disconnectedSince().orElseThrow();
      assertTrue(!since.isBefore(before) && !since.isAfter(Instant.now()), since::toString);
      down.set(false);
      CursorStreamHubTest.await(() -> cursors.load(CONSUMER) == LAST && follower.disconnectedSince().isEmpty());
    } finally {
      outageChannel.shutdownNow();
      outage.shutdownNow();
    }
  }

  @Test
  void onlyTheLeaseHolderFollowsAndATakeoverResumesFromTheStoredCursor() {
    FeedLease a = new FeedLease(db, CONSUMER, "replica-a", Duration.ofMillis(300));
    FeedLease b = new FeedLease(db, CONSUMER, "replica-b", Duration.ofMillis(300));
    List<Long> handledByB = new CopyOnWriteArrayList<>();
    StreamFollower<Long> followerA = leased(a, handled);
    StreamFollower<Long> followerB = leased(b, handledByB);
    a.start();
    try (followerB) {
      followerB.start();
      try (followerA) {
        followerA.start();
        CursorStreamHubTest.await(() -> cursors.load(CONSUMER) == LAST);
        assertEquals(List.of(0L, OUTAGE_AT), requestedAfter, "only the holder opened the stream");
      }
      a.close();
      b.start();
      CursorStreamHubTest.await(() -> requestedAfter.size() == 3);
    }
    b.close();
    assertEquals(LAST, requestedAfter.get(2), "the new holder opened after the cursor the old one stored");
    assertEquals(LongStream.rangeClosed(1, LAST).boxed().toList(), handled);
    assertTrue(handledByB.isEmpty(), "nothing applied twice: " + handledByB);
  }

  private StreamFollower<Long> leased(FeedLease lease, List<Long> into) {
    return StreamFollower.<Long>builder(
            CONSUMER,
            cursors,
            (after, observer) -> ClientCalls.asyncServerStreamingCall(channel.newCall(FOLLOW, CallOptions.DEFAULT), after, observer),
            batch -> db.inTransaction(c -> {
              lease.fence(c);
              cursors.save(c, CONSUMER, batch.get(batch.size() - 1));
              into.addAll(batch);
              return null;
            }))
        .backoff(Duration.ofMillis(1), Duration.ofMillis(5))
        .lease(lease)
        .build();
  }
}

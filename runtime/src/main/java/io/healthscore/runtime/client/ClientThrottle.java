package io.healthscore.runtime.client;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * Adaptive client-side throttling (the accept-ratio scheme of Google's SRE book, "Handling
 * Overload"): over a sliding window the channel counts the calls it was asked to make and those the
 * server accepted (any answer but RESOURCE_EXHAUSTED), and refuses a new call locally with
 * probability max(0, (requests - k * accepts) / (requests + 1)). While the server accepts at least
 * 1/k of the calls nothing is refused; once it refuses most of them, the offered load is cut in the
 * client, before it costs the server a connection's worth of receiving and refusing. Calls refused
 * here count as requests, so the refusal share follows how far demand exceeds what the server takes.
 *
 * <p>One instance per channel: the server's answers speak for that channel's target only.
 */
public final class ClientThrottle implements ClientInterceptor {
  /** Twice the accepted calls may be asked for before any is refused in the client (the book's value). */
  public static final double DEFAULT_K = 2.0;

  /**
   * 30 s: long enough to hold many answers at the call rates of a service channel, short enough that
   * refusals stop within half a minute of the server accepting again.
   */
  public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(30);

  private static final long BUCKET_NANOS = Duration.ofSeconds(1).toNanos();

  private final double k;
  private final LongSupplier nanoTime;
  private final DoubleSupplier random;
  private final long[] requests;
  private final long[] accepts;
  private final long[] bucketEpoch;

  private ClientThrottle(double k, Duration window, LongSupplier nanoTime, DoubleSupplier random) {
    if (!(k >= 1.0)) {
      throw new IllegalArgumentException("k must be at least 1, got " + k);
    }
    long buckets = window.toNanos() / BUCKET_NANOS;
    if (buckets < 1 || buckets > 3600) {
      throw new IllegalArgumentException("window must be between 1 s and 1 h, got " + window);
    }
    this.k = k;
    this.nanoTime = nanoTime;
    this.random = random;
    this.requests = new long[(int) buckets];
    this.accepts = new long[(int) buckets];
    this.bucketEpoch = new long[(int) buckets];
    Arrays.fill(bucketEpoch, Long.MIN_VALUE);
  }

  /** The defaults: k = 2 over 30 s in 1 s buckets. */
  public static ClientThrottle withDefaults() {
    return create(DEFAULT_K, DEFAULT_WINDOW);
  }

  public static ClientThrottle create(double k, Duration window) {
    return new ClientThrottle(k, window, System::nanoTime, () -> ThreadLocalRandom.current().nextDouble());
  }

  /** With a clock and a source of uniform [0, 1) numbers of the caller's, for tests. */
  static ClientThrottle create(double k, Duration window, LongSupplier nanoTime, DoubleSupplier random) {
    return new ClientThrottle(k, window, nanoTime, random);
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    long requested;
    long accepted;
    synchronized (this) {
      long epoch = currentEpoch();
      requests[slot(epoch)]++;
      requested = sum(requests, epoch);
      accepted = sum(accepts, epoch);
    }
    // The call just counted is not yet in accepts; the book counts it in requests likewise.
    double refuseShare = Math.max(0.0, (requested - 1 - k * accepted) / requested);
    if (random.getAsDouble() < refuseShare) {
      return new RefusedCall<>(
          Status.RESOURCE_EXHAUSTED.withDescription(
              String.format(
                  "refused in the client: the server accepted %d of the last %d calls asked of this"
                      + " channel (it refuses calls as overloaded); retry later",
                  accepted, requested - 1)));
    }
    return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
      @Override
      public void start(Listener<R> listener, Metadata headers) {
        super.start(
            new SimpleForwardingClientCallListener<>(listener) {
              @Override
              public void onClose(Status status, Metadata trailers) {
                if (status.getCode() != Status.Code.RESOURCE_EXHAUSTED) {
                  recordAccept();
                }
                super.onClose(status, trailers);
              }
            },
            headers);
      }
    };
  }

  private synchronized void recordAccept() {
    accepts[slot(currentEpoch())]++;
  }

  /** The current 1 s bucket number; a bucket from an older turn of the ring is cleared first. */
  private long currentEpoch() {
    long epoch = Math.floorDiv(nanoTime.getAsLong(), BUCKET_NANOS);
    int slot = slot(epoch);
    if (bucketEpoch[slot] != epoch) {
      bucketEpoch[slot] = epoch;
      requests[slot] = 0;
      accepts[slot] = 0;
    }
    return epoch;
  }

  private int slot(long epoch) {
    return (int) Math.floorMod(epoch, (long) requests.length);
  }

  private long sum(long[] counts, long epoch) {
    long total = 0;
    for (int i = 0; i < counts.length; i++) {
      if (epoch - bucketEpoch[i] < counts.length) {
        total += counts[i];
      }
    }
    return total;
  }

  /** A call that never reaches the network: it closes with the refusal as soon as it starts. */
  private static final class RefusedCall<Q, R> extends ClientCall<Q, R> {
    private final Status refusal;

    RefusedCall(Status refusal) {
      this.refusal = refusal;
    }

    @Override
    public void start(Listener<R> listener, Metadata headers) {
      listener.onClose(refusal, new Metadata());
    }

    @Override
    public void request(int numMessages) {}

    @Override
    public void cancel(String message, Throwable cause) {}

    @Override
    public void halfClose() {}

    @Override
    public void sendMessage(Q message) {}
  }
}

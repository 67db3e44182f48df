package io.healthscore.runtime.metrics;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Records every call as {@code grpc_server_requests_seconds} (a histogram with buckets around our
 * latency SLO) tagged by gRPC service, method, method type and status code, and counts stream
 * messages as {@code grpc_server_messages_received_total} / {@code _sent_total}.
 *
 * <p>Labels: {@code grpc_service} (e.g. healthscore.v1.SignalService), {@code method} (e.g.
 * IngestSignals), {@code type} (UNARY, SERVER_STREAMING, ...), {@code code} (OK, NOT_FOUND, ...),
 * plus the registry-wide {@code service} tag. All are bounded; {@code service} is taken by the
 * registry's common tag, hence {@code grpc_service}.
 */
public final class GrpcServerMetricsInterceptor implements ServerInterceptor {
  public static final String REQUESTS = "grpc.server.requests";
  public static final String MESSAGES_RECEIVED = "grpc.server.messages.received";
  public static final String MESSAGES_SENT = "grpc.server.messages.sent";

  /** Bucket bounds: 1 ms to 2.5 s, dense where our SLOs sit. */
  private static final Duration[] BUCKETS = {
    Duration.ofMillis(1), Duration.ofMillis(2).plusNanos(500_000), Duration.ofMillis(5),
    Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
    Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofMillis(1000), Duration.ofMillis(2500)
  };

  private final MeterRegistry registry;
  private final Map<String, MethodMeters> meters = new ConcurrentHashMap<>();

  public GrpcServerMetricsInterceptor(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    MethodDescriptor<ReqT, RespT> method = call.getMethodDescriptor();
    MethodMeters m = meters.computeIfAbsent(method.getFullMethodName(), name -> new MethodMeters(method));
    CallRecorder recorder = new CallRecorder(m, System.nanoTime());
    ServerCall<ReqT, RespT> recordingCall =
        new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          @Override
          public void sendMessage(RespT message) {
            m.sent.increment();
            super.sendMessage(message);
          }

          @Override
          public void close(Status status, Metadata trailers) {
            recorder.record(status.getCode());
            super.close(status, trailers);
          }
        };
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(
        next.startCall(recordingCall, headers)) {
      @Override
      public void onMessage(ReqT message) {
        m.received.increment();
        super.onMessage(message);
      }

      @Override
      public void onCancel() {
        // The client went away (or its deadline passed) before the server closed the call.
        recorder.record(Status.Code.CANCELLED);
        super.onCancel();
      }
    };
  }

  /** Records a call exactly once, whichever of close and cancel comes first. */
  private static final class CallRecorder {
    private final MethodMeters meters;
    private final long startNanos;
    private final AtomicBoolean recorded = new AtomicBoolean();

    CallRecorder(MethodMeters meters, long startNanos) {
      this.meters = meters;
      this.startNanos = startNanos;
    }

    void record(Status.Code code) {
      if (recorded.compareAndSet(false, true)) {
        meters.timer(code).record(Duration.ofNanos(System.nanoTime() - startNanos));
      }
    }
  }

  /** The meters of one method, created once so the hot path does no registry lookups. */
  private final class MethodMeters {
    private final String service;
    private final String method;
    private final String type;
    private final Counter received;
    private final Counter sent;
    private final Map<Status.Code, Timer> timers = new EnumMap<>(Status.Code.class);

    MethodMeters(MethodDescriptor<?, ?> descriptor) {
      String service = descriptor.getServiceName();
      this.service = service != null ? service : "";
      this.method = descriptor.getBareMethodName() != null ? descriptor.getBareMethodName() : "";
      this.type = descriptor.getType().name();
      this.received = counter(MESSAGES_RECEIVED, "Stream messages received from clients.");
      this.sent = counter(MESSAGES_SENT, "Stream messages sent to clients.");
    }

    private Counter counter(String name, String description) {
      return Counter.builder(name)
          .description(description)
          .tag("grpc_service", service)
          .tag("method", method)
          .tag("type", type)
          .register(registry);
    }

    synchronized Timer timer(Status.Code code) {
      return timers.computeIfAbsent(
          code,
          c ->
              Timer.builder(REQUESTS)
                  .description("gRPC calls handled, by outcome.")
                  .tag("grpc_service", service)
                  .tag("method", method)
                  .tag("type", type)
                  .tag("code", c.name())
                  .serviceLevelObjectives(BUCKETS)
                  .register(registry));
    }
  }
}

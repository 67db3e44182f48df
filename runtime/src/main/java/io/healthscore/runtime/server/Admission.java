package io.healthscore.runtime.server;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthGrpc;
import io.healthscore.runtime.error.ApiErrors;
import io.healthscore.runtime.error.ResourceExhaustedException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Optional;

/**
 * Decides, before any handler runs, whether a call is worth starting. A call whose deadline has
 * already passed is refused with DEADLINE_EXCEEDED: its caller has given up, so any work would be
 * wasted. A unary call beyond the {@link AdaptiveLimit} of concurrent ones, which follows their
 * measured latency, is refused with RESOURCE_EXHAUSTED and a RetryInfo, so an overloaded service
 * sheds load quickly instead of admitting calls that then miss their latency objective. Streams
 * are long-lived and bounded per connection by the transport instead; health checks are always
 * admitted, so probes tell an overloaded service from a dead one.
 */
final class Admission implements ServerInterceptor {
  static final String REFUSED = "healthscore.calls.refused";
  static final String IN_FLIGHT = "healthscore.calls.in.flight";
  static final String LIMIT = "healthscore.calls.limit";

  /** How long a refused caller is told to wait: long enough for a burst of calls to finish. */
  static final Duration RETRY_AFTER = Duration.ofMillis(200);

  private final AdaptiveLimit limit;
  private final Counter refusedExpired;
  private final Counter refusedOverload;

  Admission(AdaptiveLimit limit, MeterRegistry registry) {
    this.limit = limit;
    this.refusedExpired = refused(registry, "deadline_expired");
    this.refusedOverload = refused(registry, "overloaded");
    Gauge.builder(IN_FLIGHT, limit, AdaptiveLimit::inFlight)
        .description("Unary calls being handled now")
        .register(registry);
    Gauge.builder(LIMIT, limit, AdaptiveLimit::limit)
        .description("Unary calls admitted at once now; follows their latency")
        .register(registry);
  }

  private static Counter refused(MeterRegistry registry, String reason) {
    return Counter.builder(REFUSED)
        .description("Calls refused before any handler ran, by reason")
        .tag("reason", reason)
        .register(registry);
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    if (alwaysAdmitted(call.getMethodDescriptor())) {
      return next.startCall(call, headers);
    }
    Deadline deadline = Context.current().getDeadline();
    if (deadline != null && deadline.isExpired()) {
      refusedExpired.increment();
      call.close(Status.DEADLINE_EXCEEDED.withDescription("the call's deadline passed before it started"), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    if (call.getMethodDescriptor().getType() != MethodType.UNARY) {
      return next.startCall(call, headers);
    }
    Optional<AdaptiveLimit.Permit> admitted = CallThreads.refusingHere() ? Optional.empty() : limit.tryAcquire();
    if (admitted.isEmpty()) {
      refusedOverload.increment();
      StatusRuntimeException refusal =
          ApiErrors.toStatusException(
              new ResourceExhaustedException(
                  "overloaded: " + limit.inFlight() + " calls in progress, the most this service's latency allows"
                      + " now; retry after " + RETRY_AFTER.toMillis() + " ms",
                  RETRY_AFTER));
      call.close(refusal.getStatus(), refusal.getTrailers() == null ? new Metadata() : refusal.getTrailers());
      return new ServerCall.Listener<>() {};
    }
    AdaptiveLimit.Permit permit = admitted.get();
    ServerCall<ReqT, RespT> releasing =
        new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            permit.release();
            super.close(status, trailers);
          }
        };
    try {
      ServerCall.Listener<ReqT> listener = next.startCall(releasing, headers);
      return new ReleasingListener<>(listener, permit);
    } catch (RuntimeException e) {
      permit.release();
      throw e;
    }
  }

  /** Health checks: so that probes tell an overloaded service from a dead one. */
  static boolean alwaysAdmitted(MethodDescriptor<?, ?> method) {
    return HealthGrpc.SERVICE_NAME.equals(method.getServiceName());
  }

  /** Releases the slot also when the client cancels, which closes no call on the server side. */
  private static final class ReleasingListener<ReqT>
      extends ForwardingServerCallListener.SimpleForwardingServerCallListener<ReqT> {
    private final AdaptiveLimit.Permit permit;

    ReleasingListener(ServerCall.Listener<ReqT> delegate, AdaptiveLimit.Permit permit) {
      super(delegate);
      this.permit = permit;
    }

    @Override
    public void onCancel() {
      permit.release();
      super.onCancel();
    }

    @Override
    public void onComplete() {
      permit.release();
      super.onComplete();
    }
  }
}

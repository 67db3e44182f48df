package io.healthscore.runtime.error;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * Ends calls whose handler failed with the status the failure deserves, never UNKNOWN.
 *
 * <p>Covers both ways a handler fails: throwing (from the unary method, or from a request
 * observer's onNext/onCompleted, which gRPC runs inside onMessage/onHalfClose) and passing the
 * exception to {@code responseObserver.onError}, which gRPC turns into UNKNOWN with the exception
 * as cause; this interceptor maps that cause too.
 */
public final class ErrorMappingInterceptor implements ServerInterceptor {

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    MappingCall<ReqT, RespT> mappingCall = new MappingCall<>(call);
    ServerCall.Listener<ReqT> listener;
    try {
      listener = next.startCall(mappingCall, headers);
    } catch (RuntimeException e) {
      mappingCall.fail(e);
      return new ServerCall.Listener<>() {};
    }
    return new MappingListener<>(listener, mappingCall);
  }

  /** Remaps statuses on the way out and makes sure a call is closed only once. */
  private static final class MappingCall<ReqT, RespT>
      extends ForwardingServerCall.SimpleForwardingServerCall<ReqT, RespT> {
    private boolean closed;

    MappingCall(ServerCall<ReqT, RespT> delegate) {
      super(delegate);
    }

    @Override
    public synchronized void close(Status status, Metadata trailers) {
      if (closed) {
        return;
      }
      closed = true;
      Throwable cause = status.getCause();
      if (status.getCode() == Status.Code.UNKNOWN
          && cause != null
          && !(cause instanceof StatusRuntimeException)) {
        StatusRuntimeException mapped = ApiErrors.toStatusException(cause);
        Metadata mappedTrailers = mapped.getTrailers() != null ? mapped.getTrailers() : new Metadata();
        mappedTrailers.merge(trailers);
        super.close(mapped.getStatus(), mappedTrailers);
        return;
      }
      super.close(status, trailers);
    }

    void fail(RuntimeException e) {
      StatusRuntimeException mapped = ApiErrors.toStatusException(e);
      close(mapped.getStatus(), mapped.getTrailers() != null ? mapped.getTrailers() : new Metadata());
    }
  }

  private static final class MappingListener<ReqT>
      extends ForwardingServerCallListener.SimpleForwardingServerCallListener<ReqT> {
    private final MappingCall<ReqT, ?> call;

    MappingListener(ServerCall.Listener<ReqT> delegate, MappingCall<ReqT, ?> call) {
      super(delegate);
      this.call = call;
    }

    @Override
    public void onMessage(ReqT message) {
      try {
        super.onMessage(message);
      } catch (RuntimeException e) {
        call.fail(e);
      }
    }

    @Override
    public void onHalfClose() {
      try {
        super.onHalfClose();
      } catch (RuntimeException e) {
        call.fail(e);
      }
    }

    @Override
    public void onReady() {
      try {
        super.onReady();
      } catch (RuntimeException e) {
        call.fail(e);
      }
    }
  }
}

package io.healthscore.runtime.client;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import io.grpc.stub.AbstractStub;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Every call needs a deadline, or one slow dependency ties up callers forever.
 *
 * <p>A stub's deadline is absolute and starts when it is set, so apply it per call:
 * {@code Deadlines.withDefault(stub).getScore(request)}, never once on a stub kept in a field.
 * Channels from {@link Channels} also give unary calls without a deadline the default one; streams
 * (watch, subscribe) are long-lived by design and get none.
 */
public final class Deadlines {
  public static final Duration DEFAULT = Duration.ofSeconds(10);

  private Deadlines() {}

  /** The stub with a deadline {@link #DEFAULT} from now. */
  public static <T extends AbstractStub<T>> T withDefault(T stub) {
    return apply(stub, DEFAULT);
  }

  /** The stub with a deadline {@code timeout} from now. */
  public static <T extends AbstractStub<T>> T apply(T stub, Duration timeout) {
    return stub.withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Gives unary calls that carry no deadline the default one. */
  public static ClientInterceptor unaryDefaultInterceptor() {
    return new ClientInterceptor() {
      @Override
      public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
          MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
        if (method.getType() == MethodDescriptor.MethodType.UNARY && options.getDeadline() == null) {
          options = options.withDeadlineAfter(DEFAULT.toNanos(), TimeUnit.NANOSECONDS);
        }
        return next.newCall(method, options);
      }
    };
  }
}

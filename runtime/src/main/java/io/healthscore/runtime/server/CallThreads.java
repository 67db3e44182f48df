package io.healthscore.runtime.server;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import java.util.concurrent.Executor;

/**
 * Which thread a call runs on. Handlers run on the handler pool; a unary call that arrives while
 * the {@link AdaptiveLimit} is full stays on the transport thread it arrived on and is refused
 * there by {@link Admission}, without being handed to the pool first. Under overload a refusal
 * then costs no thread handoff and takes no pool thread, so refusals do not queue for the CPU
 * behind each other until their callers' deadlines have passed.
 *
 * <p>The server's own executor must be direct: gRPC looks the method up and asks this supplier on
 * that executor, then runs the call on the executor returned.
 */
final class CallThreads implements ServerCallExecutorSupplier {
  private static final ThreadLocal<Boolean> REFUSING = ThreadLocal.withInitial(() -> false);

  private final AdaptiveLimit limit;
  private final Executor handlers;
  private final Executor refuseHere = CallThreads::refuse;

  CallThreads(AdaptiveLimit limit, Executor handlers) {
    this.limit = limit;
    this.handlers = handlers;
  }

  @Override
  public <ReqT, RespT> Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata headers) {
    boolean refusable =
        call.getMethodDescriptor().getType() == MethodType.UNARY
            && !Admission.alwaysAdmitted(call.getMethodDescriptor());
    return refusable && limit.isFull() ? refuseHere : handlers;
  }

  /** Whether the call being started on this thread is to be refused (it stayed on the transport thread). */
  static boolean refusingHere() {
    return REFUSING.get();
  }

  private static void refuse(Runnable task) {
    boolean outer = REFUSING.get();
    REFUSING.set(true);
    try {
      task.run();
    } finally {
      REFUSING.set(outer);
    }
  }
}

package io.healthscore.runtime.testing.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import io.grpc.Channel;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Sends hostile requests to every method of a service and checks what a client must be able to
 * rely on: the server answers every call within its deadline, never with a status that means "the
 * server broke" (UNKNOWN, INTERNAL, DATA_LOSS), and a rejected request leaves the stored state as
 * it was (compared through {@code state}, a digest the service's test reads over the public API).
 */
public final class ServiceFuzzer {
  /** Statuses that say the server failed, not the request. */
  private static final Set<Status.Code> SERVER_FAULTS = EnumSet.of(Status.Code.UNKNOWN, Status.Code.INTERNAL, Status.Code.DATA_LOSS);

  private final RawRpc rpc;
  private final List<MethodDescriptor> methods;
  private final Supplier<String> state;
  private final Set<String> followingStreams;
  private String knownState;

  /**
   * {@code followingStreams} names the methods (simple names) that follow a log forever, such as
   * WatchChanges: for them an expired deadline is the normal end of a call.
   */
  public ServiceFuzzer(Channel channel, ServiceDescriptor service, Supplier<String> state, Set<String> followingStreams) {
    this.rpc = new RawRpc(channel);
    this.methods = service.getMethods();
    this.state = state;
    this.followingStreams = followingStreams;
  }

  /** One fuzzer execution: a method and a request, both chosen by the fuzzer. */
  public void fuzzOne(FuzzedDataProvider data) {
    MethodDescriptor method = data.pickValue(methods);
    check(method, RequestFuzzer.request(method.getInputType(), data), "fuzzed");
  }

  /**
   * Every case of {@link MalformedRequests} against every method; returns how many calls ran, or
   * fails listing every call that broke a check.
   */
  public int runCorpus() {
    int calls = 0;
    List<String> failures = new ArrayList<>();
    for (MethodDescriptor method : methods) {
      for (MalformedRequests.Case c : MalformedRequests.of(method.getInputType())) {
        try {
          check(method, c.bytes(), c.name());
        } catch (AssertionError e) {
          failures.add(e.getMessage());
          knownState = null;
        }
        calls++;
      }
    }
    if (!failures.isEmpty()) {
      throw new AssertionError(failures.size() + " of " + calls + " calls broke a check:\n" + String.join("\n", failures));
    }
    return calls;
  }

  private void check(MethodDescriptor method, byte[] request, String what) {
    boolean following = followingStreams.contains(method.getName());
    // A refused call left the state as it was, so the state after it is the next call's "before".
    String before = knownState != null ? knownState : state.get();
    knownState = null;
    RawRpc.Outcome outcome = rpc.call(method, request, following ? 100 : 15_000);
    Status status = outcome.status();
    String call = method.getName() + " with " + what + " request";
    if (SERVER_FAULTS.contains(status.getCode())) {
      throw new AssertionError(call + " ended with " + status.getCode() + ": " + status.getDescription(), status.getCause());
    }
    if (status.getCode() == Status.Code.DEADLINE_EXCEEDED && !following) {
      throw new AssertionError(call + " ran into its deadline");
    }
    if (!outcome.answered() && status.getCode() != Status.Code.DEADLINE_EXCEEDED) {
      String after = state.get();
      if (!before.equals(after)) {
        throw new AssertionError(call + " was refused with " + status.getCode() + " but changed stored state:\n" + before + "\n->\n" + after);
      }
      knownState = after;
    }
  }
}

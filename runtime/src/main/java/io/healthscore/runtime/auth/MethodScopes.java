package io.healthscore.runtime.auth;

import io.grpc.MethodDescriptor;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The scope each gRPC method requires. Methods nobody listed require {@link Scope#ADMIN}, so a new
 * RPC is closed until someone decides who may call it. Health checks and reflection need no token:
 * Kubernetes probes and grpcurl carry none.
 */
public final class MethodScopes {
  /** Services open to everyone, by full service name. */
  private static final Set<String> OPEN_SERVICES =
      Set.of(
          "grpc.health.v1.Health",
          "grpc.reflection.v1.ServerReflection",
          "grpc.reflection.v1alpha.ServerReflection");

  private final Map<String, String> requiredByMethod;

  private MethodScopes(Map<String, String> requiredByMethod) {
    this.requiredByMethod = Map.copyOf(requiredByMethod);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Every method requires ADMIN, except health and reflection. */
  public static MethodScopes adminOnly() {
    return builder().build();
  }

  /**
   * The scope a call of {@code fullMethodName} ("package.Service/Method") needs, or empty when the
   * method is open to everyone.
   */
  public Optional<String> requiredScope(String fullMethodName) {
    String service = MethodDescriptor.extractFullServiceName(fullMethodName);
    if (service != null && OPEN_SERVICES.contains(service)) {
      return Optional.empty();
    }
    return Optional.of(requiredByMethod.getOrDefault(fullMethodName, Scope.ADMIN));
  }

  public static final class Builder {
    private final Map<String, String> requiredByMethod = new HashMap<>();

    private Builder() {}

    public Builder require(MethodDescriptor<?, ?> method, String scope) {
      return require(method.getFullMethodName(), scope);
    }

    /** {@code fullMethodName} as "package.Service/Method", e.g. "healthscore.v1.ScoringService/GetScore". */
    public Builder require(String fullMethodName, String scope) {
      if (MethodDescriptor.extractFullServiceName(fullMethodName) == null) {
        throw new IllegalArgumentException(
            "not a full method name (package.Service/Method): " + fullMethodName);
      }
      if (!Scope.ALL.contains(scope)) {
        throw new IllegalArgumentException("unknown scope '" + scope + "' for " + fullMethodName);
      }
      String previous = requiredByMethod.putIfAbsent(fullMethodName, scope);
      if (previous != null && !previous.equals(scope)) {
        throw new IllegalArgumentException(
            fullMethodName + " already requires " + previous + ", cannot also require " + scope);
      }
      return this;
    }

    public MethodScopes build() {
      return new MethodScopes(requiredByMethod);
    }
  }
}

package io.healthscore.runtime.auth;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Checks the {@code authorization: Bearer <token>} header of every call against a token table and
 * the scope the method requires. Without a token table auth is off and every call passes, which is
 * what a laptop quick start wants; production sets HEALTHSCORE_AUTH_TOKENS.
 *
 * <p>Handlers find the caller in {@link #PRINCIPAL} and {@link #SCOPES} (unset when auth is off or
 * the method is open to everyone).
 */
public final class AuthInterceptor implements ServerInterceptor {
  /** The scopes of the calling token. */
  public static final Context.Key<Set<String>> SCOPES = Context.key("healthscore-scopes");

  /** A non-reversible token fingerprint, fit for audit logs. */
  public static final Context.Key<String> PRINCIPAL = Context.key("healthscore-principal");

  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final String BEARER = "bearer ";

  private final Optional<Supplier<TokenTable>> tokens;
  private final MethodScopes methodScopes;

  /** {@code tokens} empty means auth is off; the table in force is asked for at every call. */
  public AuthInterceptor(Optional<Supplier<TokenTable>> tokens, MethodScopes methodScopes) {
    this.tokens = tokens;
    this.methodScopes = methodScopes;
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    if (tokens.isEmpty()) {
      return next.startCall(call, headers);
    }
    String method = call.getMethodDescriptor().getFullMethodName();
    Optional<String> required = methodScopes.requiredScope(method);
    if (required.isEmpty()) {
      return next.startCall(call, headers);
    }
    String header = headers.get(AUTHORIZATION);
    if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return reject(call, Status.UNAUTHENTICATED.withDescription("missing 'authorization: Bearer <token>' header"));
    }
    String token = header.substring(BEARER.length()).trim();
    Optional<Set<String>> scopes = tokens.get().get().scopesFor(token);
    if (scopes.isEmpty()) {
      return reject(call, Status.UNAUTHENTICATED.withDescription("unknown bearer token"));
    }
    if (!Scope.allows(scopes.get(), required.get())) {
      return reject(
          call,
          Status.PERMISSION_DENIED.withDescription(
              "token lacks scope '" + required.get() + "' required by " + method));
    }
    Context context =
        Context.current()
            .withValue(SCOPES, scopes.get())
            .withValue(PRINCIPAL, "token:" + TokenTable.fingerprint(token));
    return Contexts.interceptCall(context, call, headers, next);
  }

  private static <ReqT, RespT> ServerCall.Listener<ReqT> reject(ServerCall<ReqT, RespT> call, Status status) {
    call.close(status, new Metadata());
    return new ServerCall.Listener<>() {};
  }
}

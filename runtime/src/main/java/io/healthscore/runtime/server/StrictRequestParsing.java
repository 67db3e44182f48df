package io.healthscore.runtime.server;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.healthscore.runtime.error.InvalidArgumentException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes a request that is not a valid message of its type (truncated bytes, wrong wire types,
 * invalid UTF-8 in a string field, nesting past the parser's limit) fail with INVALID_ARGUMENT
 * naming the method. gRPC parses requests before any interceptor runs and ends a failed parse
 * with UNKNOWN, which tells a client the server broke when it was the request that was wrong. So
 * the transport here hands over the raw bytes and the message is parsed inside the call, where the
 * error mapping turns the failure into a proper status.
 */
final class StrictRequestParsing {
  private static final MethodDescriptor.Marshaller<InputStream> RAW =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(InputStream value) {
          return value;
        }

        @Override
        public InputStream parse(InputStream stream) {
          // The transport may reuse its buffer after parse returns: copy the bytes out.
          try {
            return new ByteArrayInputStream(stream.readAllBytes());
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  private StrictRequestParsing() {}

  static ServerServiceDefinition wrap(ServerServiceDefinition service) {
    ServiceDescriptor original = service.getServiceDescriptor();
    List<ServerMethodDefinition<InputStream, ?>> methods = new ArrayList<>();
    // Reflection describes the service from the schema descriptor: keep it.
    ServiceDescriptor.Builder descriptor =
        ServiceDescriptor.newBuilder(original.getName()).setSchemaDescriptor(original.getSchemaDescriptor());
    for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
      ServerMethodDefinition<InputStream, ?> strict = strict(method);
      methods.add(strict);
      descriptor.addMethod(strict.getMethodDescriptor());
    }
    ServerServiceDefinition.Builder strict = ServerServiceDefinition.builder(descriptor.build());
    methods.forEach(strict::addMethod);
    return strict.build();
  }

  private static <Q, R> ServerMethodDefinition<InputStream, R> strict(ServerMethodDefinition<Q, R> definition) {
    MethodDescriptor<Q, R> method = definition.getMethodDescriptor();
    MethodDescriptor<InputStream, R> raw = method.toBuilder(RAW, method.getResponseMarshaller()).build();
    ServerCallHandler<Q, R> handler = definition.getServerCallHandler();
    return ServerMethodDefinition.create(raw, (call, headers) -> parsing(method, handler, call, headers));
  }

  private static <Q, R> ServerCall.Listener<InputStream> parsing(
      MethodDescriptor<Q, R> method, ServerCallHandler<Q, R> handler, ServerCall<InputStream, R> call, Metadata headers) {
    ServerCall.Listener<Q> typed = handler.startCall(new TypedCall<>(call, method), headers);
    return new ServerCall.Listener<>() {
      @Override
      public void onMessage(InputStream message) {
        typed.onMessage(parse(method, message));
      }

      @Override
      public void onHalfClose() {
        typed.onHalfClose();
      }

      @Override
      public void onCancel() {
        typed.onCancel();
      }

      @Override
      public void onComplete() {
        typed.onComplete();
      }

      @Override
      public void onReady() {
        typed.onReady();
      }
    };
  }

  private static <Q> Q parse(MethodDescriptor<Q, ?> method, InputStream message) {
    try {
      return method.parseRequest(message);
    } catch (RuntimeException e) {
      throw new InvalidArgumentException(
          "the request of " + method.getFullMethodName() + " is not a valid message: " + rootMessage(e));
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
  }

  /** The handler's view of the call: its own typed method; everything else is the real call. */
  private static final class TypedCall<Q, R> extends ForwardingServerCall<Q, R> {
    private final ServerCall<InputStream, R> call;
    private final MethodDescriptor<Q, R> method;

    TypedCall(ServerCall<InputStream, R> call, MethodDescriptor<Q, R> method) {
      this.call = call;
      this.method = method;
    }

    @Override
    @SuppressWarnings("unchecked")
    protected ServerCall<Q, R> delegate() {
      // Only the response side is used through this view; requests arrive through the listener.
      return (ServerCall<Q, R>) (ServerCall<?, R>) call;
    }

    @Override
    public MethodDescriptor<Q, R> getMethodDescriptor() {
      return method;
    }
  }
}

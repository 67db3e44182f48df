package io.healthscore.runtime;

import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.healthscore.runtime.error.FailedPreconditionException;
import io.healthscore.runtime.error.NotFoundException;
import io.healthscore.runtime.error.Violations;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * A tiny hand-built gRPC service over plain strings, so runtime tests need no generated code. The
 * request text chooses how the handler fails.
 */
public final class EchoService {
  public static final String SERVICE = "test.Echo";

  public static final MethodDescriptor<String, String> UNARY = method("Unary", MethodDescriptor.MethodType.UNARY);
  public static final MethodDescriptor<String, String> COLLECT =
      method("Collect", MethodDescriptor.MethodType.CLIENT_STREAMING);

  private EchoService() {}

  public static ServerServiceDefinition definition() {
    return ServerServiceDefinition.builder(SERVICE)
        .addMethod(UNARY, ServerCalls.asyncUnaryCall(EchoService::unary))
        .addMethod(COLLECT, ServerCalls.asyncClientStreamingCall(EchoService::collect))
        .build();
  }

  private static void unary(String request, StreamObserver<String> response) {
    switch (request) {
      case "invalid" -> {
        Violations v = new Violations();
        v.add("account_id", "must not be empty");
        v.check(false, "signals[2].metric", "unknown metric");
        v.throwIfAny("bad request");
      }
      case "missing" -> throw new NotFoundException("account a-1 not found");
      case "on-error" -> response.onError(new FailedPreconditionException("no model calibrated"));
      case "bug" -> throw new IllegalStateException("secret internal detail");
      default -> {
        response.onNext("echo:" + request);
        response.onCompleted();
      }
    }
  }

  /** Concatenates messages; a message "invalid" fails inside onNext, as validation in a stream would. */
  private static StreamObserver<String> collect(StreamObserver<String> response) {
    StringBuilder all = new StringBuilder();
    return new StreamObserver<>() {
      @Override
      public void onNext(String value) {
        if (value.equals("invalid")) {
          new Violations().add("batch[1]", "rejected").throwIfAny("bad batch");
        }
        all.append(value);
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {
        response.onNext(all.toString());
        response.onCompleted();
      }
    };
  }

  /** A method of this test service over plain strings. */
  public static MethodDescriptor<String, String> method(String name, MethodDescriptor.MethodType type) {
    return MethodDescriptor.<String, String>newBuilder()
        .setType(type)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
        .setRequestMarshaller(StringMarshaller.INSTANCE)
        .setResponseMarshaller(StringMarshaller.INSTANCE)
        .build();
  }

  private enum StringMarshaller implements MethodDescriptor.Marshaller<String> {
    INSTANCE;

    @Override
    public InputStream stream(String value) {
      return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String parse(InputStream stream) {
      try {
        return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}

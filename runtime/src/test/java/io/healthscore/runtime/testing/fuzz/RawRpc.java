package io.healthscore.runtime.testing.fuzz;

import com.google.protobuf.Descriptors;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Calls any method of a service with raw request bytes, so a test can send what no generated stub
 * would: truncated messages, wrong wire types, invalid UTF-8. Streaming responses are read up to a
 * few messages and then cancelled; the result is the status the server closed the call with.
 */
public final class RawRpc {
  /** Responses read from a server stream before the call is cancelled as "answered". */
  private static final int RESPONSES_TO_READ = 3;

  private static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  private final Channel channel;

  public RawRpc(Channel channel) {
    this.channel = channel;
  }

  /** What a call ended with: its status, or OK/CANCELLED-by-us when a stream answered. */
  public record Outcome(Status status, int responses) {
    /** A stream that kept answering and was cancelled by the caller counts as answered. */
    public boolean answered() {
      return status.isOk() || responses > 0;
    }
  }

  /**
   * Sends {@code request} once (a streaming request sends it as its only message and half-closes)
   * and waits at most {@code deadlineMillis} for the end of the call.
   */
  public Outcome call(Descriptors.MethodDescriptor method, byte[] request, long deadlineMillis) {
    MethodDescriptor<byte[], byte[]> grpcMethod =
        MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(type(method))
            .setFullMethodName(MethodDescriptor.generateFullMethodName(method.getService().getFullName(), method.getName()))
            .setRequestMarshaller(BYTES)
            .setResponseMarshaller(BYTES)
            .build();
    ClientCall<byte[], byte[]> call =
        channel.newCall(grpcMethod, CallOptions.DEFAULT.withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS));
    CompletableFuture<Status> closed = new CompletableFuture<>();
    int[] responses = {0};
    call.start(
        new ClientCall.Listener<>() {
          @Override
          public void onMessage(byte[] message) {
            if (++responses[0] >= RESPONSES_TO_READ) {
              call.cancel("answered", null);
            } else {
              call.request(1);
            }
          }

          @Override
          public void onClose(Status status, Metadata trailers) {
            closed.complete(status);
          }
        },
        new Metadata());
    call.request(1);
    call.sendMessage(request);
    call.halfClose();
    try {
      return new Outcome(closed.get(deadlineMillis + 5_000, TimeUnit.MILLISECONDS), responses[0]);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException | TimeoutException e) {
      call.cancel("no end", e);
      throw new AssertionError(method.getFullName() + " did not end within its deadline", e);
    }
  }

  private static MethodDescriptor.MethodType type(Descriptors.MethodDescriptor method) {
    if (method.isClientStreaming()) {
      return method.isServerStreaming() ? MethodDescriptor.MethodType.BIDI_STREAMING : MethodDescriptor.MethodType.CLIENT_STREAMING;
    }
    return method.isServerStreaming() ? MethodDescriptor.MethodType.SERVER_STREAMING : MethodDescriptor.MethodType.UNARY;
  }
}

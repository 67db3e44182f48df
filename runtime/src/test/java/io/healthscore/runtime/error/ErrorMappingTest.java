package io.healthscore.runtime.error;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.healthscore.runtime.EchoService;
import io.healthscore.runtime.metrics.Metrics;
import io.healthscore.runtime.server.ServiceServer;
import io.healthscore.runtime.testing.InProcessGrpc;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ErrorMappingTest {
  private InProcessGrpc grpc;

  @BeforeEach
  void start() {
    Metrics metrics = new Metrics("test");
    grpc =
        InProcessGrpc.start(
            ServiceServer.builder(InProcessGrpc.testConfig("test"), metrics)
                .addService(EchoService.definition()),
            metrics);
  }

  @AfterEach
  void stop() {
    grpc.close();
  }

  private StatusRuntimeException unaryFailure(String request) {
    return assertThrows(
        StatusRuntimeException.class,
        () -> ClientCalls.blockingUnaryCall(grpc.channel(), EchoService.UNARY, CallOptions.DEFAULT, request));
  }

  @Test
  void invalidArgumentCarriesFieldViolations() {
    StatusRuntimeException e = unaryFailure("invalid");
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().startsWith("bad request"), e.getStatus().getDescription());
    assertEquals(
        List.of(
            new FieldViolation("account_id", "must not be empty"),
            new FieldViolation("signals[2].metric", "unknown metric")),
        ApiErrors.fieldViolations(e));
  }

  @Test
  void apiExceptionsMapToTheirCodes() {
    StatusRuntimeException missing = unaryFailure("missing");
    assertEquals(Status.Code.NOT_FOUND, missing.getStatus().getCode());
    assertEquals("account a-1 not found", missing.getStatus().getDescription());
    assertEquals(List.of(), ApiErrors.fieldViolations(missing));

    StatusRuntimeException viaOnError = unaryFailure("on-error");
    assertEquals(Status.Code.FAILED_PRECONDITION, viaOnError.getStatus().getCode());
    assertEquals("no model calibrated", viaOnError.getStatus().getDescription());
  }

  @Test
  void unexpectedFailuresBecomeInternalWithoutDetails() {
    StatusRuntimeException e = unaryFailure("bug");
    assertEquals(Status.Code.INTERNAL, e.getStatus().getCode());
    assertFalse(String.valueOf(e.getStatus().getDescription()).contains("secret"));
  }

  @Test
  void exceptionThrownInStreamingOnNextIsMapped() throws Exception {
    CompletableFuture<String> result = new CompletableFuture<>();
    StreamObserver<String> requests =
        ClientCalls.asyncClientStreamingCall(
            grpc.channel().newCall(EchoService.COLLECT, CallOptions.DEFAULT),
            new StreamObserver<>() {
              @Override
              public void onNext(String value) {
                result.complete(value);
              }

              @Override
              public void onError(Throwable t) {
                result.completeExceptionally(t);
              }

              @Override
              public void onCompleted() {}
            });
    requests.onNext("ok");
    requests.onNext("invalid");
    requests.onCompleted();
    Throwable failure =
        assertThrows(Exception.class, () -> result.get(5, TimeUnit.SECONDS)).getCause();
    StatusRuntimeException e = (StatusRuntimeException) failure;
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals(List.of(new FieldViolation("batch[1]", "rejected")), ApiErrors.fieldViolations(e));
  }

  @Test
  void aWriteTheDiskRefusedIsUnavailableNamingTheProblem() {
    RuntimeException wrapped =
        new RuntimeException("Writing to file failed", new java.io.IOException("No space left on device"));
    StatusRuntimeException e = ApiErrors.toStatusException(new RuntimeException("commit failed", wrapped));
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("No space left on device"), e.getStatus().getDescription());
    assertEquals(
        Status.Code.INTERNAL,
        ApiErrors.toStatusException(new RuntimeException("No space left on device")).getStatus().getCode(),
        "only an I/O failure of the disk counts, not a message that looks like one");
  }

  @Test
  void aLockTimeoutOrDeadlockIsAbortedNotInternal() {
    StatusRuntimeException lockTimeout = ApiErrors.toStatusException(
        new RuntimeException("commit failed", new java.sql.SQLException("Timeout trying to lock table", "HYT00")));
    assertEquals(Status.Code.ABORTED, lockTimeout.getStatus().getCode());
    assertTrue(lockTimeout.getStatus().getDescription().contains("retry"), lockTimeout.getStatus().getDescription());
    assertEquals(Status.Code.ABORTED,
        ApiErrors.toStatusException(new java.sql.SQLException("deadlock detected", "40P01")).getStatus().getCode());
    assertEquals(Status.Code.INTERNAL,
        ApiErrors.toStatusException(new java.sql.SQLException("syntax error", "42601")).getStatus().getCode(),
        "a failure that is not contention stays INTERNAL");
  }

  @Test
  void toStatusExceptionPassesStatusesThrough() {
    StatusRuntimeException original = Status.UNAVAILABLE.asRuntimeException();
    assertEquals(original, ApiErrors.toStatusException(original));
    assertEquals(
        Status.Code.RESOURCE_EXHAUSTED,
        ApiErrors.toStatusException(new ResourceExhaustedException("slow down")).getStatus().getCode());
    assertEquals(
        Status.Code.ALREADY_EXISTS,
        ApiErrors.toStatusException(new AlreadyExistsException("dup")).getStatus().getCode());
  }

  @Test
  void resourceExhaustedCarriesRetryInfoWhenTheServerKnowsWhen() throws Exception {
    StatusRuntimeException e =
        ApiErrors.toStatusException(new ResourceExhaustedException("behind", java.time.Duration.ofMillis(2_500)));
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
    com.google.rpc.Status status = io.grpc.protobuf.StatusProto.fromThrowable(e);
    com.google.rpc.RetryInfo retry = status.getDetails(0).unpack(com.google.rpc.RetryInfo.class);
    assertEquals(2, retry.getRetryDelay().getSeconds());
    assertEquals(500_000_000, retry.getRetryDelay().getNanos());
    assertEquals(
        0,
        io.grpc.protobuf.StatusProto.fromThrowable(
                ApiErrors.toStatusException(new ResourceExhaustedException("no delay known")))
            .getDetailsCount());
  }

  @Test
  void violationsCollectAndThrowOnlyWhenAny() {
    Violations v = new Violations();
    assertTrue(v.check(true, "a", "never recorded"));
    v.throwIfAny("nothing wrong");
    assertTrue(v.isEmpty());
    assertFalse(v.check(false, "b", "is bad"));
    InvalidArgumentException e =
        assertThrows(InvalidArgumentException.class, () -> v.throwIfAny("request invalid"));
    assertEquals(List.of(new FieldViolation("b", "is bad")), e.violations());
    assertEquals("request invalid: b is bad", e.getMessage());
  }
}

package io.healthscore.runtime.error;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import com.google.rpc.RetryInfo;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Translates between exceptions and what travels on the wire: a gRPC status plus a google.rpc.Status
 * trailer whose details carry google.rpc.BadRequest field violations.
 */
public final class ApiErrors {
  private static final Logger LOG = LoggerFactory.getLogger(ApiErrors.class);

  /** What clients see for a failure nobody foresaw; the details stay in the server log. */
  static final String INTERNAL_MESSAGE = "internal error";

  private ApiErrors() {}

  /**
   * The StatusRuntimeException to end a call with. Status exceptions pass through; an ApiException
   * becomes its status with details; anything else is logged and becomes INTERNAL with a generic
   * message, so internals never leak to clients. Use it from StreamObserver code:
   * {@code responseObserver.onError(ApiErrors.toStatusException(e))}.
   */
  public static StatusRuntimeException toStatusException(Throwable t) {
    if (t instanceof StatusRuntimeException sre) {
      return sre;
    }
    if (t instanceof StatusException se) {
      return new StatusRuntimeException(se.getStatus(), se.getTrailers());
    }
    if (t instanceof ApiException api) {
      com.google.rpc.Status.Builder status =
          com.google.rpc.Status.newBuilder()
              .setCode(api.code().value())
              .setMessage(String.valueOf(api.getMessage()));
      if (api instanceof InvalidArgumentException invalid && !invalid.violations().isEmpty()) {
        BadRequest.Builder badRequest = BadRequest.newBuilder();
        for (FieldViolation v : invalid.violations()) {
          badRequest.addFieldViolationsBuilder().setField(v.field()).setDescription(v.description());
        }
        status.addDetails(Any.pack(badRequest.build()));
      }
      if (api instanceof ResourceExhaustedException exhausted && exhausted.retryAfter().isPresent()) {
        java.time.Duration delay = exhausted.retryAfter().get();
        status.addDetails(
            Any.pack(
                RetryInfo.newBuilder()
                    .setRetryDelay(
                        com.google.protobuf.Duration.newBuilder()
                            .setSeconds(delay.getSeconds())
                            .setNanos(delay.getNano()))
                    .build()));
      }
      return StatusProto.toStatusRuntimeException(status.build());
    }
    String disk = diskProblem(t);
    if (disk != null) {
      LOG.error("a call failed on a disk problem", t);
      return Status.UNAVAILABLE
          .withDescription("storage cannot be written: " + disk + "; free space or repair the disk, then retry")
          .asRuntimeException(new Metadata());
    }
    if (isContention(t)) {
      LOG.warn("a call met a concurrent writer's locks: {}", t.toString());
      return Status.ABORTED
          .withDescription("the call met a concurrent change (lock timeout, deadlock or serialization failure); retry it")
          .asRuntimeException(new Metadata());
    }
    LOG.error("unexpected failure while handling a call", t);
    return Status.INTERNAL.withDescription(INTERNAL_MESSAGE).asRuntimeException(new Metadata());
  }

  /**
   * The operating system's message when {@code t} or one of its causes is a write refused by the
   * disk (full, read-only, quota, I/O error), else null. Such a failure is the machine's, not a
   * bug: callers get UNAVAILABLE naming it, as the database wraps it in its own exceptions.
   */
  public static String diskProblem(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      String message = String.valueOf(c.getMessage());
      for (String problem : DISK_PROBLEMS) {
        if (c instanceof java.io.IOException && message.contains(problem)) {
          return problem;
        }
      }
    }
    return null;
  }

  private static final List<String> DISK_PROBLEMS =
      List.of("No space left on device", "Read-only file system", "Disk quota exceeded", "Input/output error");

  /**
   * Whether a lock timeout, deadlock or serialization failure is among the causes: contention
   * between concurrent transactions, worth retrying whole, not a bug (H2 and PostgreSQL SQLSTATEs).
   */
  public static boolean isContention(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof java.sql.SQLTransientException
          || c instanceof java.sql.SQLException sql && isContentionState(sql.getSQLState())) {
        return true;
      }
    }
    return false;
  }

  /** Class 40 (rollback: deadlock, serialization), 55P03 (PostgreSQL lock not available), HYT00 (H2 lock timeout). */
  private static boolean isContentionState(String sqlState) {
    return sqlState != null && (sqlState.startsWith("40") || sqlState.equals("55P03") || sqlState.equals("HYT00"));
  }

  /** The field violations a server sent with a status, empty if none (client side, tests). */
  public static List<FieldViolation> fieldViolations(StatusRuntimeException e) {
    com.google.rpc.Status status = StatusProto.fromThrowable(e);
    if (status == null) {
      return List.of();
    }
    List<FieldViolation> result = new ArrayList<>();
    for (Any detail : status.getDetailsList()) {
      if (!detail.is(BadRequest.class)) {
        continue;
      }
      try {
        for (BadRequest.FieldViolation v : detail.unpack(BadRequest.class).getFieldViolationsList()) {
          result.add(new FieldViolation(v.getField(), v.getDescription()));
        }
      } catch (InvalidProtocolBufferException malformed) {
        throw new IllegalStateException("server sent a malformed BadRequest detail", malformed);
      }
    }
    return List.copyOf(result);
  }
}

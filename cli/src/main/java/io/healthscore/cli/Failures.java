package io.healthscore.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import com.google.rpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.io.IOException;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/** Turns a failed command into one line on stderr (with the service's field violations) and an exit code. */
final class Failures implements CommandLine.IExecutionExceptionHandler {
  @Override
  public int handleExecutionException(Exception e, CommandLine cl, ParseResult parsed) {
    var err = cl.getErr();
    if (e instanceof StatusRuntimeException s) {
      err.println("healthscore: " + describe(s));
      return exitCode(s.getStatus().getCode());
    }
    if (e instanceof UsageException) {
      err.println("healthscore: " + e.getMessage());
      return ExitCodes.USAGE;
    }
    if (e instanceof IOException || e instanceof UncheckedIOException) {
      err.println("healthscore: " + e.getMessage());
      return ExitCodes.FAILURE;
    }
    err.println("healthscore: " + e);
    return ExitCodes.FAILURE;
  }

  static int exitCode(io.grpc.Status.Code code) {
    return switch (code) {
      case UNAVAILABLE, DEADLINE_EXCEEDED -> ExitCodes.UNAVAILABLE;
      case NOT_FOUND -> ExitCodes.NOT_FOUND;
      case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE, ALREADY_EXISTS -> ExitCodes.INVALID;
      case UNAUTHENTICATED, PERMISSION_DENIED -> ExitCodes.DENIED;
      default -> ExitCodes.FAILURE;
    };
  }

  /** The status and description, then each field violation of a BadRequest detail. */
  static String describe(StatusRuntimeException e) {
    StringBuilder s = new StringBuilder(e.getStatus().getCode().name());
    if (e.getStatus().getDescription() != null) {
      s.append(": ").append(e.getStatus().getDescription());
    }
    Status status = StatusProto.fromThrowable(e);
    if (status != null) {
      for (var detail : status.getDetailsList()) {
        if (detail.is(BadRequest.class)) {
          try {
            for (var v : detail.unpack(BadRequest.class).getFieldViolationsList()) {
              s.append(System.lineSeparator()).append("  ").append(v.getField()).append(": ").append(v.getDescription());
            }
          } catch (InvalidProtocolBufferException ignored) {
            // A detail that does not parse adds nothing to the message.
          }
        }
      }
    }
    return s.toString();
  }
}

package io.healthscore.cli.output;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import java.io.PrintWriter;
import java.util.List;

/** Protobuf messages as JSON with the proto field names, the way the services' contracts spell them. */
public final class Json {
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer().preservingProtoFieldNames();
  private static final JsonFormat.Printer LINE = PRINTER.omittingInsignificantWhitespace();

  private Json() {}

  public static String of(MessageOrBuilder m) {
    try {
      return PRINTER.print(m);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String line(MessageOrBuilder m) {
    try {
      return LINE.print(m);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  public static void print(PrintWriter out, MessageOrBuilder m) {
    out.println(of(m));
  }

  /** A JSON array of messages, one per line. */
  public static void printArray(PrintWriter out, List<? extends MessageOrBuilder> items) {
    out.println("[");
    for (int i = 0; i < items.size(); i++) {
      out.print("  " + line(items.get(i)));
      out.println(i < items.size() - 1 ? "," : "");
    }
    out.println("]");
  }
}

package io.healthscore.runtime.testing.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Turns fuzzer input into request bytes of a given message type: mostly well-formed messages built
 * field by field from the descriptor (so the fuzzer reaches the handlers' validation instead of
 * the parser), with extreme numbers, unknown enum values and deep nesting, and sometimes damaged on
 * the wire afterwards (cut short, a byte changed, a string field that is not UTF-8, a field with
 * the wrong wire type).
 */
public final class RequestFuzzer {
  private static final int MAX_DEPTH = 5;
  private static final int MAX_REPEATED = 6;
  private static final int MAX_STRING = 300;

  private RequestFuzzer() {}

  public static byte[] request(Descriptor type, FuzzedDataProvider data) {
    byte[] bytes = message(type, data, 0).toByteArray();
    return data.consumeBoolean() && data.consumeBoolean() ? damage(type, bytes, data) : bytes;
  }

  static DynamicMessage message(Descriptor type, FuzzedDataProvider data, int depth) {
    DynamicMessage.Builder builder = DynamicMessage.newBuilder(type);
    if (depth > MAX_DEPTH) {
      return builder.build();
    }
    for (FieldDescriptor field : type.getFields()) {
      if (data.remainingBytes() == 0 || !data.consumeBoolean()) {
        continue;
      }
      if (field.isRepeated()) {
        int n = data.consumeInt(0, MAX_REPEATED);
        for (int i = 0; i < n; i++) {
          builder.addRepeatedField(field, value(field, data, depth));
        }
      } else {
        builder.setField(field, value(field, data, depth));
      }
    }
    return builder.build();
  }

  private static Object value(FieldDescriptor field, FuzzedDataProvider data, int depth) {
    return switch (field.getJavaType()) {
      case INT -> data.pickValue(List.of(0, 1, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, data.consumeInt()));
      case LONG -> data.pickValue(List.of(0L, 1L, -1L, Long.MAX_VALUE, Long.MIN_VALUE, data.consumeLong()));
      case FLOAT -> data.consumeFloat();
      case DOUBLE -> data.consumeDouble();
      case BOOLEAN -> data.consumeBoolean();
      case STRING -> data.consumeString(data.consumeInt(0, MAX_STRING));
      case BYTE_STRING -> ByteString.copyFrom(data.consumeBytes(MAX_STRING));
      case ENUM -> enumValue(field.getEnumType(), data);
      case MESSAGE -> message(field.getMessageType(), data, depth + 1);
    };
  }

  private static Object enumValue(EnumDescriptor type, FuzzedDataProvider data) {
    if (data.consumeBoolean()) {
      return data.pickValue(type.getValues());
    }
    return type.findValueByNumberCreatingIfUnknown(data.consumeInt(-3, 1000));
  }

  /** One kind of wire damage, chosen by the fuzzer. */
  static byte[] damage(Descriptor type, byte[] bytes, FuzzedDataProvider data) {
    int kind = data.consumeInt(0, 3);
    switch (kind) {
      case 0 -> {
        return bytes.length == 0 ? new byte[] {(byte) 0x0a} : java.util.Arrays.copyOf(bytes, data.consumeInt(0, bytes.length - 1));
      }
      case 1 -> {
        if (bytes.length > 0) {
          bytes[data.consumeInt(0, bytes.length - 1)] = data.consumeByte();
        }
        return bytes;
      }
      case 2 -> {
        return append(bytes, field(type, data), 2, new byte[] {(byte) 0xc3, (byte) 0x28, (byte) 0xff});
      }
      default -> {
        // The field's number with a wire type it does not have: fixed64 eight bytes.
        return append(bytes, field(type, data), 1, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
      }
    }
  }

  private static int field(Descriptor type, FuzzedDataProvider data) {
    List<FieldDescriptor> fields = type.getFields();
    return fields.isEmpty() ? 1 : data.pickValue(fields).getNumber();
  }

  /** {@code bytes} followed by field {@code number} with {@code wireType} and raw content. */
  static byte[] append(byte[] bytes, int number, int wireType, byte[] content) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.write(bytes);
      CodedOutputStream coded = CodedOutputStream.newInstance(out);
      coded.writeUInt32NoTag((number << 3) | wireType);
      if (wireType == 2) {
        coded.writeUInt32NoTag(content.length);
      }
      coded.writeRawBytes(content);
      coded.flush();
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

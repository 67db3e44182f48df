package io.healthscore.runtime.testing.fuzz;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A fixed corpus of hostile requests of one message type, derived from its descriptor: truncated
 * bytes, wrong wire types, invalid UTF-8, huge repeated fields, nesting past the parser's limit,
 * extreme numbers, and every enum value plus unknown ones. Each case is named for the report of a
 * failing assertion.
 */
public final class MalformedRequests {
  /** Elements of a "huge" repeated field: far past every batch limit, still under 16 MiB. */
  static final int HUGE_REPEATED = 20_000;

  private static final int SAMPLE_DEPTH = 3;

  private MalformedRequests() {}

  public record Case(String name, byte[] bytes) {}

  public static List<Case> of(Descriptor type) {
    List<Case> cases = new ArrayList<>();
    DynamicMessage sample = sample(type, 0);
    byte[] bytes = sample.toByteArray();
    cases.add(new Case("sample", bytes));
    cases.add(new Case("empty", new byte[0]));
    for (int cut : cuts(bytes.length)) {
      cases.add(new Case("truncated to " + cut + " bytes", Arrays.copyOf(bytes, cut)));
    }
    for (FieldDescriptor field : type.getFields()) {
      String name = field.getName();
      cases.add(new Case(name + " as fixed64", RequestFuzzer.append(bytes, field.getNumber(), 1, new byte[8])));
      cases.add(new Case(name + " as varint", RequestFuzzer.append(bytes, field.getNumber(), 0, new byte[] {(byte) 0x96, 1})));
      cases.add(new Case(name + " as group start", RequestFuzzer.append(bytes, field.getNumber(), 3, new byte[0])));
      if (field.getType() == FieldDescriptor.Type.STRING) {
        for (byte[] invalid : INVALID_UTF8) {
          cases.add(new Case(name + " invalid UTF-8 " + Arrays.toString(invalid), RequestFuzzer.append(bytes, field.getNumber(), 2, invalid)));
        }
      }
      if (field.isRepeated()) {
        cases.add(new Case(name + " x" + HUGE_REPEATED, huge(sample, field)));
      }
      for (Object extreme : extremes(field)) {
        cases.add(new Case(name + " = " + extreme, with(sample, field, extreme).toByteArray()));
      }
      if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        for (FieldDescriptor inner : field.getMessageType().getFields()) {
          for (Object extreme : extremes(inner)) {
            DynamicMessage nested = with(sample(field.getMessageType(), 1), inner, extreme);
            cases.add(new Case(name + "." + inner.getName() + " = " + extreme, with(sample, field, nested).toByteArray()));
          }
        }
      }
    }
    cases.add(new Case("nested 200 deep", deeplyNested(bytes, firstMessageField(type))));
    return cases;
  }

  private static final List<byte[]> INVALID_UTF8 =
      List.of(
          new byte[] {(byte) 0xc3, 0x28},
          new byte[] {(byte) 0xff, (byte) 0xfe},
          new byte[] {(byte) 0xc0, (byte) 0x80},
          new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80});

  private static int[] cuts(int length) {
    Set<Integer> cuts = new HashSet<>();
    for (int i = 1; i < Math.min(length, 12); i++) {
      cuts.add(i);
    }
    for (int i = 1; i <= 8; i++) {
      cuts.add(Math.max(1, length * i / 9));
    }
    cuts.remove(length);
    return cuts.stream().mapToInt(Integer::intValue).filter(c -> c < length).sorted().toArray();
  }

  /** A message with every field set to a plausible value, nested messages to a few levels. */
  static DynamicMessage sample(Descriptor type, int depth) {
    DynamicMessage.Builder builder = DynamicMessage.newBuilder(type);
    if (depth > SAMPLE_DEPTH) {
      return builder.build();
    }
    for (FieldDescriptor field : type.getFields()) {
      if (field.getRealContainingOneof() != null && field.getIndex() != field.getRealContainingOneof().getField(0).getIndex()) {
        continue;
      }
      Object value = plausible(field, depth);
      if (field.isRepeated()) {
        builder.addRepeatedField(field, value);
      } else {
        builder.setField(field, value);
      }
    }
    return builder.build();
  }

  private static Object plausible(FieldDescriptor field, int depth) {
    return switch (field.getJavaType()) {
      case INT -> 1;
      case LONG -> 1L;
      case FLOAT -> 1f;
      case DOUBLE -> 1d;
      case BOOLEAN -> true;
      case STRING -> "x-1";
      case BYTE_STRING -> ByteString.copyFromUtf8("x");
      case ENUM -> field.getEnumType().getValues().get(Math.min(1, field.getEnumType().getValues().size() - 1));
      case MESSAGE -> sample(field.getMessageType(), depth + 1);
    };
  }

  private static List<Object> extremes(FieldDescriptor field) {
    return switch (field.getJavaType()) {
      case INT -> List.of(Integer.MAX_VALUE, Integer.MIN_VALUE, -1);
      case LONG -> List.of(Long.MAX_VALUE, Long.MIN_VALUE, -1L);
      case FLOAT -> List.of(Float.NaN, Float.POSITIVE_INFINITY, -0f, Float.MAX_VALUE);
      case DOUBLE -> List.of(Double.NaN, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, -0d, Double.MAX_VALUE, Double.MIN_VALUE);
      case STRING -> List.of("", "x".repeat(70_000), "\u0000", "a\nb\tc\u001b[31m", "\ud83d\ude00", "../../etc/passwd", "' OR 1=1 --");
      case ENUM -> enumValues(field);
      default -> List.of();
    };
  }

  private static List<Object> enumValues(FieldDescriptor field) {
    List<Object> values = new ArrayList<>(field.getEnumType().getValues());
    for (int unknown : new int[] {-1, 99, Integer.MAX_VALUE}) {
      EnumValueDescriptor value = field.getEnumType().findValueByNumberCreatingIfUnknown(unknown);
      values.add(value);
    }
    return values;
  }

  private static DynamicMessage with(DynamicMessage message, FieldDescriptor field, Object value) {
    DynamicMessage.Builder builder = message.toBuilder().clearField(field);
    if (field.isRepeated()) {
      builder.addRepeatedField(field, value);
    } else {
      builder.setField(field, value);
    }
    return builder.build();
  }

  private static byte[] huge(DynamicMessage sample, FieldDescriptor field) {
    Object element = field.isMapField() || field.getJavaType() != FieldDescriptor.JavaType.MESSAGE
        ? sample.getRepeatedField(field, 0)
        : sample(field.getMessageType(), SAMPLE_DEPTH);
    DynamicMessage.Builder builder = sample.toBuilder().clearField(field);
    for (int i = 0; i < HUGE_REPEATED; i++) {
      builder.addRepeatedField(field, element);
    }
    return builder.build().toByteArray();
  }

  private static int firstMessageField(Descriptor type) {
    return type.getFields().stream()
        .filter(f -> f.getJavaType() == FieldDescriptor.JavaType.MESSAGE)
        .mapToInt(FieldDescriptor::getNumber)
        .findFirst()
        .orElse(1);
  }

  /** 200 levels of a length-delimited field inside itself: past protobuf's recursion limit of 100. */
  private static byte[] deeplyNested(byte[] inner, int number) {
    byte[] bytes = inner;
    for (int i = 0; i < 200; i++) {
      bytes = RequestFuzzer.append(new byte[0], number, 2, bytes);
    }
    return bytes;
  }
}

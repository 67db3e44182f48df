package io.healthscore.scoring.scorecard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.healthscore.runtime.error.FieldViolation;
import io.healthscore.runtime.error.InvalidArgumentException;
import io.healthscore.v1.Scorecard;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Reads scorecards written in YAML, and writes them back in the same form. The keys are the proto's field names, snake_case or JSON
 * lowerCamelCase; the YAML is checked against the proto's descriptor (so an error names the field
 * path, e.g. {@code components[0].measures[1].wieght: unknown field}), then parsed with protobuf's
 * JSON mapping. Enum values may be written short and in lower case ({@code lower_is_better} for
 * {@code DIRECTION_LOWER_IS_BETTER}); an empty mapping such as {@code percentile:} needs no braces.
 */
public final class ScorecardYaml {
  private static final YAMLMapper YAML = new YAMLMapper();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonFormat.Parser PARSER = JsonFormat.parser();
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer().preservingProtoFieldNames();
  private static final YAMLMapper WRITER =
      YAMLMapper.builder()
          .disable(com.fasterxml.jackson.dataformat.yaml.YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
          .enable(com.fasterxml.jackson.dataformat.yaml.YAMLGenerator.Feature.MINIMIZE_QUOTES)
          .build();

  private ScorecardYaml() {}

  /**
   * Parses one scorecard; structure only, see {@link ScorecardValidator} for the rules.
   *
   * @throws InvalidArgumentException whose violations name the field path and, in the
   *     description and message, {@code sourceName}
   */
  public static Scorecard parse(String yaml, String sourceName) {
    List<FieldViolation> violations = new ArrayList<>();
    Scorecard sc = parseCollecting(yaml, sourceName, violations);
    throwIfAny(violations);
    return sc;
  }

  /**
   * Every {@code *.yaml}/{@code *.yml} file directly under {@code dir/scorecards/}, one scorecard
   * per file, in file-name order; none when that folder does not exist. A scorecard without
   * {@code scorecard_id} takes the file name without extension. Each is validated (without the
   * feature check); all problems of all files are reported together.
   *
   * @throws InvalidArgumentException naming each file and field
   */
  public static List<Scorecard> loadDirectory(Path dir) {
    Path folder = dir.resolve("scorecards");
    if (!Files.isDirectory(folder)) {
      return List.of();
    }
    List<Path> files;
    try (Stream<Path> list = Files.list(folder)) {
      files =
          list.filter(Files::isRegularFile)
              .filter(p -> p.getFileName().toString().endsWith(".yaml") || p.getFileName().toString().endsWith(".yml"))
              .sorted()
              .collect(Collectors.toList());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + folder, e);
    }
    List<FieldViolation> violations = new ArrayList<>();
    List<Scorecard> result = new ArrayList<>();
    Map<String, String> fileOfId = new HashMap<>();
    for (Path file : files) {
      String source = "scorecards/" + file.getFileName();
      String text;
      try {
        text = Files.readString(file);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file, e);
      }
      int before = violations.size();
      Scorecard sc = parseCollecting(text, source, violations);
      if (violations.size() > before) {
        continue;
      }
      if (sc.getScorecardId().isEmpty()) {
        String name = file.getFileName().toString();
        sc = sc.toBuilder().setScorecardId(name.substring(0, name.lastIndexOf('.'))).build();
      }
      for (FieldViolation v : ScorecardValidator.validate(sc, null)) {
        violations.add(new FieldViolation(v.field(), source + ": " + v.description()));
      }
      String other = fileOfId.putIfAbsent(sc.getScorecardId(), source);
      if (other != null) {
        violations.add(new FieldViolation("scorecard_id",
            source + ": scorecard id \"" + sc.getScorecardId() + "\" is also used by " + other));
      }
      result.add(sc);
    }
    throwIfAny(violations);
    return result;
  }

  /**
   * The scorecard as a YAML file that {@link #parse} reads back to the same scorecard: proto field
   * names, fields at their defaults left out, enum values short and in lower case
   * ({@code lower_is_better}), without the output-only version and update time, after the
   * {@code comment} lines (each written as "# line").
   */
  public static String write(Scorecard sc, String comment) {
    Scorecard plain = sc.toBuilder().clearVersion().clearUpdateTime().build();
    try {
      JsonNode json = JSON.readTree(PRINTER.print(plain));
      shortenEnums((ObjectNode) json, Scorecard.getDescriptor());
      StringBuilder out = new StringBuilder();
      for (String line : comment.split("\n", -1)) {
        if (!line.isEmpty()) {
          out.append("# ").append(line).append('\n');
        }
      }
      return out.append(WRITER.writeValueAsString(json)).toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Enum values in place as the part after their prefix, lower case, as people write them. */
  private static void shortenEnums(ObjectNode obj, Descriptor d) {
    Iterator<Map.Entry<String, JsonNode>> fields = obj.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> e = fields.next();
      FieldDescriptor fd = d.findFieldByName(e.getKey());
      if (fd == null) {
        continue;
      }
      if (fd.getJavaType() == FieldDescriptor.JavaType.ENUM && e.getValue().isTextual()) {
        String unspecified = fd.getEnumType().getValues().get(0).getName();
        String prefix = unspecified.substring(0, unspecified.length() - "UNSPECIFIED".length());
        String name = e.getValue().asText();
        e.setValue(TextNode.valueOf(
            (name.startsWith(prefix) ? name.substring(prefix.length()) : name).toLowerCase(Locale.ROOT)));
      } else if (fd.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        if (e.getValue().isObject()) {
          shortenEnums((ObjectNode) e.getValue(), fd.getMessageType());
        } else if (e.getValue().isArray()) {
          for (JsonNode item : e.getValue()) {
            if (item.isObject()) {
              shortenEnums((ObjectNode) item, fd.getMessageType());
            }
          }
        }
      }
    }
  }

  private static void throwIfAny(List<FieldViolation> violations) {
    if (violations.isEmpty()) {
      return;
    }
    String message =
        violations.stream()
            .map(v -> v.field().isEmpty() ? v.description() : v.field() + ": " + v.description())
            .collect(Collectors.joining("; ", "invalid scorecard: ", ""));
    throw new InvalidArgumentException(message, violations);
  }

  private static Scorecard parseCollecting(String yaml, String source, List<FieldViolation> out) {
    JsonNode root;
    try {
      root = YAML.readTree(yaml);
    } catch (JsonProcessingException e) {
      var at = e.getLocation();
      String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
      out.add(new FieldViolation("", source + ": invalid YAML" + where + ": " + e.getOriginalMessage()));
      return null;
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      out.add(new FieldViolation("", source + ": is empty"));
      return null;
    }
    if (!root.isObject()) {
      out.add(new FieldViolation("", source + ": must be a mapping of scorecard fields"));
      return null;
    }
    int before = out.size();
    JsonNode json = normalizeMessage((ObjectNode) root, Scorecard.getDescriptor(), "", source, out);
    if (out.size() > before) {
      return null;
    }
    Scorecard.Builder b = Scorecard.newBuilder();
    try {
      PARSER.merge(JSON.writeValueAsString(json), b);
    } catch (InvalidProtocolBufferException | JsonProcessingException e) {
      out.add(new FieldViolation("", source + ": " + e.getMessage()));
      return null;
    }
    return b.build();
  }

  /** A copy of {@code obj} with enum values spelled out, checked against the message's fields. */
  private static ObjectNode normalizeMessage(
      ObjectNode obj, Descriptor d, String path, String source, List<FieldViolation> out) {
    ObjectNode copy = JsonNodeFactory.instance.objectNode();
    Iterator<Map.Entry<String, JsonNode>> fields = obj.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> e = fields.next();
      FieldDescriptor fd = findField(d, e.getKey());
      if (fd == null) {
        String known = d.getFields().stream().map(FieldDescriptor::getName).collect(Collectors.joining(", "));
        out.add(new FieldViolation(join(path, e.getKey()), source + ": unknown field (known: " + known + ")"));
        continue;
      }
      String at = join(path, fd.getName());
      JsonNode value = e.getValue();
      if (fd.isRepeated()) {
        if (value.isNull()) {
          continue;
        }
        if (!value.isArray()) {
          out.add(new FieldViolation(at, source + ": must be a list"));
          continue;
        }
        ArrayNode items = JsonNodeFactory.instance.arrayNode();
        for (int i = 0; i < value.size(); i++) {
          JsonNode item = normalizeValue(value.get(i), fd, at + "[" + i + "]", source, out);
          if (item != null) {
            items.add(item);
          }
        }
        copy.set(fd.getName(), items);
      } else {
        JsonNode item = normalizeValue(value, fd, at, source, out);
        if (item != null) {
          copy.set(fd.getName(), item);
        }
      }
    }
    return copy;
  }

  private static JsonNode normalizeValue(
      JsonNode value, FieldDescriptor fd, String path, String source, List<FieldViolation> out) {
    switch (fd.getJavaType()) {
      case MESSAGE -> {
        if (fd.getMessageType().getFullName().equals("google.protobuf.Timestamp")) {
          return value;
        }
        if (value.isNull()) {
          return JsonNodeFactory.instance.objectNode();
        }
        if (!value.isObject()) {
          out.add(new FieldViolation(path, source + ": must be a mapping"));
          return null;
        }
        return normalizeMessage((ObjectNode) value, fd.getMessageType(), path, source, out);
      }
      case ENUM -> {
        return normalizeEnum(value, fd.getEnumType(), path, source, out);
      }
      case DOUBLE, FLOAT -> {
        if (!value.isNumber()) {
          out.add(new FieldViolation(path, source + ": must be a number"));
          return null;
        }
        return value;
      }
      case INT, LONG -> {
        if (!value.isNumber() || value.asDouble() != Math.rint(value.asDouble())) {
          out.add(new FieldViolation(path, source + ": must be a whole number"));
          return null;
        }
        return value;
      }
      case BOOLEAN -> {
        if (!value.isBoolean()) {
          out.add(new FieldViolation(path, source + ": must be true or false"));
          return null;
        }
        return value;
      }
      case STRING -> {
        if (value.isContainerNode() || value.isNull()) {
          out.add(new FieldViolation(path, source + ": must be text"));
          return null;
        }
        return TextNode.valueOf(value.asText());
      }
      default -> {
        return value;
      }
    }
  }

  /** Accepts the full value name or the part after the enum's prefix, in any case. */
  private static JsonNode normalizeEnum(
      JsonNode value, EnumDescriptor type, String path, String source, List<FieldViolation> out) {
    if (value.isTextual()) {
      String upper = value.asText().trim().toUpperCase(Locale.ROOT).replace('-', '_');
      String unspecified = type.getValues().get(0).getName();
      String prefix = unspecified.substring(0, unspecified.length() - "UNSPECIFIED".length());
      for (String candidate : List.of(upper, prefix + upper)) {
        EnumValueDescriptor v = type.findValueByName(candidate);
        if (v != null) {
          return TextNode.valueOf(v.getName());
        }
      }
    }
    String choices =
        type.getValues().stream()
            .skip(1)
            .map(v -> v.getName().substring(type.getValues().get(0).getName().length() - "UNSPECIFIED".length())
                .toLowerCase(Locale.ROOT))
            .collect(Collectors.joining(", "));
    out.add(new FieldViolation(path, source + ": unknown value \"" + value.asText() + "\" (one of: " + choices + ")"));
    return null;
  }

  private static FieldDescriptor findField(Descriptor d, String key) {
    FieldDescriptor fd = d.findFieldByName(key);
    if (fd != null) {
      return fd;
    }
    for (FieldDescriptor f : d.getFields()) {
      if (f.getJsonName().equals(key)) {
        return f;
      }
    }
    return null;
  }

  private static String join(String path, String key) {
    return path.isEmpty() ? key : path + "." + key;
  }
}

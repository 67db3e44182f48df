package io.healthscore.runtime.testing.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A fixed corpus of hostile YAML documents derived from one valid document: every scalar and every
 * mapping replaced in turn by values of the wrong type or of extreme size, plus documents that
 * attack the parser itself (alias bombs, deep nesting, truncation, tabs, control characters).
 * Each case is named for the report of a failing assertion.
 */
public final class MalformedDocuments {
  /** Nesting well past any configuration's depth, still under the YAML parser's own limit. */
  static final int DEEP = 900;

  private static final YAMLMapper YAML = new YAMLMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private MalformedDocuments() {}

  public record Case(String name, String text) {}

  /** Hostile variants of {@code validYaml} (a mapping, or a list of mappings). */
  public static List<Case> of(String validYaml) {
    JsonNode root = parse(validYaml);
    List<Case> cases = new ArrayList<>();
    cases.add(new Case("valid", validYaml));
    cases.add(new Case("empty", ""));
    cases.add(new Case("only a comment", "# nothing here\n"));
    cases.add(new Case("a bare scalar", "42\n"));
    cases.add(new Case("a bare list", "- 1\n- 2\n"));
    cases.add(new Case("tab indentation", validYaml.replace("  ", "\t")));
    cases.add(new Case("NUL character", validYaml.replaceFirst(":", ":\u0000")));
    cases.add(new Case("unclosed quote", validYaml + "\nextra: \"never closed\n"));
    cases.add(new Case("duplicate key", validYaml + "\n" + firstKeyLine(validYaml)));
    cases.add(new Case("alias bomb", aliasBomb()));
    cases.add(new Case("deep mapping", "a:\n  " + deepMapping(DEEP)));
    cases.add(new Case("deep flow list", "a: " + "[".repeat(DEEP) + "]".repeat(DEEP) + "\n"));
    cases.add(new Case("custom tag", "!!java.lang.Runtime {}\n"));
    for (int cut : cuts(validYaml.length())) {
      cases.add(new Case("truncated to " + cut + " chars", validYaml.substring(0, cut)));
    }
    List<String> paths = new ArrayList<>();
    collectPaths(root, "", paths);
    for (String path : paths) {
      for (Map.Entry<String, JsonNode> hostile : hostileValues().entrySet()) {
        JsonNode mutated = replaced(root, path, old -> hostile.getValue());
        cases.add(new Case(path + " = " + hostile.getKey(), write(mutated)));
      }
    }
    return cases;
  }

  /** For a fuzz test: one of {@code seeds} with fuzzer-chosen text spliced in at a chosen place. */
  public static String spliced(FuzzedDataProvider data, List<String> seeds) {
    String seed = seeds.get(data.consumeInt(0, seeds.size() - 1));
    int from = data.consumeInt(0, seed.length());
    int to = data.consumeInt(from, seed.length());
    return seed.substring(0, from) + data.consumeRemainingAsString() + seed.substring(to);
  }

  /** The document as bytes with an invalid UTF-8 sequence in place of its first colon. */
  public static byte[] invalidUtf8(String validYaml) {
    byte[] bytes = validYaml.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == ':') {
        bytes[i] = (byte) 0xC3;
        break;
      }
    }
    return bytes;
  }

  private static Map<String, JsonNode> hostileValues() {
    ArrayNode list = NODES.arrayNode().add(1).add("two");
    ObjectNode mapping = NODES.objectNode().put("unexpected", true);
    return Map.ofEntries(
        Map.entry("null", NODES.nullNode()),
        Map.entry("empty string", NODES.textNode("")),
        Map.entry("long string", NODES.textNode("x".repeat(100_000))),
        Map.entry("control characters", NODES.textNode("a\u0000b\u001Fc")),
        Map.entry("-1", NODES.numberNode(-1)),
        Map.entry("huge integer", NODES.numberNode(new java.math.BigInteger("9".repeat(40)))),
        Map.entry("1e308", NODES.numberNode(1e308)),
        Map.entry("NaN", NODES.textNode(".nan")),
        Map.entry("a list", list),
        Map.entry("a mapping", mapping),
        Map.entry("unknown enum", NODES.textNode("NO_SUCH_VALUE")));
  }

  private static void collectPaths(JsonNode node, String path, List<String> out) {
    if (!path.isEmpty()) {
      out.add(path);
    }
    if (node.isObject()) {
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        String key = it.next();
        collectPaths(node.get(key), path.isEmpty() ? key : path + "." + key, out);
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        collectPaths(node.get(i), path + "[" + i + "]", out);
      }
    }
  }

  /** A deep copy of {@code root} with the node at {@code path} replaced. */
  static JsonNode replaced(JsonNode root, String path, UnaryOperator<JsonNode> change) {
    JsonNode copy = root.deepCopy();
    List<String> steps = steps(path);
    JsonNode parent = copy;
    for (int i = 0; i < steps.size() - 1; i++) {
      parent = child(parent, steps.get(i));
    }
    String last = steps.get(steps.size() - 1);
    if (parent instanceof ArrayNode array) {
      int index = Integer.parseInt(last);
      array.set(index, change.apply(array.get(index)));
    } else {
      ObjectNode object = (ObjectNode) parent;
      object.set(last, change.apply(object.get(last)));
    }
    return copy;
  }

  private static List<String> steps(String path) {
    List<String> steps = new ArrayList<>();
    for (String part : path.split("\\.")) {
      int bracket = part.indexOf('[');
      if (bracket < 0) {
        steps.add(part);
        continue;
      }
      if (bracket > 0) {
        steps.add(part.substring(0, bracket));
      }
      for (String index : part.substring(bracket + 1).split("\\[")) {
        steps.add(index.replace("]", ""));
      }
    }
    return steps;
  }

  private static JsonNode child(JsonNode parent, String step) {
    return parent.isArray() ? parent.get(Integer.parseInt(step)) : parent.get(step);
  }

  private static String aliasBomb() {
    StringBuilder yaml = new StringBuilder("a0: &a0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n");
    for (int i = 1; i < 10; i++) {
      yaml.append("a").append(i).append(": &a").append(i).append(" [");
      for (int j = 0; j < 9; j++) {
        yaml.append(j == 0 ? "" : ", ").append("*a").append(i - 1);
      }
      yaml.append("]\n");
    }
    return yaml.toString();
  }

  private static String deepMapping(int depth) {
    StringBuilder yaml = new StringBuilder();
    for (int i = 0; i < depth; i++) {
      yaml.append("{k: ");
    }
    yaml.append("1");
    yaml.append("}".repeat(depth));
    return yaml.append('\n').toString();
  }

  private static String firstKeyLine(String yaml) {
    for (String line : yaml.split("\n")) {
      if (!line.isBlank() && !line.startsWith("#") && !line.startsWith(" ") && line.contains(":")) {
        return line;
      }
    }
    return "key: again";
  }

  private static List<Integer> cuts(int length) {
    List<Integer> cuts = new ArrayList<>();
    for (int step = 1; step <= 8; step++) {
      cuts.add(length * step / 9);
    }
    return cuts;
  }

  private static JsonNode parse(String yaml) {
    try {
      return YAML.readTree(yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String write(JsonNode node) {
    try {
      return YAML.writeValueAsString(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

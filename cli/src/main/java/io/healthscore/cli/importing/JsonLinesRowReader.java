package io.healthscore.cli.importing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * JSON lines: one JSON object per line, keys the proto field names (lowerCamel works too), values
 * strings or numbers; a nested object such as {@code attributes} becomes {@code attributes.<key>}.
 */
final class JsonLinesRowReader extends RowReader {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  JsonLinesRowReader(Lines in) {
    super(in);
  }

  @Override
  public List<String> columns() {
    return List.of();
  }

  @Override
  public Row next() throws IOException {
    String line;
    do {
      line = in.next();
      if (line == null) {
        return null;
      }
      lineNumber++;
    } while (line.isBlank() && in.problem() == null);
    if (in.problem() != null) {
      return Row.malformed(lineNumber, line, in.problem());
    }
    JsonNode node;
    try {
      node = MAPPER.readTree(line);
    } catch (IOException e) {
      return Row.malformed(lineNumber, line, "not a JSON object");
    }
    if (node == null || !node.isObject()) {
      return Row.malformed(lineNumber, line, "not a JSON object");
    }
    Map<String, String> values = new HashMap<>();
    flatten("", node, values);
    return Row.wellFormed(lineNumber, values, line);
  }

  private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = prefix + snakeCase(e.getKey());
      JsonNode v = e.getValue();
      if (v.isObject()) {
        // Attribute keys are the user's own: keep them as written.
        String inner = key + ".";
        for (Iterator<Map.Entry<String, JsonNode>> a = v.fields(); a.hasNext(); ) {
          Map.Entry<String, JsonNode> attr = a.next();
          out.put(inner + attr.getKey(), attr.getValue().isValueNode() ? attr.getValue().asText() : attr.getValue().toString());
        }
      } else if (!v.isNull()) {
        out.put(key, v.isValueNode() ? v.asText() : v.toString());
      }
    }
  }

  /** {@code eventId} → {@code event_id}; snake_case names pass unchanged. */
  static String snakeCase(String key) {
    StringBuilder s = new StringBuilder(key.length() + 4);
    for (char c : key.toCharArray()) {
      if (Character.isUpperCase(c)) {
        s.append('_').append(Character.toLowerCase(c));
      } else {
        s.append(c);
      }
    }
    return s.toString();
  }
}

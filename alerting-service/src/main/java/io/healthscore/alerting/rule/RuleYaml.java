package io.healthscore.alerting.rule;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.healthscore.v1.Rule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads rules written in YAML. A YAML rule is the Rule message in its protobuf JSON mapping
 * (snake_case or lowerCamelCase field names, enum values by name), so the YAML and the gRPC API
 * can never disagree about what a rule is. A file holds one rule, a list of rules, or several
 * YAML documents separated by "---".
 */
public final class RuleYaml {
  private static final ObjectMapper YAML = new YAMLMapper();
  private static final ObjectMapper JSON = new ObjectMapper();

  private RuleYaml() {}

  /** Every rule in {@code <configDir>/rules/*.yaml|*.yml}, files in name order; none when the folder is absent. */
  public static List<Rule> loadDirectory(Path configDir) {
    Path folder = configDir.resolve("rules");
    if (!Files.isDirectory(folder)) {
      return List.of();
    }
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(folder, "*.{yaml,yml}")) {
      stream.forEach(files::add);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + folder, e);
    }
    files.sort(null);
    List<Rule> rules = new ArrayList<>();
    for (Path file : files) {
      try {
        rules.addAll(parse(Files.readString(file)));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file, e);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
      }
    }
    return rules;
  }

  /** The rules in one YAML text; IllegalArgumentException naming the problem when it is not valid. */
  public static List<Rule> parse(String yaml) {
    List<Rule> rules = new ArrayList<>();
    try (var parser = new YAMLFactory().createParser(yaml)) {
      for (JsonNode document : YAML.readValues(parser, JsonNode.class).readAll()) {
        if (document == null || document.isNull() || document.isMissingNode()) {
          continue;
        }
        if (document instanceof ArrayNode list) {
          for (JsonNode item : list) {
            rules.add(toRule(item));
          }
        } else {
          rules.add(toRule(document));
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("not valid YAML: " + e.getMessage(), e);
    }
    return rules;
  }

  private static Rule toRule(JsonNode node) throws IOException {
    Rule.Builder rule = Rule.newBuilder();
    try {
      JsonFormat.parser().merge(JSON.writeValueAsString(node), rule);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("not a valid rule: " + e.getMessage(), e);
    }
    return rule.build();
  }
}

package io.healthscore.alerting.channel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.healthscore.runtime.error.InvalidArgumentException;
import io.healthscore.v1.Channel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Loads channels from {@code <HEALTHSCORE_CONFIG_DIR>/channels/*.yaml} at start. A file holds one
 * channel, or several in a list under {@code channels:}, written in the proto's JSON mapping
 * (channel_id, type: CHANNEL_TYPE_WEBHOOK, url, max_attempts, ...). Instead of writing the webhook
 * key into the file, {@code secret_env: NAME} reads it from the environment variable NAME;
 * {@code keep_secret: true} keeps a stored secret when the file changes the URL (PutChannel's
 * keep_secret).
 *
 * <p>A bad file stops the service at start with the file and the field in the message.
 */
public final class ChannelConfigLoader {
  private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
  private final ChannelStore store;
  private final Function<String, String> environment;

  /** {@code environment}: looks up secret_env variables; returns null or "" when unset. */
  public ChannelConfigLoader(ChannelStore store, Function<String, String> environment) {
    this.store = store;
    this.environment = environment;
  }

  /** Stores every channel of {@code configDir}/channels; returns them as stored. */
  public List<Channel> load(Path configDir) {
    Path folder = configDir.resolve("channels");
    if (!Files.isDirectory(folder)) {
      return List.of();
    }
    List<Path> files;
    try (Stream<Path> listing = Files.list(folder)) {
      files =
          listing
              .filter(p -> p.getFileName().toString().matches(".*\\.ya?ml"))
              .sorted()
              .toList();
    } catch (IOException e) {
      throw new IllegalStateException("cannot list " + folder + ": " + e.getMessage(), e);
    }
    List<Channel> stored = new ArrayList<>();
    for (Path file : files) {
      for (YamlChannel channel : parse(file)) {
        try {
          stored.add(store.put(channel.channel(), channel.keepSecret()));
        } catch (InvalidArgumentException e) {
          throw new IllegalStateException(file + ": " + e.getMessage(), e);
        }
      }
    }
    return stored;
  }

  /** A channel of a file, and whether the file asks to keep a stored secret across a new URL. */
  private record YamlChannel(Channel channel, boolean keepSecret) {}

  private List<YamlChannel> parse(Path file) {
    JsonNode root;
    try {
      root = yaml.readTree(file.toFile());
    } catch (IOException e) {
      throw new IllegalStateException(file + ": not valid YAML: " + e.getMessage(), e);
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      return List.of();
    }
    List<JsonNode> nodes = new ArrayList<>();
    if (root.has("channels")) {
      root.get("channels").forEach(nodes::add);
    } else {
      nodes.add(root);
    }
    List<YamlChannel> channels = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      String where = root.has("channels") ? file + ": channels[" + i + "]" : file.toString();
      channels.add(toChannel(nodes.get(i), where));
    }
    return channels;
  }

  private YamlChannel toChannel(JsonNode node, String where) {
    if (!node.isObject()) {
      throw new IllegalStateException(where + ": expected a channel (a mapping of fields)");
    }
    ObjectNode fields = ((ObjectNode) node).deepCopy();
    JsonNode keep = fields.remove("keep_secret");
    JsonNode secretEnv = fields.remove("secret_env");
    if (secretEnv != null) {
      String value = environment.apply(secretEnv.asText());
      if (value == null || value.isEmpty()) {
        throw new IllegalStateException(
            where + ": secret_env names " + secretEnv.asText() + ", which is not set");
      }
      fields.put("secret", value);
    }
    Channel.Builder builder = Channel.newBuilder();
    try {
      JsonFormat.parser().merge(fields.toString(), builder);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(where + ": " + e.getMessage(), e);
    }
    return new YamlChannel(builder.build(), keep != null && keep.asBoolean());
  }
}

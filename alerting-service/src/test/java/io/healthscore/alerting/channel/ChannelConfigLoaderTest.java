package io.healthscore.alerting.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.db.Database;
import io.healthscore.v1.Channel;
import io.healthscore.v1.ChannelType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChannelConfigLoaderTest {
  @TempDir Path dir;
  private Database db;
  private ChannelStore store;
  private ChannelConfigLoader loader;

  @BeforeEach
  void setUp() throws Exception {
    db = Database.open(ServiceConfig.fromMap("alerting-service", 0, 0, Map.of(ServiceConfig.DATA_DIR, dir.resolve("db").toString())));
    db.migrate("db/alerting-delivery", "alerting-delivery");
    store = new ChannelStore(db, new UrlGuard(List.of("127.0.0.1")));
    loader = new ChannelConfigLoader(store, Map.of("OPS_HOOK_SECRET", "from-env")::get);
    Files.createDirectories(dir.resolve("config/channels"));
  }

  @AfterEach
  void tearDown() {
    db.close();
  }

  @Test
  void loadsOneChannelPerFileOrAList() throws Exception {
    Files.writeString(
        dir.resolve("config/channels/ops.yaml"),
        """
        channel_id: ops
        type: CHANNEL_TYPE_WEBHOOK
        url: http://127.0.0.1:8080/hook
        secret_env: OPS_HOOK_SECRET
        max_attempts: 5
        """);
    Files.writeString(
        dir.resolve("config/channels/more.yml"),
        """
        channels:
          - channel_id: audit
            type: CHANNEL_TYPE_LOG
          - channelId: subscribers
            type: CHANNEL_TYPE_GRPC_STREAM
        """);
    Files.writeString(dir.resolve("config/channels/README.txt"), "not a channel");

    List<Channel> loaded = loader.load(dir.resolve("config"));

    assertEquals(List.of("audit", "subscribers", "ops"), loaded.stream().map(Channel::getChannelId).toList());
    assertEquals("from-env", store.withSecret("ops").orElseThrow().getSecret());
    assertEquals(5, store.get("ops").orElseThrow().getMaxAttempts());
    assertEquals(ChannelType.CHANNEL_TYPE_GRPC_STREAM, store.get("subscribers").orElseThrow().getType());
  }

  @Test
  void aBadFileNamesItselfAndTheField() throws Exception {
    Path file = dir.resolve("config/channels/bad.yaml");
    Files.writeString(file, "channel_id: bad\ntype: CHANNEL_TYPE_WEBHOOK\nurl: http://10.0.0.1/x\n");
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> loader.load(dir.resolve("config")));
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("channel.url"), e.getMessage());

    Files.writeString(file, "channel_id: bad\ntype: CHANNEL_TYPE_WEBHOOK\nurl: http://127.0.0.1/x\nsecret_env: MISSING\n");
    e = assertThrows(IllegalStateException.class, () -> loader.load(dir.resolve("config")));
    assertTrue(e.getMessage().contains("MISSING"), e.getMessage());

    Files.writeString(file, "channel_id: bad\ncolour: blue\n");
    e = assertThrows(IllegalStateException.class, () -> loader.load(dir.resolve("config")));
    assertTrue(e.getMessage().contains("colour"), e.getMessage());
  }

  @Test
  void noChannelsFolderLoadsNothing() {
    assertEquals(List.of(), loader.load(dir.resolve("elsewhere")));
  }
}

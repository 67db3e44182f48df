package io.healthscore.alerting.fuzz;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.healthscore.alerting.channel.ChannelConfigLoader;
import io.healthscore.alerting.channel.ChannelStore;
import io.healthscore.alerting.channel.UrlGuard;
import io.healthscore.alerting.rule.RuleValidator;
import io.healthscore.alerting.rule.RuleYaml;
import io.healthscore.runtime.config.ServiceConfig;
import io.healthscore.runtime.db.Database;
import io.healthscore.runtime.error.Violations;
import io.healthscore.runtime.testing.fuzz.MalformedDocuments;
import io.healthscore.v1.Rule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile variants of the shipped rules and of a channel file: each is loaded, or refused with a
 * message naming the file, never with another exception; a refused channel file stores nothing.
 */
class AlertingConfigMalformedTest {
  private static final Path SHIPPED_RULES = Path.of("..", "config", "rules");
  private static final String WEBHOOK_CHANNEL =
      """
      channel_id: ops
      name: Ops webhook
      type: CHANNEL_TYPE_WEBHOOK
      url: http://127.0.0.1:8080/hook
      secret_env: OPS_HOOK_SECRET
      max_attempts: 5
      """;

  @TempDir Path dir;

  static Stream<Path> shippedRules() throws IOException {
    return Files.list(SHIPPED_RULES).filter(p -> p.toString().endsWith(".yaml")).sorted();
  }

  @ParameterizedTest
  @MethodSource("shippedRules")
  void everyHostileRuleIsLoadedOrRefusedWithAReason(Path file) throws IOException {
    for (MalformedDocuments.Case c : MalformedDocuments.of(Files.readString(file))) {
      checkRules(file.getFileName() + ": " + c.name(), c.text());
    }
  }

  /** What loading {@code rules/} at start does with one file: load it, or refuse it with a reason. */
  static void checkRules(String name, String yaml) {
    RuleValidator validator = new RuleValidator(channel -> true);
    try {
      Violations v = new Violations();
      for (Rule rule : RuleYaml.parse(yaml)) {
        validator.validate(rule, "rules[" + rule.getRuleId() + "]", v);
      }
      v.list().forEach(violation -> assertFalse(violation.description().isBlank(), name));
    } catch (IllegalArgumentException refused) {
      assertFalse(refused.getMessage() == null || refused.getMessage().isBlank(), name + ": refused without a reason");
    } catch (RuntimeException | StackOverflowError e) {
      fail(name + ": " + e, e);
    }
  }

  @Test
  void everyHostileChannelFileIsLoadedOrRefusedNamingTheFile() throws Exception {
    Path config = dir.resolve("config");
    Path file = config.resolve("channels/ops.yaml");
    Files.createDirectories(file.getParent());
    ServiceConfig service =
        ServiceConfig.fromMap("alerting-service", 0, 0, Map.of(ServiceConfig.DATA_DIR, dir.resolve("db").toString()));
    try (Database db = Database.open(service)) {
      db.migrate("db/alerting-delivery", "alerting-delivery");
      ChannelStore store = new ChannelStore(db, new UrlGuard(List.of("127.0.0.1")));
      ChannelConfigLoader loader = new ChannelConfigLoader(store, Map.of("OPS_HOOK_SECRET", "from-env")::get);
      for (MalformedDocuments.Case c : MalformedDocuments.of(WEBHOOK_CHANNEL)) {
        String name = "channel: " + c.name();
        Files.writeString(file, c.text());
        int before = store.list().size();
        try {
          loader.load(config);
        } catch (IllegalStateException refused) {
          assertTrue(refused.getMessage().contains("ops.yaml"), name + ": the refusal does not name the file: " + refused.getMessage());
          assertTrue(store.list().size() == before, name + ": a refused file stored a channel");
        } catch (RuntimeException | StackOverflowError e) {
          fail(name + ": " + e, e);
        }
      }
    }
  }
}

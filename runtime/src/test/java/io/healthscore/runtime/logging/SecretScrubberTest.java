package io.healthscore.runtime.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SecretScrubberTest {
  @Test
  void masksThePasswordOfAJdbcUrlAndKeepsTheRest() {
    String scrubbed =
        SecretScrubber.scrub("cannot connect to jdbc:postgresql://pg:5432/hs?user=scoring&password=s3cr3t-Pw&ssl=true");
    assertEquals("cannot connect to jdbc:postgresql://pg:5432/hs?user=scoring&password=***&ssl=true", scrubbed);
    assertEquals("jdbc:h2:file:/data/x;USER=sa;PASSWORD=***", SecretScrubber.scrub("jdbc:h2:file:/data/x;USER=sa;PASSWORD=h2-secret"));
    assertEquals("postgresql://scoring:***@pg:5432/hs", SecretScrubber.scrub("postgresql://scoring:hunter22@pg:5432/hs"));
  }

  @Test
  void masksBearerTokensSlackWebhookPathsAndNamedSecrets() {
    assertEquals("authorization: Bearer ***", SecretScrubber.scrub("authorization: Bearer abc.DEF-123_xyz"));
    assertEquals(
        "posting to https://hooks.slack.com/*** failed",
        SecretScrubber.scrub("posting to https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXX failed"));
    assertEquals("{\"secret\":\"***\",\"url\":\"x\"}", SecretScrubber.scrub("{\"secret\":\"k3y-material\",\"url\":\"x\"}"));
    assertEquals("token=***", SecretScrubber.scrub("token=t0ken-value"));
    assertEquals(
        "Metadata key=authorization, value=*** contains invalid ASCII characters",
        SecretScrubber.scrub("Metadata key=authorization, value=[66, 101, 97, 10, 115] contains invalid ASCII characters"));
  }

  @Test
  void masksRegisteredSecretsWhateverTheirShape() {
    String secret = "opaque-" + System.nanoTime();
    assertTrue(SecretScrubber.scrub("saw " + secret).contains(secret));
    SecretScrubber.register(secret);
    assertEquals("saw *** twice: ***", SecretScrubber.scrub("saw " + secret + " twice: " + secret));
    SecretScrubber.register("short");
    assertEquals("a short word", SecretScrubber.scrub("a short word"), "values too short to be secrets are not masked");
  }

  @Test
  void leavesOrdinaryTextAlone() {
    String text = "page_token: not a page token this query made; auth tokens loaded from /etc/hs/tokens";
    assertEquals(text, SecretScrubber.scrub(text));
    assertFalse(SecretScrubber.scrub("https://example.com/hook").contains(SecretScrubber.MASK));
  }
}

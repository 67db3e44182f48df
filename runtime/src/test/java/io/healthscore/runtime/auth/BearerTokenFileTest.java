package io.healthscore.runtime.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.runtime.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BearerTokenFileTest {
  @TempDir Path dir;

  @Test
  void rotatedTokenIsPickedUpWithoutReopening() throws Exception {
    Path file = dir.resolve("token");
    Files.writeString(file, "first-token\n");
    BearerTokenFile token = BearerTokenFile.load(file);
    assertEquals("first-token", token.token());

    Files.writeString(file, "second-token-which-is-longer\n");
    Await.until("the rotated token", () -> token.token().equals("second-token-which-is-longer"));
  }

  @Test
  void aTokenFileThatGoesAwayKeepsTheLastToken() throws Exception {
    Path file = dir.resolve("token");
    Files.writeString(file, "kept\n");
    BearerTokenFile token = BearerTokenFile.load(file);
    Files.delete(file);
    Thread.sleep(1100);
    assertEquals("kept", token.token());
  }

  @Test
  void missingOrEmptyFileStopsTheStartNamingIt() throws Exception {
    IllegalArgumentException missing =
        assertThrows(IllegalArgumentException.class, () -> BearerTokenFile.load(dir.resolve("absent")));
    assertTrue(missing.getMessage().contains("absent"), missing.getMessage());
    Files.writeString(dir.resolve("empty"), "\n");
    IllegalArgumentException empty =
        assertThrows(IllegalArgumentException.class, () -> BearerTokenFile.load(dir.resolve("empty")));
    assertTrue(empty.getMessage().contains("empty"), empty.getMessage());
  }
}

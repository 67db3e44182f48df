package io.healthscore.cli.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The DOM of a local HTML file after its scripts ran, from headless Chromium (Debian package chromium). */
final class HeadlessChromium {
  private HeadlessChromium() {}

  static Path binary() {
    for (String candidate : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")) {
      Path p = Path.of(candidate);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  static String dumpDom(Path html, Path scratch) throws IOException, InterruptedException {
    Path profile = Files.createTempDirectory(scratch, "chromium-profile");
    Path out = scratch.resolve("dom.html");
    Path log = scratch.resolve("chromium.log");
    Process p = new ProcessBuilder(
            binary().toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--user-data-dir=" + profile, "--window-size=1200,2400", "--virtual-time-budget=10000", "--dump-dom",
            html.toUri().toString())
        .redirectOutput(out.toFile())
        .redirectError(log.toFile())
        .start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("chromium did not finish: " + Files.readString(log));
    }
    String dom = Files.readString(out, StandardCharsets.UTF_8);
    if (dom.isBlank()) {
      throw new IllegalStateException("chromium printed no DOM (exit " + p.exitValue() + "): " + Files.readString(log));
    }
    return dom;
  }
}

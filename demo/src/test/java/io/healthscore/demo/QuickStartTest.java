package io.healthscore.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's quick start as a user runs it, in its own JVM with {@code --exit} (on free ports and
 * a smaller portfolio, so that it neither clashes with running services nor takes minutes): it ends
 * with code 0 after a summary that has every part the README promises.
 */
class QuickStartTest {
  @TempDir Path dir;

  @Test
  void theDemoPrintsItsSummaryAndExits() throws Exception {
    Path stdout = dir.resolve("out.txt");
    Path stderr = dir.resolve("err.txt");
    ProcessBuilder pb = new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp", System.getProperty("java.class.path"), DemoMain.class.getName(),
            "--exit", "--any-ports", "--accounts", "200")
        .directory(dir.toFile())
        .redirectOutput(stdout.toFile())
        .redirectError(stderr.toFile());
    pb.environment().put("HEALTHSCORE_DATA_DIR", dir.resolve("data").toString());
    Process p = pb.start();
    boolean finished = p.waitFor(15, TimeUnit.MINUTES);
    if (!finished) {
      p.destroyForcibly();
    }
    String out = Files.readString(stdout, StandardCharsets.UTF_8);
    String context = out + "\n--- stderr (end)\n" + tail(Files.readString(stderr, StandardCharsets.UTF_8));
    assertTrue(finished, "the demo did not exit:\n" + context);
    assertEquals(0, p.exitValue(), context);
    for (String part : List.of("== Summary", "accounts per band", "the ten accounts with most MRR at risk", "alerts raised:",
        "every signature valid", "backtest AUC", "NRR forecast, next 90 days:", "bin/healthscore")) {
      assertTrue(out.contains(part), part + " missing:\n" + context);
    }
    // Every live account is in a band, across the three segments.
    Matcher all = Pattern.compile("all +red +(\\d+) +yellow +(\\d+) +green +(\\d+)").matcher(out);
    assertTrue(all.find(), out);
    long live = Long.parseLong(all.group(1)) + Long.parseLong(all.group(2)) + Long.parseLong(all.group(3));
    assertTrue(live > 150 && live <= 200, "live accounts " + live);
    for (String segment : List.of("smb ", "mid-market ", "enterprise ")) {
      assertTrue(out.contains("    " + segment), segment + "\n" + out);
    }
    // The healthy accounts' bad week raised at least one alert, delivered to the webhook.
    Matcher alerts = Pattern.compile("alerts raised: (\\d+)").matcher(out);
    assertTrue(alerts.find() && Integer.parseInt(alerts.group(1)) >= 1, out);
    // The learned model's bands are believable: the generator's live accounts are about 15% red
    // (and its 90-day NRR about 96%), not a third of the portfolio.
    double redShare = Long.parseLong(all.group(1)) / (double) live;
    assertTrue(redShare >= 0.03 && redShare <= 0.35, "red share " + redShare + "\n" + out);
    Matcher nrr = Pattern.compile("NRR forecast, next 90 days: ([0-9.]+)%").matcher(out);
    assertTrue(nrr.find(), out);
    double forecast = Double.parseDouble(nrr.group(1));
    assertTrue(forecast >= 88 && forecast <= 105, "NRR forecast " + forecast + "%\n" + out);
    // Each top at-risk account shows what pulls it down, never missing data.
    int riskStart = out.indexOf("the ten accounts with most MRR at risk");
    String risk = out.substring(riskStart, out.indexOf("alerts raised:"));
    assertTrue(!risk.contains("has no data"), risk);
    List<String> lines = risk.lines().skip(1).filter(l -> !l.isBlank()).toList();
    assertEquals(10, lines.size(), risk);
    // a red or yellow account's first driver pulls it down; a green one may show what holds it up
    Pattern driven = Pattern.compile("at risk +[0-9,]+ {2}([-+])\\d+\\.\\d: \\S");
    for (String line : lines) {
      Matcher m = driven.matcher(line);
      assertTrue(m.find(), "no driver: " + line + "\n" + risk);
      assertTrue(line.contains(" green ") || m.group(1).equals("-"), "first driver does not pull it down: " + line);
    }
  }

  private static String tail(String s) {
    return s.length() > 3000 ? s.substring(s.length() - 3000) : s;
  }
}

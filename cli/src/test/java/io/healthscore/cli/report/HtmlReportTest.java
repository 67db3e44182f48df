package io.healthscore.cli.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HtmlReportTest {
  @TempDir Path dir;

  static ReportData sample() {
    ReportData d = new ReportData();
    d.generatedAt = "2026-12-01T00:00:00Z";
    d.accounts = 300;
    for (int w = 0; w < 4; w++) {
      d.weeks.add("2026-11-" + (10 + w));
      d.red.add(20L + w);
      d.yellow.add(80L);
      d.green.add(200L - w);
    }
    d.distribution.put("smb", new long[] {1, 2, 5, 9, 20, 30, 40, 30, 10, 3});
    d.distribution.put("enterprise", new long[] {0, 1, 2, 4, 8, 16, 20, 25, 15, 9});
    d.modelLabel = "model m-1";
    d.auc = 0.81;
    d.roc = List.of(new double[] {0, 0}, new double[] {0.1, 0.5}, new double[] {0.4, 0.85}, new double[] {1, 1});
    d.calibrationLabels = List.of("1-4", "4-7", "7-10");
    d.calibrationPredicted = List.of(0.4, 0.15, 0.03);
    d.calibrationObserved = List.of(0.45, 0.12, 0.04);
    d.churnRateByBand = new double[] {0.42, 0.13, 0.03};
    d.forecastSegments = List.of("enterprise", "smb");
    d.revenueAtRisk = List.of(12000.0, 3000.0);
    d.churnMrr = List.of(9000.0, 2500.0);
    d.churnMrrP10 = List.of(6000.0, 1800.0);
    d.churnMrrP90 = List.of(13000.0, 3300.0);
    d.forecastMethod = "model m-1";
    d.expectedNrr = 0.97;
    d.nrrP10 = 0.95;
    d.nrrP90 = 0.98;
    d.expectedGrr = 0.93;
    d.rules = List.of("health-turned", "usage-drop");
    d.rulePrecision = java.util.Arrays.asList(0.6, null);
    d.ruleLeadDays = java.util.Arrays.asList(41.0, null);
    d.ruleAlerts = List.of(10L, 0L);
    ReportData.AtRisk a = new ReportData.AtRisk();
    a.accountId = "acme</script><b>";
    a.segment = "smb";
    a.score = 2.5;
    a.band = "red";
    a.mrr = 5000;
    a.mrrAtRisk = 1250;
    a.drivers = List.of("-1.2: failed payments in 90 days at 3 (0/10)");
    d.atRisk = List.of(a);
    return d;
  }

  @Test
  void theReportIsOneFileWithChartJsInlinedAndNothingFetched() {
    String html = HtmlReport.render(sample());
    assertTrue(html.contains("Chart.js v" + System.getProperty("chartjs.version", "")), "chart.js inlined");
    assertFalse(html.matches("(?s).*<script[^>]+src=.*"), "no external script");
    assertFalse(html.contains("https://") && html.matches("(?s).*<link[^>]+href=\"https?:.*"), "no external stylesheet");
    // Data cannot close the script element it sits in.
    assertFalse(html.contains("acme</script>"));
  }

  @Test
  void everyChartDrawsInAHeadlessBrowser() throws Exception {
    boolean ci = System.getenv("CI") != null;
    assumeTrue(ci || HeadlessChromium.binary() != null, "chromium not installed (apt-get install chromium); CI requires it");
    assertNotNull(HeadlessChromium.binary(), "CI needs chromium: .ci/run installs it");
    Path file = dir.resolve("report.html");
    Files.writeString(file, HtmlReport.render(sample()), StandardCharsets.UTF_8);
    String dom = HeadlessChromium.dumpDom(file, dir);
    assertTrue(dom.contains("data-charts-drawn=\"7/7\""), section(dom));
    Matcher m = Pattern.compile("<section[^>]*data-chart=\"(\\w+)\"[^>]*>").matcher(dom);
    int sections = 0;
    while (m.find()) {
      sections++;
      assertTrue(m.group().contains("data-drawn=\"yes\""), m.group());
    }
    assertEquals(7, sections);
    // The at-risk table is filled by the script, its text escaped.
    assertTrue(dom.contains("acme&lt;/script&gt;&lt;b&gt;"), dom.substring(Math.max(0, dom.indexOf("at-risk") - 10), Math.min(dom.length(), dom.indexOf("at-risk") + 800)));
  }

  private static String section(String dom) {
    int i = dom.indexOf("<body");
    return dom.substring(Math.max(0, i), Math.min(dom.length(), i + 3000));
  }
}

package io.healthscore.cli.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The report as one HTML file: the page (resource {@code report/report.html}), its data as JSON and
 * Chart.js inlined, so it opens anywhere without a network. The page's script marks each chart's
 * section with {@code data-drawn="yes"} once the chart has painted pixels on its canvas, and the
 * body with {@code data-charts-drawn="N/M"}; the test reads those from a headless browser.
 */
public final class HtmlReport {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private HtmlReport() {}

  public static String render(ReportData data) {
    String page = template();
    String json;
    try {
      json = MAPPER.writeValueAsString(data).replace("</", "<\\/");
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    return page
        .replace("/*CHART_JS*/", ChartScript.source())
        .replace("/*CHART_JS_VERSION*/", ChartScript.version())
        .replace("/*REPORT_DATA*/", json);
  }

  private static String template() {
    try (InputStream in = HtmlReport.class.getClassLoader().getResourceAsStream("report/report.html")) {
      if (in == null) {
        throw new IllegalStateException("report/report.html is missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

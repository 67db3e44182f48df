package io.healthscore.cli.report;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

/** Chart.js as bundled in its WebJar on the classpath, to inline into the report. */
final class ChartScript {
  private static final String POM = "META-INF/maven/org.webjars.npm/chart.js/pom.properties";

  private ChartScript() {}

  static String version() {
    try (InputStream in = resource(POM)) {
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The UMD build (no module loader needed), with any closing script tag made harmless. */
  static String source() {
    String path = "META-INF/resources/webjars/chart.js/" + version() + "/dist/chart.umd.js";
    try (InputStream in = resource(path)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("</script", "<\\/script");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static InputStream resource(String path) {
    InputStream in = ChartScript.class.getClassLoader().getResourceAsStream(path);
    if (in == null) {
      throw new IllegalStateException("chart.js is missing from the classpath: " + path);
    }
    return in;
  }
}

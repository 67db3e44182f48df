package io.healthscore.scoring.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A scrape of a metrics endpoint, read the way Prometheus reads it. */
public final class MetricsText {
  private MetricsText() {}

  /** GET /metrics on the port. */
  public static String scrape(int metricsPort) {
    try {
      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(),
                  HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode());
      return r.body();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** The value of the first sample of {@code name} whose labels contain every given fragment. */
  public static OptionalDouble sample(String text, String name, String... labels) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)$").matcher(text);
    while (m.find()) {
      String l = m.group(1) == null ? "" : m.group(1);
      boolean all = true;
      for (String label : labels) {
        all &= l.contains(label);
      }
      if (all) {
        return OptionalDouble.of(Double.parseDouble(m.group(2)));
      }
    }
    return OptionalDouble.empty();
  }

  public static double value(String text, String name, String... labels) {
    return sample(text, name, labels)
        .orElseThrow(() -> new AssertionError("no sample " + name + " " + String.join(",", labels)));
  }
}

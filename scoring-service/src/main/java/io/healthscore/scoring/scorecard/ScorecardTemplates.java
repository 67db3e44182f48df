package io.healthscore.scoring.scorecard;

import io.healthscore.v1.Scorecard;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * The scorecard templates shipped as YAML under {@code scorecards/templates/} on the classpath:
 * {@code balanced} (every signal family), {@code dear} (Deployment, Engagement, Adoption, ROI) and
 * {@code frequency-breadth-depth} (product use and the commitment behind it). docs/scorecards.md describes them.
 */
public final class ScorecardTemplates {
  /** Template file names, without extension. */
  public static final List<String> NAMES = List.of("balanced", "dear", "frequency-breadth-depth");

  private ScorecardTemplates() {}

  /** Every template, parsed, in {@link #NAMES} order. */
  public static List<Scorecard> all() {
    return NAMES.stream().map(ScorecardTemplates::load).toList();
  }

  /** The template with this scorecard id, if any. */
  public static Optional<Scorecard> byId(String scorecardId) {
    return all().stream().filter(s -> s.getScorecardId().equals(scorecardId)).findFirst();
  }

  private static Scorecard load(String name) {
    String resource = "scorecards/templates/" + name + ".yaml";
    try (InputStream in = ScorecardTemplates.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("template missing from the classpath: " + resource);
      }
      return ScorecardYaml.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "templates/" + name + ".yaml");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

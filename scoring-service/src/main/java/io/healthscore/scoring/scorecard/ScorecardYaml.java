package io.healthscore.scoring.scorecard;

import io.healthscore.v1.Scorecard;
import java.nio.file.Path;
import java.util.List;

/** Reads scorecards written in YAML whose keys are the proto's JSON (or snake_case) field names. */
public final class ScorecardYaml {
  private ScorecardYaml() {}

  /** Parses one scorecard; errors name {@code sourceName} and the field path. */
  public static Scorecard parse(String yaml, String sourceName) {
    throw new UnsupportedOperationException("not yet");
  }

  /** Every {@code *.yaml}/{@code *.yml} file under {@code dir/scorecards/}, one scorecard per file. */
  public static List<Scorecard> loadDirectory(Path dir) {
    throw new UnsupportedOperationException("not yet");
  }
}

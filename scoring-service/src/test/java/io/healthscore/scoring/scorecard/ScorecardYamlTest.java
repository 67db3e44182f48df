package io.healthscore.scoring.scorecard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.runtime.error.FieldViolation;
import io.healthscore.runtime.error.InvalidArgumentException;
import io.healthscore.v1.Direction;
import io.healthscore.v1.Measure;
import io.healthscore.v1.MissingPolicy;
import io.healthscore.v1.ParentRollup;
import io.healthscore.v1.Scorecard;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScorecardYamlTest {
  private static final String EXAMPLE =
      """
      scorecard_id: smb
      name: SMB
      segments: [smb]
      parent_rollup: worst_child
      bands: {yellowFrom: 4.5, green_from: 7.5}
      components:
        - component_id: usage
          weight: 1
          measures:
            - measure_id: tickets
              feature: support.tickets_opened.count_30d
              direction: lower_is_better
              missingPolicy: MISSING_POLICY_FIXED
              missing_points: 6
              weight: 2
              thresholds:
                below_points: 0
                thresholds: [{at: 5, points: 4}, {at: 1, points: 10}]
            - measure_id: share
              feature: sessions.mobile.sum_30d
              weight: 1
              percentile:
      """;

  @Test
  void parsesSnakeCaseCamelCaseAndShortEnumNames() {
    Scorecard sc = ScorecardYaml.parse(EXAMPLE, "smb.yaml");
    assertEquals("smb", sc.getScorecardId());
    assertEquals(List.of("smb"), sc.getSegmentsList());
    assertEquals(ParentRollup.PARENT_ROLLUP_WORST_CHILD, sc.getParentRollup());
    assertEquals(4.5, sc.getBands().getYellowFrom());
    assertEquals(7.5, sc.getBands().getGreenFrom());
    Measure tickets = sc.getComponents(0).getMeasures(0);
    assertEquals(Direction.DIRECTION_LOWER_IS_BETTER, tickets.getDirection());
    assertEquals(MissingPolicy.MISSING_POLICY_FIXED, tickets.getMissingPolicy());
    assertEquals(2, tickets.getThresholds().getThresholdsCount());
    assertEquals(Measure.MappingCase.PERCENTILE, sc.getComponents(0).getMeasures(1).getMappingCase());
  }

  private static List<FieldViolation> violationsOf(String yaml, String source) {
    return assertThrows(InvalidArgumentException.class, () -> ScorecardYaml.parse(yaml, source)).violations();
  }

  @Test
  void unknownFieldIsNamedWithItsPathAndFile() {
    List<FieldViolation> v = violationsOf(EXAMPLE.replace("missing_points: 6", "missing_pionts: 6"), "scorecards/smb.yaml");
    assertEquals(1, v.size());
    assertEquals("components[0].measures[0].missing_pionts", v.get(0).field());
    assertTrue(v.get(0).description().startsWith("scorecards/smb.yaml: unknown field"), v.get(0).description());
  }

  @Test
  void wrongTypesAndEnumValuesAreNamed() {
    String bad = EXAMPLE.replace("weight: 2", "weight: heavy").replace("lower_is_better", "downwards");
    InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> ScorecardYaml.parse(bad, "x.yaml"));
    List<String> fields = e.violations().stream().map(FieldViolation::field).toList();
    assertEquals(List.of("components[0].measures[0].direction", "components[0].measures[0].weight"), fields);
    assertTrue(e.violations().get(0).description().contains("higher_is_better, lower_is_better"));
    assertTrue(e.getMessage().contains("x.yaml"), e.getMessage());
  }

  @Test
  void yamlSyntaxErrorsGiveFileAndLine() {
    List<FieldViolation> v = violationsOf("scorecard_id: a\ncomponents: [\n", "broken.yaml");
    assertEquals(1, v.size());
    assertTrue(v.get(0).description().startsWith("broken.yaml: invalid YAML at line"), v.get(0).description());
  }

  @Test
  void loadsEveryFileOfTheFolderAndTakesTheFileNameAsDefaultId(@TempDir Path dir) throws Exception {
    Path folder = Files.createDirectories(dir.resolve("scorecards"));
    Files.writeString(folder.resolve("b.yaml"), EXAMPLE);
    Files.writeString(folder.resolve("a-card.yml"), EXAMPLE.replace("scorecard_id: smb\n", ""));
    Files.writeString(folder.resolve("notes.txt"), "not a scorecard");
    List<Scorecard> cards = ScorecardYaml.loadDirectory(dir);
    assertEquals(List.of("a-card", "smb"), cards.stream().map(Scorecard::getScorecardId).toList());
  }

  @Test
  void folderErrorsNameEachFile(@TempDir Path dir) throws Exception {
    Path folder = Files.createDirectories(dir.resolve("scorecards"));
    Files.writeString(folder.resolve("one.yaml"), EXAMPLE.replace("weight: 2", "weight: 0"));
    Files.writeString(folder.resolve("two.yaml"), EXAMPLE.replace("name: SMB", "nmae: SMB"));
    Files.writeString(folder.resolve("three.yaml"), EXAMPLE);
    List<FieldViolation> v =
        assertThrows(InvalidArgumentException.class, () -> ScorecardYaml.loadDirectory(dir)).violations();
    assertEquals(3, v.size(), v.toString());
    assertEquals("components[0].measures[0].weight", v.get(0).field());
    assertTrue(v.get(0).description().startsWith("scorecards/one.yaml: "));
    assertTrue(v.get(1).description().startsWith("scorecards/three.yaml: scorecard id \"smb\" is also used by scorecards/one.yaml"), v.get(1).description());
    assertEquals("nmae", v.get(2).field());
    assertTrue(v.get(2).description().startsWith("scorecards/two.yaml: "));
  }

  @Test
  void noFolderMeansNoScorecards(@TempDir Path dir) {
    assertEquals(List.of(), ScorecardYaml.loadDirectory(dir));
  }
}

package io.healthscore.scoring.scorecard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.healthscore.scoring.engine.CompiledScorecard;
import io.healthscore.scoring.engine.FeatureNames;
import io.healthscore.v1.Component;
import io.healthscore.v1.Measure;
import io.healthscore.v1.MeasureKind;
import io.healthscore.v1.Scorecard;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ScorecardTemplatesTest {
  @Test
  void allTemplatesLoadAndValidateWithWellFormedFeatures() {
    List<Scorecard> all = ScorecardTemplates.all();
    assertEquals(List.of("balanced", "dear", "frequency-breadth-depth"), all.stream().map(Scorecard::getScorecardId).toList());
    for (Scorecard sc : all) {
      assertEquals(List.of(), ScorecardValidator.validate(sc, FeatureNames::isWellFormed), sc.getScorecardId());
      assertTrue(CompiledScorecard.compile(sc).measureCount() >= 8, sc.getScorecardId());
    }
  }

  @Test
  void dearHasItsFourComponentsAndTheCommitmentBehindThem() {
    Scorecard dear = ScorecardTemplates.byId("dear").orElseThrow();
    assertEquals(List.of("deployment", "engagement", "adoption", "roi", "commitment"),
        dear.getComponentsList().stream().map(Component::getComponentId).toList());
  }

  @Test
  void balancedUsesEveryMappingStalenessAndFortyPercentProactiveWeight() {
    Scorecard balanced = ScorecardTemplates.byId("balanced").orElseThrow();
    CompiledScorecard sc = CompiledScorecard.compile(balanced);
    Set<Measure.MappingCase> mappings = EnumSet.noneOf(Measure.MappingCase.class);
    List<Measure> stale = new ArrayList<>();
    double proactive = 0;
    for (int m = 0; m < sc.measureCount(); m++) {
      Measure measure = sc.measure(m);
      mappings.add(measure.getMappingCase());
      if (measure.getStaleAfterDays() > 0) {
        stale.add(measure);
      }
      if (measure.getKind() == MeasureKind.MEASURE_KIND_PROACTIVE) {
        proactive += sc.nominalShare(m);
      }
    }
    assertEquals(EnumSet.complementOf(EnumSet.of(Measure.MappingCase.MAPPING_NOT_SET)), mappings);
    assertTrue(stale.size() >= 5, "CSM inputs go stale");
    assertEquals(0.40, proactive, 0.005, "proactive share " + proactive);
  }
}

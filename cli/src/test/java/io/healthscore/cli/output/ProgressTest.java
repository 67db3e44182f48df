package io.healthscore.cli.output;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressTest {
  private final AtomicLong clock = new AtomicLong();
  private final StringWriter text = new StringWriter();

  @Test
  void countsShowRateAndEtaEveryTwoSecondsOffATerminal() {
    Progress p = new Progress(new PrintWriter(text), "rows", 1000, false, clock::get);
    p.advance(100);
    clock.addAndGet(2_000_000_000L);
    p.advance(100);
    clock.addAndGet(2_000_000_000L);
    p.finish();
    assertEquals(String.join(System.lineSeparator(), "rows 200/1,000, 100/s ETA 8s", "rows 200/1,000, 50/s in 4s", ""), text.toString());
  }

  @Test
  void stepsShowElapsedTimeWhileAStepRuns() {
    Progress p = Progress.steps(new PrintWriter(text), "learn", 2, false, clock::get);
    p.advance(1);
    clock.addAndGet(65_000_000_000L);
    p.tick();
    p.advance(1);
    p.finish();
    assertEquals(String.join(System.lineSeparator(), "learn 1/2, 1m05s elapsed", "learn 2/2, 1m05s", ""), text.toString());
  }
}

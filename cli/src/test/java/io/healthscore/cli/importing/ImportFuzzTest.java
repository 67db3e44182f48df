package io.healthscore.cli.importing;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.healthscore.runtime.testing.fuzz.MalformedDocuments;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;

/**
 * Coverage-guided fuzzing of CSV and JSON-lines import (`-Pfuzz` with `JAZZER_FUZZ=1`, see
 * docs/reliability.md): sample files with fuzzer-chosen text spliced in are read as rows that are
 * mapped or rejected with a reason.
 */
@Tag("fuzz")
class ImportFuzzTest {
  @TempDir static Path dir;

  @FuzzTest(maxDuration = "15s")
  void fuzz(FuzzedDataProvider data) {
    Importer.Kind kind = data.pickValue(Importer.Kind.values());
    boolean csv = data.consumeBoolean();
    String name = csv ? "rows.csv" : "rows.jsonl";
    String text = MalformedDocuments.spliced(data, csv ? MalformedImportRowsTest.CSV_SAMPLES : List.of(MalformedImportRowsTest.SIGNAL_JSON));
    try {
      Path file = Files.writeString(dir.resolve(name), text);
      MalformedImportRowsTest.readAll(kind, file, "fuzzed " + name);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

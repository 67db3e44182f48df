package io.healthscore.cli.importing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile import files: every row is mapped or rejected with a reason, a bad line never ends the
 * import, and the rows around a bad line are read as written.
 */
class MalformedImportRowsTest {
  private static final String SIGNALS_CSV =
      "event_id,account_id,user_id,metric,number,label,occurred_at,source\n"
          + "e1,acme,u1,logins,3,,2026-11-20T10:00:00Z,product\n"
          + "e2,acme,,nps,,promoter,2026-11-21T10:00:00Z,survey\n";
  private static final String ACCOUNTS_CSV =
      "account_id,name,segment,licenses,mrr,contract_start,renewal_date,billing_period,attributes.region\n"
          + "acme,Acme,smb,40,1200.5,2025-01-01T00:00:00Z,2027-01-01T00:00:00Z,annual,emea\n";
  private static final String OUTCOMES_CSV =
      "event_id,account_id,type,occurred_at,mrr_delta\n" + "o1,acme,churned,2026-10-01T00:00:00Z,-1200\n";
  static final List<String> CSV_SAMPLES = List.of(SIGNALS_CSV, ACCOUNTS_CSV, OUTCOMES_CSV);
  static final String SIGNAL_JSON =
      "{\"event_id\":\"e1\",\"account_id\":\"acme\",\"metric\":\"logins\",\"number\":1,\"occurred_at\":\"2026-11-20T10:00:00Z\"}\n";
  private static final List<String> HOSTILE_CELLS =
      List.of("", "x".repeat(100_000), "a\u0000b", "1e400", "NaN", "-1", "9".repeat(40), "\"never closed",
          "\"a,b\"", "\uD83D\uDE00", "2026-13-45T99:00:00Z", "\t", " 3 ");

  @TempDir Path dir;

  @Test
  void everyHostileCellIsMappedOrRejectedNamingItsField() throws IOException {
    for (Map.Entry<Importer.Kind, String> sample :
        Map.of(Importer.Kind.SIGNALS, SIGNALS_CSV, Importer.Kind.ACCOUNTS, ACCOUNTS_CSV, Importer.Kind.OUTCOMES, OUTCOMES_CSV)
            .entrySet()) {
      String[] lines = sample.getValue().split("\n");
      String[] columns = lines[0].split(",");
      String[] cells = lines[1].split(",", -1);
      for (int c = 0; c < columns.length; c++) {
        for (String hostile : HOSTILE_CELLS) {
          String[] row = cells.clone();
          row[c] = hostile;
          String csv = lines[0] + "\n" + String.join(",", row) + "\n" + lines[1] + "\n";
          String name = sample.getKey() + " " + columns[c] + " = " + abbreviate(hostile);
          List<Outcome> outcomes = readAll(sample.getKey(), write("cell.csv", csv.getBytes(StandardCharsets.UTF_8)), name);
          assertFalse(outcomes.isEmpty(), name + ": no rows read");
          Outcome last = outcomes.get(outcomes.size() - 1);
          if (!hostile.startsWith("\"never")) {
            assertNull(last.reason(), name + ": the valid row after the hostile one was rejected: " + last.reason());
          }
        }
      }
    }
  }

  @Test
  void aLineThatIsNotUtf8IsRejectedAndTheImportGoesOn() throws IOException {
    ByteArrayOutputStream file = new ByteArrayOutputStream();
    String[] lines = SIGNALS_CSV.split("\n");
    file.writeBytes((lines[0] + "\n" + lines[1] + "\n").getBytes(StandardCharsets.UTF_8));
    file.writeBytes(new byte[] {'e', '9', ',', (byte) 0xC3, '(', ',', 'u', '\n'});
    file.writeBytes((lines[2] + "\n").getBytes(StandardCharsets.UTF_8));
    List<Outcome> rows = readAll(Importer.Kind.SIGNALS, write("utf8.csv", file.toByteArray()), "invalid UTF-8");
    assertEquals(3, rows.size());
    assertNull(rows.get(0).reason());
    assertEquals("not valid UTF-8", rows.get(1).reason());
    assertEquals(3, rows.get(1).line());
    assertNull(rows.get(2).reason());
  }

  @Test
  void anOverlongLineIsRejectedWithoutReadingItWhole() throws IOException {
    String[] lines = SIGNALS_CSV.split("\n");
    String huge = "e9,acme,u1,logins," + "1".repeat(Lines.MAX_LINE_BYTES + 10) + ",,2026-11-20T10:00:00Z,product";
    String csv = lines[0] + "\n" + huge + "\n" + lines[1] + "\n";
    List<Outcome> rows = readAll(Importer.Kind.SIGNALS, write("long.csv", csv.getBytes(StandardCharsets.UTF_8)), "long line");
    assertEquals(2, rows.size());
    assertTrue(rows.get(0).reason().startsWith("line longer than"), rows.get(0).reason());
    assertNull(rows.get(1).reason());
  }

  @Test
  void anUnclosedQuoteAtTheEndIsRejectedNotStoredAsAField() throws IOException {
    String csv = SIGNALS_CSV + "e3,acme,u1,logins,1,\"open,2026-11-20T10:00:00Z,product\n";
    List<Outcome> rows = readAll(Importer.Kind.SIGNALS, write("quote.csv", csv.getBytes(StandardCharsets.UTF_8)), "quote");
    assertEquals(3, rows.size());
    assertNotNull(rows.get(2).reason());
    assertTrue(rows.get(2).reason().contains("not closed"), rows.get(2).reason());
  }

  @Test
  void jsonLinesOfTheWrongShapeAreRejectedOneByOne() throws IOException {
    String good = SIGNAL_JSON.strip();
    List<String> hostile =
        List.of("[1,2]", "42", "null", "{\"event_id\":", "{\"number\":\"1e400\"}", "{\"number\":[1]}",
"{".repeat(5000), "{\"occurred_at\":12}", "\"text\"");
    StringBuilder file = new StringBuilder();
    for (String h : hostile) {
      file.append(h).append('\n').append(good).append('\n');
    }
    List<Outcome> rows = readAll(Importer.Kind.SIGNALS, write("rows.jsonl", file.toString().getBytes(StandardCharsets.UTF_8)), "jsonl");
    assertEquals(hostile.size() * 2, rows.size());
    for (int i = 0; i < rows.size(); i += 2) {
      assertNotNull(rows.get(i).reason(), "line " + rows.get(i).line() + " was accepted: " + hostile.get(i / 2));
      assertNull(rows.get(i + 1).reason(), "the valid line after " + hostile.get(i / 2) + " was rejected");
    }
  }

  /** A row as the importer sees it before sending: its line and why it is rejected, if it is. */
  record Outcome(long line, String reason) {}

  static List<Outcome> readAll(Importer.Kind kind, Path file, String name) {
    List<Outcome> out = new ArrayList<>();
    try (RowReader reader = RowReader.open(file)) {
      Row row;
      while ((row = reader.next()) != null) {
        if (row.values() == null) {
          assertNotNull(row.malformed(), name + ": a malformed row without a reason");
          out.add(new Outcome(row.line(), row.malformed()));
          continue;
        }
        try {
          switch (kind) {
            case ACCOUNTS -> RowMapping.account(row);
            case SIGNALS -> RowMapping.signal(row);
            case OUTCOMES -> RowMapping.outcome(row);
          }
          out.add(new Outcome(row.line(), null));
        } catch (RowException e) {
          assertFalse(e.field().isEmpty(), name + ": rejected without naming a field: " + e.getMessage());
          out.add(new Outcome(row.line(), e.getMessage()));
        }
      }
    } catch (IOException | RuntimeException | StackOverflowError e) {
      fail(name + ": " + e, e);
    }
    return out;
  }

  private Path write(String name, byte[] bytes) throws IOException {
    return Files.write(dir.resolve(name), bytes);
  }

  private static String abbreviate(String s) {
    return s.length() > 20 ? s.substring(0, 20) + "..." : s;
  }
}

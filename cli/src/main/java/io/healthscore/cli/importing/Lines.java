package io.healthscore.cli.importing;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The lines of a UTF-8 file, decoded one at a time so that a line that is not valid UTF-8, or is
 * absurdly long, becomes a rejected row instead of ending the whole import.
 */
final class Lines implements Closeable {
  /** Longer lines are cut here and rejected: no real row comes near it. */
  static final int MAX_LINE_BYTES = 1 << 20;

  private final InputStream in;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
  private final CharsetDecoder strict =
      StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);
  private String problem;

  Lines(InputStream in) {
    this.in = in;
  }

  /** The next line without its line break, or null at the end; see {@link #problem()}. */
  String next() throws IOException {
    line.reset();
    problem = null;
    int b = in.read();
    if (b < 0) {
      return null;
    }
    boolean cut = false;
    while (b >= 0 && b != '\n') {
      if (line.size() < MAX_LINE_BYTES) {
        line.write(b);
      } else {
        cut = true;
      }
      b = in.read();
    }
    byte[] bytes = line.toByteArray();
    int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
    if (cut) {
      problem = "line longer than " + MAX_LINE_BYTES + " bytes";
    }
    try {
      return strict.decode(ByteBuffer.wrap(bytes, 0, length)).toString();
    } catch (CharacterCodingException e) {
      if (problem == null) {
        problem = "not valid UTF-8";
      }
      return new String(bytes, 0, length, StandardCharsets.UTF_8);
    }
  }

  /** Why the last line read cannot be a row, or null when it is well formed. */
  String problem() {
    return problem;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}

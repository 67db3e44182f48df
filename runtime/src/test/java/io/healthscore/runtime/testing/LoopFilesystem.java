package io.healthscore.runtime.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A small ext4 filesystem of its own, in an image file mounted through a loop device, for tests of
 * what a service does when its disk fills up or turns read-only under it. Writing as root ignores
 * file permissions, so a real filesystem is the only honest way to make writes fail.
 *
 * <ul>
 *   <li>{@link #fill()} writes a filler file until the disk is full ("No space left on device");
 *       {@link #free()} deletes it.
 *   <li>{@link #failReadOnly()} makes the kernel report an ext4 error: mounted with
 *       errors=remount-ro, the filesystem turns read-only at once, as it does when a disk fails
 *       ("Read-only file system"). A plain {@code mount -o remount,ro} is refused while a service
 *       holds files open for writing, so this is how a running service meets a read-only disk.
 *   <li>{@link #repair()} unmounts, runs e2fsck and mounts again: what an operator does after such
 *       an error; call it once the service stopped.
 * </ul>
 *
 * <p>Mounting needs root with CAP_SYS_ADMIN and e2fsprogs. Where it fails a test is skipped
 * ({@link #mountOrSkip}), except in CI (env CI set and not "false") on a machine that has the
 * capability: there the failure fails the test, so the disk-fault tests never go quietly untested.
 */
public final class LoopFilesystem implements AutoCloseable {
  private static final int CAP_SYS_ADMIN = 21;

  private final Path image;
  private final Path root;
  private Path filler;

  private LoopFilesystem(Path image, Path root) {
    this.image = image;
    this.root = root;
  }

  /**
   * Makes an ext4 image of {@code megabytes} under {@code workDir} and mounts it; skips the test
   * where that is impossible (see the class comment).
   */
  public static LoopFilesystem mountOrSkip(Path workDir, int megabytes) {
    try {
      Path image = workDir.resolve("disk.img");
      Path root = Files.createDirectories(workDir.resolve("disk"));
      try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
        file.setLength((long) megabytes << 20);
      }
      // -m 0: no blocks reserved for root, or root's writes would go on past "full".
      run("mkfs.ext4", "-q", "-F", "-m", "0", image.toString());
      LoopFilesystem fs = new LoopFilesystem(image, root);
      fs.mount();
      return fs;
    } catch (IOException | CommandFailed e) {
      String reason = "cannot mount a loop filesystem (" + e.getMessage() + ")";
      if (inCi() && hasSysAdminCapability()) {
        throw new AssertionError(
            reason + "; this process has CAP_SYS_ADMIN, so in CI the disk-fault tests must run:"
                + " install e2fsprogs and allow loop devices",
            e);
      }
      Assumptions.abort(reason + "; needs root with CAP_SYS_ADMIN, loop devices and e2fsprogs");
      throw new AssertionError("unreachable");
    }
  }

  /** The mounted filesystem's top directory. */
  public Path root() {
    return root;
  }

  /** Writes a filler file until the filesystem has no free block left. */
  public void fill() {
    filler = root.resolve("filler-" + System.nanoTime());
    byte[] chunk = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(filler)) {
      for (int size = chunk.length; size >= 512; ) {
        try {
          out.write(chunk, 0, size);
          out.flush();
        } catch (IOException full) {
          size /= 2;
        }
      }
    } catch (IOException closingAFullFile) {
      // Expected: the last buffered bytes may not fit either.
    }
  }

  /** Deletes the filler file: the space is back. */
  public void free() {
    try {
      if (filler != null) {
        Files.deleteIfExists(filler);
        filler = null;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Turns the filesystem read-only at once through an ext4 error (see the class comment). */
  public void failReadOnly() {
    String device = device().getFileName().toString();
    try {
      Files.writeString(Path.of("/sys/fs/ext4", device, "trigger_fs_error"), "disk fault test");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot trigger an ext4 error on " + device, e);
    }
  }

  /**
   * Unmounts, checks and repairs the filesystem with e2fsck and mounts it again. Returns e2fsck's
   * output. Call it after the service stopped: a mounted filesystem cannot be checked.
   */
  public String repair() {
    run("umount", root.toString());
    // Exit codes 0 (clean) and 1 (errors corrected) leave a usable filesystem.
    String report = runAllowing(List.of(0, 1), "e2fsck", "-f", "-y", image.toString());
    mount();
    return report;
  }

  /** Whether the kernel has the filesystem mounted read-only now. */
  public boolean readOnly() {
    String options = run("findmnt", "-n", "-o", "OPTIONS", root.toString()).trim();
    // After an ext4 error newer kernels show "emergency_ro" rather than "ro".
    List<String> flags = List.of(options.split(","));
    return flags.contains("ro") || flags.contains("emergency_ro");
  }

  private Path device() {
    return Path.of(run("findmnt", "-n", "-o", "SOURCE", root.toString()).trim());
  }

  private void mount() {
    run("mount", "-o", "loop,errors=remount-ro", image.toString(), root.toString());
  }

  /** Unmounts (lazily if a process that was not stopped still holds files) and removes the image. */
  @Override
  public void close() {
    try {
      run("umount", root.toString());
    } catch (CommandFailed busyOrNotMounted) {
      runAllowing(List.of(0, 32), "umount", "-l", root.toString());
    }
    try {
      Files.deleteIfExists(image);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean inCi() {
    String ci = System.getenv("CI");
    return ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false");
  }

  private static boolean hasSysAdminCapability() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("CapEff:")) {
          long caps = Long.parseUnsignedLong(line.substring("CapEff:".length()).trim(), 16);
          return (caps & (1L << CAP_SYS_ADMIN)) != 0;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return false;
    }
    return false;
  }

  private static String run(String... command) {
    return runAllowing(List.of(0), command);
  }

  private static String runAllowing(List<Integer> okExitCodes, String... command) {
    List<String> argv = new ArrayList<>(List.of(command));
    try {
      Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(2, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new CommandFailed(String.join(" ", argv) + " did not finish");
      }
      if (!okExitCodes.contains(p.exitValue())) {
        throw new CommandFailed(String.join(" ", argv) + " exited with " + p.exitValue() + ": " + out.trim());
      }
      return out;
    } catch (IOException e) {
      throw new CommandFailed(String.join(" ", argv) + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CommandFailed(String.join(" ", argv) + " interrupted");
    }
  }

  private static final class CommandFailed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CommandFailed(String message) {
      super(message);
    }
  }
}

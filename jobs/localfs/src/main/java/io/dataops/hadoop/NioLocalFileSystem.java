package io.dataops.hadoop;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.io.nativeio.NativeIO;

/**
 * Hadoop's local file system ({@code file://}), checksummed as usual, whose permissions are set
 * in-process through java.nio.
 *
 * <p>Why: without Hadoop's native library (PySpark ships none), {@link RawLocalFileSystem} sets the
 * permission of every file and folder it creates by starting a {@code chmod} process. A Spark write
 * partitioned by day creates three per partition (folder, file, .crc): the sample's 366-day model
 * started 1,105 processes and spent about 10 of its 12 seconds on them (issue 11). With the native
 * library present, Hadoop's own path is kept.
 */
public class NioLocalFileSystem extends LocalFileSystem {
  public NioLocalFileSystem() {
    super(new NioRawLocalFileSystem());
  }

  /** The raw (unchecksummed) local file system underneath, with the in-process chmod. */
  public static class NioRawLocalFileSystem extends RawLocalFileSystem {
    @Override
    public void setPermission(Path path, FsPermission permission) throws IOException {
      // sticky bit and the like have no java.nio equivalent: Hadoop's own way then
      if (NativeIO.isAvailable() || permission.getStickyBit() || (permission.toShort() & ~0777) != 0) {
        super.setPermission(path, permission);
        return;
      }
      Files.setPosixFilePermissions(pathToFile(path).toPath(), posix(permission.toShort()));
    }

    private static Set<PosixFilePermission> posix(short mode) {
      Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
      // PosixFilePermission lists OWNER_READ … OTHERS_EXECUTE, i.e. bits 0400 down to 0001
      PosixFilePermission[] order = PosixFilePermission.values();
      for (int bit = 0; bit < 9; bit++) {
        if ((mode & (0400 >> bit)) != 0) set.add(order[bit]);
      }
      return set;
    }
  }
}

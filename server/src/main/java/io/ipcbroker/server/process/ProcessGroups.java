package io.ipcbroker.server.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * Which process groups have members, read from {@code /proc}: after a child that leads a group
 * exited, its descendants may live on in the group, and the broker must still reach them (a
 * daemon's, at shutdown). A group's number cannot be given to a new process while any member lives,
 * so a live group whose leader was the broker's child holds only that child's descendants, as long
 * as no process has the leader's pid again.
 */
final class ProcessGroups {
  private static final Path PROC = Path.of("/proc");

  private ProcessGroups() {}

  /** The ids of the process groups that have at least one member; empty without {@code /proc}. */
  static Set<Long> live() {
    Set<Long> groups = new HashSet<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(PROC, ProcessGroups::isPid)) {
      for (Path dir : dirs) {
        long pgid = pgid(dir.resolve("stat"));
        if (pgid > 0) {
          groups.add(pgid);
        }
      }
    } catch (IOException | RuntimeException e) {
      // No /proc (not Linux) or a racing exit: what was read is what we know.
    }
    return groups;
  }

  /**
   * Whether the group that {@code leaderPid} led may still have members of the broker's: the group
   * lives, and either the leader itself still runs or no process has its pid.
   */
  static boolean mayHaveMembers(long leaderPid, boolean leaderRunning, Set<Long> live) {
    if (!live.contains(leaderPid)) {
      return false;
    }
    return leaderRunning || ProcessHandle.of(leaderPid).isEmpty();
  }

  private static boolean isPid(Path p) {
    String name = p.getFileName().toString();
    return !name.isEmpty() && name.chars().allMatch(Character::isDigit);
  }

  // /proc/PID/stat: "pid (comm) state ppid pgrp ..."; comm may hold spaces and parentheses.
  private static long pgid(Path stat) {
    try {
      String s = Files.readString(stat, StandardCharsets.ISO_8859_1);
      String[] rest = s.substring(s.lastIndexOf(')') + 2).split(" ", 4);
      return Long.parseLong(rest[2]);
    } catch (IOException | RuntimeException e) {
      return -1; // exited while we looked
    }
  }
}

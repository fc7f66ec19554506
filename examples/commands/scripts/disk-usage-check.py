#!/usr/bin/env python3
"""Report file systems used above a threshold, in space or in inodes.

Exits 1 when any is, so the run shows as Failed; prints one line per mount either way.
"""
import os
import sys

THRESHOLD_TEXT = "{{threshold}}"
MOUNTS = "{{mounts}}".split()
WHERE = "{{ACS::InstanceId}} ({{ACS::InstanceName}}, {{ACS::RegionId}})"


def percent(used, total):
    return 0.0 if total == 0 else used * 100.0 / total


def main():
    try:
        threshold = float(THRESHOLD_TEXT)
    except ValueError:
        print("threshold must be a number, got %r" % THRESHOLD_TEXT, file=sys.stderr)
        return 2
    if not MOUNTS:
        print("no mount points given", file=sys.stderr)
        return 2

    full = []
    for mount in MOUNTS:
        if not os.path.ismount(mount):
            print("%-20s skipped: not a mount point" % mount)
            continue
        st = os.statvfs(mount)
        space = percent((st.f_blocks - st.f_bfree) * st.f_frsize, st.f_blocks * st.f_frsize)
        inodes = percent(st.f_files - st.f_ffree, st.f_files)
        over = space > threshold or inodes > threshold
        print("%-20s space %5.1f%%  inodes %5.1f%%%s"
              % (mount, space, inodes, "  OVER %g%%" % threshold if over else ""))
        if over:
            full.append(mount)

    if full:
        print("%s: above %g%%: %s" % (WHERE, threshold, " ".join(full)), file=sys.stderr)
        return 1
    print("%s: all file systems below %g%%" % (WHERE, threshold))
    return 0


if __name__ == "__main__":
    sys.exit(main())

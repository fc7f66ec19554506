#!/bin/bash
# Grow the partition holding / to the end of its disk, then the file system on it.
# Safe to run again: when there is nothing to grow it says so and exits 0.
set -euo pipefail

source_dev="$(findmnt -n -o SOURCE /)"
fstype="$(findmnt -n -o FSTYPE /)"
name="$(basename "$source_dev")"

if [ ! -e "/sys/class/block/$name/partition" ]; then
  echo "/ is on $source_dev, which is not a disk partition (LVM or a whole disk?): grow it by hand" >&2
  exit 1
fi
part_number="$(cat "/sys/class/block/$name/partition")"
disk="/dev/$(lsblk -n -o PKNAME "$source_dev" | head -n 1)"

if ! command -v growpart >/dev/null 2>&1; then
  echo "growpart is not installed (package cloud-utils-growpart or cloud-guest-utils)" >&2
  exit 1
fi

# growpart exits 1 with NOCHANGE when the partition already fills the disk.
if output="$(growpart "$disk" "$part_number" 2>&1)"; then
  echo "$output"
elif [[ "$output" == *NOCHANGE* ]]; then
  echo "partition $part_number already fills $disk"
else
  echo "$output" >&2
  exit 1
fi

case "$fstype" in
  ext2 | ext3 | ext4) resize2fs "$source_dev" ;;
  xfs) xfs_growfs / ;;
  *)
    echo "cannot grow a $fstype file system" >&2
    exit 1
    ;;
esac
df -h /

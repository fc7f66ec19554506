#!/bin/bash
# Archive {{file}} to {{backup_dir}}/my-backup-YYYYMMDD.tgz.
# The product page's one-liner, made safe to repeat:
#   tar -cf /backup/my-backup-$(date +%Y%m%d).tgz {{file}}
# One archive per day: a second run on the same day replaces that day's archive, and
# the archive appears only once it is complete.
set -euo pipefail

src='{{file}}'
dest_dir='{{backup_dir}}'
case "$dest_dir" in
  /*) ;;
  *)
    echo "backup_dir must be an absolute path, got '$dest_dir'" >&2
    exit 2
    ;;
esac
archive="$dest_dir/my-backup-$(date +%Y%m%d).tgz"

if [ ! -e "$src" ]; then
  echo "nothing to back up: $src does not exist" >&2
  exit 1
fi

# Fails with the reason (e.g. a read-only file system) when the directory cannot be made.
mkdir -p "$dest_dir"
chmod 700 "$dest_dir"
tmp="$(mktemp "$dest_dir/.my-backup.XXXXXX")"
trap 'rm -f "$tmp"' EXIT

# Members are stored relative to / (app/data/...), so the archive restores with
# `tar -xzf ARCHIVE -C /` whatever the working directory was.
abs="$(realpath -- "$src")"
tar -czf "$tmp" -C / -- "${abs#/}"
mv -f "$tmp" "$archive"
trap - EXIT

echo "archived $src to $archive ($(du -h "$archive" | cut -f1))"

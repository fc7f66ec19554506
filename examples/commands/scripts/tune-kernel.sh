#!/bin/bash
# Write the fleet's sysctl settings to one drop-in file and apply them. Run at every
# boot; the file is rewritten only when its content changes.
set -euo pipefail

somaxconn='{{somaxconn}}'
swappiness='{{swappiness}}'
conf=/etc/sysctl.d/90-assistctl-tuning.conf

for value in "$somaxconn" "$swappiness"; do
  case "$value" in
    '' | *[!0-9]*)
      echo "not a whole number: '$value'" >&2
      exit 2
      ;;
  esac
done
if [ "$swappiness" -gt 100 ]; then
  echo "swappiness must be 0-100, got $swappiness" >&2
  exit 2
fi

# In a container or sandbox the kernel's settings are read-only: say so, change nothing.
if [ ! -w /proc/sys/vm/swappiness ]; then
  echo "cannot apply kernel settings here: /proc/sys is read-only (a container or sandbox?)" >&2
  exit 1
fi

tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
cat >"$tmp" <<CONF
# Managed by assistctl (command tune-kernel, task {{ACS::InvokeId}}).
# Edits here are overwritten at the next boot: change the manifest instead.
net.core.somaxconn = $somaxconn
vm.swappiness = $swappiness
CONF

if cmp -s "$tmp" "$conf"; then
  echo "$conf is up to date"
else
  install -m 0644 "$tmp" "$conf"
  echo "wrote $conf"
fi
sysctl -p "$conf"

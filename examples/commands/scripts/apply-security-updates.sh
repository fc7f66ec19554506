#!/bin/bash
# Install pending security updates with the distribution's package manager. Exit 194
# asks the Cloud Assistant agent to reboot the instance after the task; it is used only
# when reboot=true and an installed update needs a reboot. Safe to run again: with
# nothing pending, nothing is installed.
set -euo pipefail

reboot='{{reboot}}'
case "$reboot" in
  true | false) ;;
  *)
    echo "reboot must be true or false, got '$reboot'" >&2
    exit 2
    ;;
esac

if command -v dnf >/dev/null 2>&1; then
  dnf -y upgrade --security
elif command -v yum >/dev/null 2>&1; then
  yum -y update --security
elif command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  if command -v unattended-upgrade >/dev/null 2>&1; then
    unattended-upgrade -v          # installs from the security origins only
  else
    apt-get -y -q -o Dpkg::Options::=--force-confold upgrade
  fi
else
  echo "no supported package manager (dnf, yum, apt-get)" >&2
  exit 1
fi

reboot_needed() {
  if [ -f /var/run/reboot-required ]; then
    return 0
  fi
  if command -v needs-restarting >/dev/null 2>&1; then
    # needs-restarting -r exits 1 when a reboot is needed, 0 when not.
    local rc=0
    needs-restarting -r >/dev/null 2>&1 || rc=$?
    [ "$rc" -eq 1 ]
    return
  fi
  return 1
}

if reboot_needed; then
  if [ "$reboot" = true ]; then
    echo "an update needs a reboot: rebooting after this task"
    exit 194
  fi
  echo "an update needs a reboot; reboot=false, so reboot this instance yourself"
else
  echo "security updates installed; no reboot needed"
fi

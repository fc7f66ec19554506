#!/bin/bash
# Check that this MySQL replica's IO and SQL threads run and that its lag is under
# max_lag_seconds. Exit 1 (run Failed) when not. Read-only.
set -euo pipefail

max_lag='{{max_lag_seconds}}'
case "$max_lag" in
  '' | *[!0-9]*)
    echo "max_lag_seconds must be a whole number, got '$max_lag'" >&2
    exit 2
    ;;
esac

if ! command -v mysql >/dev/null 2>&1; then
  echo "the mysql client is not installed on this instance" >&2
  exit 1
fi

# The password reaches mysql through a private option file, never its command line
# (where ps would show it). mktemp creates the file readable by this user only.
options="$(mktemp)"
trap 'rm -f "$options"' EXIT
cat >"$options" <<'CNF'
[client]
host="{{db_host}}"
user="{{db_user}}"
password="{{db_password}}"
CNF

query() {
  mysql --defaults-extra-file="$options" --batch --connect-timeout=10 -e "$1"
}

# MySQL 8.0.22 renamed SLAVE to REPLICA; try the new statement first.
status="$(query 'SHOW REPLICA STATUS\G' 2>/dev/null || query 'SHOW SLAVE STATUS\G')"
if [ -z "$status" ]; then
  echo "{{db_host}} is not a replica (SHOW REPLICA STATUS is empty)" >&2
  exit 1
fi

field() {
  awk -F': ' -v re="^ *($1): " '$0 ~ re && $2 != "" { print $2; exit }' <<<"$status"
}
io="$(field 'Replica_IO_Running|Slave_IO_Running')"
sql="$(field 'Replica_SQL_Running|Slave_SQL_Running')"
lag="$(field 'Seconds_Behind_Source|Seconds_Behind_Master')"

echo "io=$io sql=$sql lag=${lag}s (limit ${max_lag}s)"
if [ "$io" != Yes ] || [ "$sql" != Yes ]; then
  echo "replication is not running: $(field 'Last_IO_Error|Last_SQL_Error')" >&2
  exit 1
fi
if [ -z "$lag" ] || [ "$lag" = NULL ] || [ "$lag" -gt "$max_lag" ]; then
  echo "replica is ${lag}s behind, more than ${max_lag}s" >&2
  exit 1
fi

#!/usr/bin/env bash
# A streaming read replica of the local PostgreSQL cluster, for development and CI (docs/operations.md).
#
#   scripts/pg_replica.sh start    # create it if absent (pg_basebackup -R), start it on 127.0.0.1:5433
#   scripts/pg_replica.sh status   # running? in recovery? replay lag?
#   scripts/pg_replica.sh stop     # stop it (the data directory stays; `start` resumes streaming)
#   scripts/pg_replica.sh destroy  # stop it and delete its data directory
#
# Environment: PRIMARY_HOST/PRIMARY_PORT (127.0.0.1:5432), REPLICA_PORT (5433),
# REPLICA_DIR (/var/tmp/sheyin-pg-replica), PG_BINDIR (the server's bin directory, found from the primary).
# Needs on the primary: wal_level replica or logical, max_wal_senders > 0 (PostgreSQL's defaults), and a
# pg_hba.conf line allowing replication connections from 127.0.0.1. When that line is missing the script
# says so, adds it once (idempotent) and reloads the primary; it never changes a setting that needs a restart.
set -euo pipefail

PRIMARY_HOST="${PRIMARY_HOST:-127.0.0.1}"
PRIMARY_PORT="${PRIMARY_PORT:-5432}"
REPLICA_PORT="${REPLICA_PORT:-5433}"
REPLICA_DIR="${REPLICA_DIR:-/var/tmp/sheyin-pg-replica}"
PGUSER_NAME="${PGUSER_NAME:-postgres}"
DATA="$REPLICA_DIR/data"
LOG="$REPLICA_DIR/replica.log"
HBA_MARK="# sheyin read replica (scripts/pg_replica.sh)"

psql_primary() { psql -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U "$PGUSER_NAME" -XAtq -d postgres "$@"; }
psql_replica() { psql -h 127.0.0.1 -p "$REPLICA_PORT" -U "$PGUSER_NAME" -XAtq -d postgres "$@"; }

# Run as the database owner when we are root (the server refuses to run as root).
as_owner() {
  if [ "$(id -u)" = "0" ]; then runuser -u "$PGUSER_NAME" -- "$@"; else "$@"; fi
}

bindir() {
  if [ -n "${PG_BINDIR:-}" ]; then echo "$PG_BINDIR"; return; fi
  local major
  major="$(psql_primary -c 'show server_version_num' | cut -c1-2)"
  if [ -x "/usr/lib/postgresql/$major/bin/pg_ctl" ]; then echo "/usr/lib/postgresql/$major/bin"; return; fi
  dirname "$(command -v pg_ctl)"
}

check_primary() {
  pg_isready -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -q || { echo "primary not reachable at $PRIMARY_HOST:$PRIMARY_PORT" >&2; exit 1; }
  local wal senders
  wal="$(psql_primary -c 'show wal_level')"
  senders="$(psql_primary -c 'show max_wal_senders')"
  if [ "$wal" = "minimal" ] || [ "$senders" = "0" ]; then
    echo "the primary has wal_level=$wal, max_wal_senders=$senders: set wal_level=replica and" >&2
    echo "max_wal_senders>=2 in postgresql.conf and restart it (not done here: a restart stops every client)" >&2
    exit 1
  fi
  local hba
  hba="$(psql_primary -c 'show hba_file')"
  # Replication connections match only lines whose database column says "replication".
  if ! psql_primary -c "select 1 from pg_hba_file_rules where 'replication' = any(database)
                        and type in ('host','hostssl','hostnossl') and address in ('127.0.0.1','0.0.0.0','::1')
                        and error is null limit 1" | grep -q 1; then
    if grep -qF "$HBA_MARK" "$hba" 2>/dev/null; then
      echo "pg_hba.conf has our replication line but the primary has not loaded it: reloading"
    else
      echo "the primary refuses replication connections from 127.0.0.1: adding to $hba"
      echo "  host replication $PGUSER_NAME 127.0.0.1/32 trust"
      printf '\n%s\nhost replication %s 127.0.0.1/32 trust\n' "$HBA_MARK" "$PGUSER_NAME" >>"$hba"
    fi
    psql_primary -c 'select pg_reload_conf()' >/dev/null
    sleep 1
  fi
}

create() {
  check_primary
  echo "base backup of $PRIMARY_HOST:$PRIMARY_PORT into $DATA"
  mkdir -p "$REPLICA_DIR"
  [ "$(id -u)" = "0" ] && chown "$PGUSER_NAME" "$REPLICA_DIR"
  as_owner pg_basebackup -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U "$PGUSER_NAME" -D "$DATA" \
    -R -X stream -c fast --no-password
  # Debian keeps postgresql.conf outside the data directory: the replica gets its own, minimal one. A hot
  # standby needs these at least as high as the primary's, so they are copied.
  local same
  same="$(psql_primary -c "select name || ' = ' || setting from pg_settings where name in ('max_connections',
    'max_worker_processes', 'max_wal_senders', 'max_prepared_transactions', 'max_locks_per_transaction')")"
  as_owner tee "$DATA/postgresql.conf" >/dev/null <<EOF
port = $REPLICA_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$REPLICA_DIR'
hot_standby = on
hot_standby_feedback = on
shared_buffers = 64MB
wal_level = replica
logging_collector = off
$same
EOF
  as_owner tee "$DATA/pg_hba.conf" >/dev/null <<EOF
local all all trust
host all all 127.0.0.1/32 trust
EOF
  as_owner touch "$DATA/pg_ident.conf"
}

running() { pg_isready -h 127.0.0.1 -p "$REPLICA_PORT" -q 2>/dev/null; }

# Asked of the replica itself: the primary may be streaming to another replica as well.
streaming() {
  [ "$(psql_replica -c "select count(*) from pg_stat_wal_receiver where status = 'streaming'" 2>/dev/null)" = "1" ]
}

start_server() {
  [ -f "$DATA/standby.signal" ] || create
  [ -f "$LOG" ] && mv -f "$LOG" "$LOG.previous"
  as_owner "$(bindir)/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start >/dev/null
  for _ in $(seq 1 30); do running && break; sleep 1; done
  running || { echo "replica did not start; see $LOG" >&2; exit 1; }
}

wait_streaming() {
  for _ in $(seq 1 "$1"); do streaming && return 0; sleep 1; done
  return 1
}

cmd_start() {
  if running; then echo "replica already running on 127.0.0.1:$REPLICA_PORT"; else start_server; fi
  # A replica that was stopped while the primary recycled the WAL it still needs can never catch up (no
  # replication slot keeps WAL for it, so a stopped replica never fills the primary's disk): rebuild it.
  if ! wait_streaming 30; then
    echo "the replica is not streaming (WAL it needs may be gone from the primary): rebuilding it" >&2
    tail -n 3 "$LOG" >&2 || true
    cmd_stop
    rm -rf "$DATA"
    start_server
    wait_streaming 60 || { echo "replica is not streaming; see $LOG" >&2; exit 1; }
  fi
  echo "replica running on 127.0.0.1:$REPLICA_PORT (data $DATA, log $LOG)"
  cmd_status
}

cmd_stop() {
  if [ ! -f "$DATA/postmaster.pid" ]; then echo "replica not running"; return; fi
  as_owner "$(bindir)/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
  echo "replica stopped"
}

cmd_status() {
  if ! running; then echo "replica: not running (127.0.0.1:$REPLICA_PORT)"; return 3; fi
  psql_replica -F ' ' -c "select 'replica: in recovery=' || pg_is_in_recovery(),
    'replay lag=' || coalesce(round(extract(epoch from now() - pg_last_xact_replay_timestamp()))::text, 'n/a') || 's'"
  psql_primary -F ' ' -c "select 'primary sends to: ' || client_addr || ' state=' || state
    from pg_stat_replication" || true
}

case "${1:-status}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  destroy) cmd_stop || true; rm -rf "$REPLICA_DIR"; echo "removed $REPLICA_DIR" ;;
  *) echo "usage: $0 start|stop|status|destroy" >&2; exit 2 ;;
esac

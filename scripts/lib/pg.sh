# shellcheck shell=bash
# scripts/lib/pg.sh — private PostgreSQL 15 clusters for Delta's scripts.
#
# Source it (works under `set -euo pipefail`):
#
#   source "$ROOT/scripts/lib/pg.sh"
#   pg_start STATE_DIR PORT       initdb STATE_DIR/pgdata if absent, start it on
#                                 127.0.0.1:PORT (unix socket in STATE_DIR/pgsock,
#                                 log in STATE_DIR/postgres.log); wait until ready.
#                                 A cluster that is already running is left alone.
#   pg_stop STATE_DIR             pg_ctl stop -m fast; harmless when not running.
#   pg_create_db PORT NAME        CREATE DATABASE NAME unless it exists.
#   pg_url PORT NAME              echo postgresql://postgres@127.0.0.1:PORT/NAME
#   pg_psql PORT NAME [ARGS...]   psql -X -q -v ON_ERROR_STOP=1 into that database.
#
#   extras:
#   pg_state_dir STATE_DIR        echo the directory actually holding pgdata/
#                                 (STATE_DIR itself, or its /var/tmp fallback).
#   pg_destroy STATE_DIR          pg_stop, then delete STATE_DIR and its fallback.
#   pg_port_free PORT             status 0 if nothing listens on 127.0.0.1:PORT.
#   pg_free_port FIRST LAST       echo the first free port in [FIRST, LAST].
#
# Database superuser is `postgres`, auth is `trust`, TCP is 127.0.0.1 only.
# Durability settings (fsync, synchronous_commit, full_page_writes) are the
# PostgreSQL defaults. Nothing is ever killed by name: only pg_ctl, which uses
# the postmaster.pid of the given data directory.
#
# When run as root, the server runs as the `postgres` OS user (PostgreSQL refuses
# to run as root). STATE_DIR is created and chowned to postgres; if postgres
# cannot reach it (e.g. a checkout under /root, mode 700) the cluster lives in
# /var/tmp/delta-<hash of STATE_DIR>/ instead, and a note saying so is left in
# STATE_DIR/PGDATA_LOCATION. As a non-root user everything runs as that user.
#
# Environment knobs: PG_BIN (default /usr/lib/postgresql/15/bin; never rely on
# PATH: /usr/local/bin may hold different pg_ctl/initdb/postgres binaries),
# PG_START_TIMEOUT (seconds, default 60).

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_START_TIMEOUT="${PG_START_TIMEOUT:-60}"

_pg_log() { printf '[%s] postgres: %s\n' "$(basename -- "${0:-pg.sh}")" "$*" >&2; }
_pg_err() { printf '[%s] postgres: ERROR: %s\n' "$(basename -- "${0:-pg.sh}")" "$*" >&2; }

# Run a command as the OS user owning the cluster.
_pg_as() {
    if (( EUID == 0 )); then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

_pg_abs() { realpath -m -- "$1"; }

_pg_fallback_dir() {
    local hash
    hash="$(printf '%s' "$(_pg_abs "$1")" | sha256sum | cut -c1-12)"
    printf '/var/tmp/delta-%s\n' "$hash"
}

# Can the cluster owner create/enter DIR (all ancestors traversable)?
_pg_owner_can_use() {
    local dir="$1"
    if (( EUID == 0 )); then
        runuser -u postgres -- test -d "$dir" -a -w "$dir" -a -x "$dir" 2>/dev/null
    else
        test -d "$dir" -a -w "$dir" -a -x "$dir"
    fi
}

# Where an existing cluster for STATE_DIR lives (no side effects); falls back to
# the decision rule "STATE_DIR unless the owner cannot reach it".
pg_state_dir() {
    local state fb
    state="$(_pg_abs "${1:?usage: pg_state_dir STATE_DIR}")"
    fb="$(_pg_fallback_dir "$state")"
    if [[ -f "$state/pgdata/PG_VERSION" ]]; then
        printf '%s\n' "$state"
    elif [[ -f "$fb/pgdata/PG_VERSION" ]]; then
        printf '%s\n' "$fb"
    elif [[ -d "$state" ]] && ! _pg_owner_can_use "$state"; then
        printf '%s\n' "$fb"
    else
        printf '%s\n' "$state"
    fi
}

# Create STATE_DIR for the cluster owner; echo the directory to use.
_pg_prepare_state_dir() {
    local state="$1" fb
    fb="$(_pg_fallback_dir "$state")"
    if [[ -f "$fb/pgdata/PG_VERSION" && ! -f "$state/pgdata/PG_VERSION" ]]; then
        _pg_log "using the cluster in $fb (fallback for $state)"
        printf '%s\n' "$fb"
        return 0
    fi
    mkdir -p -- "$state" || { _pg_err "cannot create $state"; return 1; }
    if (( EUID == 0 )); then
        chown postgres:postgres -- "$state" || { _pg_err "cannot chown $state to postgres"; return 1; }
        chmod 755 -- "$state"
    fi
    if _pg_owner_can_use "$state"; then
        printf '%s\n' "$state"
        return 0
    fi
    _pg_log "the 'postgres' OS user cannot reach $state (a parent directory is not traversable, e.g. /root is mode 700)"
    _pg_log "falling back to $fb for the cluster (data, socket, log); see $state/PGDATA_LOCATION"
    install -d -m 755 -- "$fb" || { _pg_err "cannot create $fb"; return 1; }
    if (( EUID == 0 )); then chown postgres:postgres -- "$fb"; fi
    printf 'The PostgreSQL cluster for this directory lives in %s\n(the postgres OS user cannot reach %s).\n' \
        "$fb" "$state" >"$state/PGDATA_LOCATION" 2>/dev/null || true
    printf '%s\n' "$fb"
}

_pg_running() {
    local pgdata="$1"
    [[ -f "$pgdata/PG_VERSION" ]] || return 1
    _pg_as "$PG_BIN/pg_ctl" -D "$pgdata" status >/dev/null 2>&1
}

_pg_conf_quote() { printf "'%s'" "${1//\'/\'\'}"; }

# pg_port_free PORT -> 0 if nothing accepts TCP connections on 127.0.0.1:PORT
pg_port_free() {
    local port="${1:?usage: pg_port_free PORT}"
    ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
}

# pg_free_port FIRST LAST -> echo the first free port
pg_free_port() {
    local first="${1:?usage: pg_free_port FIRST LAST}" last="${2:?usage: pg_free_port FIRST LAST}" p
    for (( p = first; p <= last; p++ )); do
        if pg_port_free "$p"; then printf '%s\n' "$p"; return 0; fi
    done
    _pg_err "no free TCP port in $first..$last"
    return 1
}

# pg_start STATE_DIR PORT
pg_start() {
    local state port dir pgdata sock logf pid_port n
    state="$(_pg_abs "${1:?usage: pg_start STATE_DIR PORT}")"
    port="${2:?usage: pg_start STATE_DIR PORT}"
    if ! [[ "$port" =~ ^[0-9]+$ ]] || (( port < 1 || port > 65535 )); then
        _pg_err "invalid port '$port'"; return 1
    fi
    [[ -x "$PG_BIN/initdb" && -x "$PG_BIN/pg_ctl" ]] \
        || { _pg_err "PostgreSQL 15 binaries not found in $PG_BIN (run scripts/setup)"; return 1; }
    if (( EUID == 0 )) && ! id postgres >/dev/null 2>&1; then
        _pg_err "OS user 'postgres' does not exist (run scripts/setup)"; return 1
    fi

    dir="$(_pg_prepare_state_dir "$state")" || return 1
    pgdata="$dir/pgdata"
    sock="$dir/pgsock"
    logf="$dir/postgres.log"

    if _pg_running "$pgdata"; then
        pid_port="$(sed -n 4p "$pgdata/postmaster.pid" 2>/dev/null || true)"
        if [[ -n "$pid_port" && "$pid_port" != "$port" ]]; then
            _pg_err "cluster $pgdata is already running on port $pid_port, not $port; stop it first (pg_stop $state)"
            return 1
        fi
        _pg_log "already running on 127.0.0.1:$port (pid $(sed -n 1p "$pgdata/postmaster.pid"), data $pgdata)"
    else
        if [[ ! -f "$pgdata/PG_VERSION" ]]; then
            _pg_log "initdb $pgdata"
            rm -rf -- "$pgdata"
            install -d -m 700 -- "$pgdata"
            if (( EUID == 0 )); then chown postgres:postgres -- "$pgdata"; fi
            # Byte-order (C) collation: fast, deterministic ORDER BY; Unicode-aware
            # ctype (lower()/upper()/ILIKE) when C.UTF-8 exists (glibc >= 2.35 has it built in).
            local ctype=C
            if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then ctype=C.UTF-8; fi
            if ! _pg_as "$PG_BIN/initdb" -D "$pgdata" -U postgres -A trust -E UTF8 \
                    --locale=C --lc-ctype="$ctype" >"$dir/initdb.log" 2>&1; then
                cat "$dir/initdb.log" >&2
                _pg_err "initdb failed"
                rm -rf -- "$pgdata"
                return 1
            fi
            # Our settings live in delta.conf, rewritten on every start (port, socket dir).
            printf "\n# --- Delta (scripts/lib/pg.sh) ---\ninclude_if_exists = 'delta.conf'\n" >>"$pgdata/postgresql.conf"
        fi
        # unix socket paths are limited to ~107 bytes; keep the socket short if needed.
        if (( ${#sock} + 20 > 100 )); then
            sock="$(_pg_fallback_dir "$state")-sock"
            _pg_log "state path too long for a unix socket; socket dir is $sock"
        fi
        install -d -m 755 -- "$sock"
        touch -- "$logf"
        if (( EUID == 0 )); then chown postgres:postgres -- "$sock" "$logf"; fi
        {
            printf '# Written by scripts/lib/pg.sh on every pg_start; edits are overwritten.\n'
            printf "listen_addresses = '127.0.0.1'\n"
            printf 'port = %s\n' "$port"
            printf 'unix_socket_directories = %s\n' "$(_pg_conf_quote "$sock")"
            printf 'max_connections = 200\n'
            printf 'shared_buffers = 256MB\n'
            printf "log_min_messages = warning\n"
            printf "log_line_prefix = '%%m [%%p] %%q%%u@%%d '\n"
        } >"$pgdata/delta.conf"
        if (( EUID == 0 )); then chown postgres:postgres -- "$pgdata/delta.conf"; fi

        if ! pg_port_free "$port"; then
            _pg_err "something already listens on 127.0.0.1:$port"
            return 1
        fi
        _pg_log "starting on 127.0.0.1:$port (data $pgdata, log $logf)"
        if ! _pg_as "$PG_BIN/pg_ctl" -D "$pgdata" -l "$logf" -w -t "$PG_START_TIMEOUT" start >/dev/null 2>&1; then
            tail -n 30 -- "$logf" >&2 || true
            _pg_err "failed to start (log: $logf)"
            return 1
        fi
    fi

    # Bounded wait until it accepts connections over TCP.
    n=$(( PG_START_TIMEOUT * 10 ))
    until "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -t 1; do
        if (( n-- <= 0 )); then
            tail -n 30 -- "$logf" >&2 || true
            _pg_err "not accepting connections on 127.0.0.1:$port after ${PG_START_TIMEOUT}s (log: $logf)"
            return 1
        fi
        sleep 0.1
    done
    _pg_log "ready on 127.0.0.1:$port"
}

# pg_stop STATE_DIR
pg_stop() {
    local state dir pgdata
    state="$(_pg_abs "${1:?usage: pg_stop STATE_DIR}")"
    dir="$(pg_state_dir "$state")"
    pgdata="$dir/pgdata"
    if _pg_running "$pgdata"; then
        _pg_log "stopping (pid $(sed -n 1p "$pgdata/postmaster.pid" 2>/dev/null), data $pgdata)"
        # pg_ctl signals exactly the postmaster named in $pgdata/postmaster.pid
        if ! _pg_as "$PG_BIN/pg_ctl" -D "$pgdata" -m fast -w -t 60 stop >/dev/null 2>&1; then
            _pg_err "pg_ctl stop failed for $pgdata"
            return 1
        fi
    fi
    return 0
}

# pg_destroy STATE_DIR — stop the cluster and delete STATE_DIR (and its fallback).
pg_destroy() {
    local state dir fb
    state="$(_pg_abs "${1:?usage: pg_destroy STATE_DIR}")"
    dir="$(pg_state_dir "$state")"
    fb="$(_pg_fallback_dir "$state")"
    pg_stop "$state" || true
    case "$state" in
        /|/root|/home|/tmp|/var/tmp|/usr|/etc|/var) _pg_err "refusing to delete $state"; return 1 ;;
    esac
    rm -rf -- "$state"
    [[ "$dir" == "$fb" ]] && rm -rf -- "$fb"
    rm -rf -- "$fb-sock"
    return 0
}

# pg_url PORT NAME
pg_url() {
    printf 'postgresql://postgres@127.0.0.1:%s/%s\n' "${1:?usage: pg_url PORT NAME}" "${2:?usage: pg_url PORT NAME}"
}

# pg_psql PORT NAME [psql args...]
pg_psql() {
    local port="${1:?usage: pg_psql PORT NAME [ARGS...]}" db="${2:?usage: pg_psql PORT NAME [ARGS...]}"
    shift 2
    PGCONNECT_TIMEOUT="${PGCONNECT_TIMEOUT:-10}" \
        "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d "$db" "$@"
}

_pg_db_exists() {
    [[ "$(pg_psql "$1" postgres -tA -v "dbname=$2" <<<"SELECT 1 FROM pg_database WHERE datname = :'dbname';")" == 1 ]]
}

# pg_create_db PORT NAME
pg_create_db() {
    local port="${1:?usage: pg_create_db PORT NAME}" name="${2:?usage: pg_create_db PORT NAME}"
    if _pg_db_exists "$port" "$name"; then
        return 0
    fi
    _pg_log "creating database $name on 127.0.0.1:$port"
    # %I quotes the name; a concurrent creator may win the race, which is fine.
    if ! pg_psql "$port" postgres -v "dbname=$name" <<<"SELECT format('CREATE DATABASE %I', :'dbname') \gexec" \
        && ! _pg_db_exists "$port" "$name"; then
        _pg_err "could not create database $name on port $port"
        return 1
    fi
}

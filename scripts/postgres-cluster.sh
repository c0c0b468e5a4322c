#!/usr/bin/env bash
# A private PostgreSQL cluster for tests and benchmarks, owned by the postgres user.
#
#   scripts/postgres-cluster.sh start DIR PORT   initdb DIR if empty, start it on 127.0.0.1:PORT,
#                                                create the database "loyalty"; prints its URL
#   scripts/postgres-cluster.sh stop DIR [PORT]  stop the cluster in DIR (fast shutdown)
#
# The server package is installed only when initdb cannot be found. As root, the cluster
# runs as the postgres user (initdb refuses root); as another user, as that user.
# The URL uses trust authentication on the loopback address: for tests only.
set -euo pipefail

usage() {
    echo "usage: $0 start|stop DIR [PORT]" >&2
    exit 2
}

[ $# -ge 2 ] || usage
action=$1
dir=$2
port=${3:-55432}

find_bin() {
    local name=$1 found
    found=$(command -v "$name" 2>/dev/null || true)
    if [ -z "$found" ]; then
        found=$(ls -d /usr/lib/postgresql/*/bin/"$name" 2>/dev/null | sort -V | tail -n 1 || true)
    fi
    echo "$found"
}

as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        # initdb and the server refuse to run as root.
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

case "$action" in
start)
    initdb=$(find_bin initdb)
    if [ -z "$initdb" ]; then
        echo "installing the PostgreSQL server package" >&2
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
        initdb=$(find_bin initdb)
    fi
    bindir=$(dirname "$(readlink -f "$initdb")")
    mkdir -p "$dir"
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres: "$dir"
    fi
    chmod 700 "$dir"
    if [ ! -f "$dir/PG_VERSION" ]; then
        as_owner "$bindir/initdb" -D "$dir" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir.initdb.log" 2>&1 ||
            { cat "$dir.initdb.log" >&2; exit 1; }
    fi
    # Sockets in the cluster's own folder: no need for /var/run/postgresql.
    if ! as_owner "$bindir/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
        as_owner "$bindir/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 30 \
            -o "-p $port -k $dir -c listen_addresses=127.0.0.1" start >&2
    fi
    if ! as_owner "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = 'loyalty'" | grep -q 1; then
        as_owner "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres loyalty
    fi
    echo "postgresql://postgres@127.0.0.1:$port/loyalty"
    ;;
stop)
    pg_ctl=$(find_bin pg_ctl)
    [ -n "$pg_ctl" ] || { echo "pg_ctl not found" >&2; exit 1; }
    if [ -f "$dir/postmaster.pid" ]; then
        as_owner "$pg_ctl" -D "$dir" -m fast -w stop >&2
    else
        echo "no cluster running in $dir" >&2
    fi
    ;;
*)
    usage
    ;;
esac

#!/bin/sh
# System packages the test suite needs beyond PyPI: the PostgreSQL server binaries
# (initdb, pg_ctl) for the records tests, which start a throwaway server on loopback.
# Idempotent: does nothing when they are present. Installs them with apt-get when run as
# root on Debian/Ubuntu; otherwise says what to install (the tests then fail saying so too).
set -eu

have_postgres() {
    command -v initdb >/dev/null 2>&1 && return 0
    for dir in /usr/lib/postgresql/*/bin; do
        [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && return 0
    done
    return 1
}

# Chromium for the web pages' browser tests (Playwright drives it; nothing downloads one).
if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "Installing Chromium (headless browser for the web page tests)..."
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
        echo "warning: chromium not found; the browser tests need it:" >&2
        echo "sudo apt-get install -y chromium (or your platform's equivalent)." >&2
    fi
fi

if have_postgres; then
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing PostgreSQL (server binaries for the records tests)..."
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    have_postgres && exit 0
    echo "apt-get installed postgresql but initdb is still missing" >&2
    exit 1
fi
echo "warning: PostgreSQL server binaries (initdb, pg_ctl) not found; the records tests" >&2
echo "need them: sudo apt-get install -y postgresql (or your platform's equivalent)." >&2

#!/usr/bin/env bash
# Makes sure PostgreSQL answers on 127.0.0.1:5432 and lets the user postgres
# in without a password, as on the project's machines (shared/TOOLCHAIN.md):
# starts the server when it is stopped, installs Debian's when it is missing.
# Exits non-zero, having said why, when it cannot.
set -uo pipefail
url=postgres://postgres@127.0.0.1:5432/postgres

answers() { pg_isready -q -h 127.0.0.1 -p 5432 -t 3 >/dev/null 2>&1; }
# The newest installed version's cluster, as TOOLCHAIN.md starts it.
version() { ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1; }

install_postgres() {
  echo "PostgreSQL is not installed: installing Debian's"
  apt-get update -o DPkg::Lock::Timeout=600 -qq &&
    apt-get install -y -qq -o DPkg::Lock::Timeout=600 postgresql >/dev/null ||
    { echo "could not install postgresql"; return 1; }
  local v
  v=$(version)
  [ -n "$v" ] || { echo "postgresql is installed but /etc/postgresql holds no cluster"; return 1; }
  # A CI machine is throwaway: trust connections over loopback, as the project's machines do.
  sed -i '1i host all all 127.0.0.1/32 trust' "/etc/postgresql/$v/main/pg_hba.conf" || return 1
  # The package may have started the cluster already, with the old rules.
  if answers; then pg_ctlcluster --skip-systemctl-redirect "$v" main reload; fi
}

if ! answers; then
  if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ -z "$(version)" ]; then install_postgres || exit 1; fi
fi
if ! answers; then
  echo "PostgreSQL does not answer on 127.0.0.1:5432: starting cluster $(version)/main"
  pg_ctlcluster --skip-systemctl-redirect "$(version)" main start ||
    { echo "pg_ctlcluster could not start cluster $(version)/main"; exit 1; }
  for _ in $(seq 30); do answers && break; sleep 1; done
  answers || { echo "PostgreSQL still does not answer on 127.0.0.1:5432"; exit 1; }
fi
if ! out=$(psql "$url" -tAc 'select 1' 2>&1); then
  echo "PostgreSQL answers on 127.0.0.1:5432 but refuses $url: $out"
  exit 1
fi

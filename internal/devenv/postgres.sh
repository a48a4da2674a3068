#!/usr/bin/env bash
# Makes Postgres reachable for Muster: uses DATABASE_URL's server if it
# answers; otherwise, for a local address, starts the Debian cluster,
# installing Debian's postgresql package first if it is missing.
set -euo pipefail

url="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/muster?sslmode=disable}"
hostport=$(printf '%s' "$url" | sed -E 's#^[a-z]+://([^@/]*@)?([^/?]*).*#\2#')
host=${hostport%:*}
port=${hostport##*:}
[ "$host" = "$hostport" ] && port=5432
[ -z "$host" ] && host=127.0.0.1

answers() { (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; }

if answers; then
  exit 0
fi

case "$host" in
  127.0.0.1|localhost|::1|\[::1\]) ;;
  *) echo "Postgres at $host:$port does not answer (DATABASE_URL); start it or point DATABASE_URL elsewhere" >&2; exit 1 ;;
esac

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root to $*: run as root or install sudo" >&2; exit 1; fi
}

installed_here=0
if [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
  echo "Postgres is not installed: installing Debian's postgresql package" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  installed_here=1
fi
version=$(ls /etc/postgresql | sort -V | tail -1)

if [ "$installed_here" -eq 1 ]; then
  # A development cluster we just made: let local TCP connections in
  # without a password, as DATABASE_URL's default expects.
  hba="/etc/postgresql/$version/main/pg_hba.conf"
  if ! grep -q '# muster-dev' "$hba"; then
    as_root sed -i '1i host all all 127.0.0.1/32 trust # muster-dev\nhost all all ::1/128 trust # muster-dev' "$hba"
  fi
fi

echo "starting the local Postgres $version cluster" >&2
as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
for _ in $(seq 1 60); do
  if answers; then exit 0; fi
  sleep 0.5
done
echo "Postgres did not start on $host:$port: see /var/log/postgresql/postgresql-$version-main.log" >&2
exit 1

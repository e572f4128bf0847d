#!/usr/bin/env bash
# Installs with apt-get what test.sh and bench.sh need and the machine lacks: a PostgreSQL server, Redis and an emoji
# font always, plus each "command:package" given (e.g. chromium:chromium, taskset:util-linux).
set -euo pipefail
missing=()
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
# Reactions and tombstones are emoji: without a colour emoji font Chromium draws them as empty boxes in screenshots.
ls /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf >/dev/null 2>&1 || missing+=(fonts-noto-color-emoji)
for pair in "$@"; do command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}"); done
[ ${#missing[@]} -eq 0 ] && exit 0
printf '\n== installing %s\n' "${missing[*]}" >&2
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
# The Debian packages start a cluster, a Redis (and Caddy) as services; the tests and the bench run their own.
$SUDO service postgresql stop >/dev/null 2>&1 || true
$SUDO service redis-server stop >/dev/null 2>&1 || true
$SUDO service caddy stop >/dev/null 2>&1 || true

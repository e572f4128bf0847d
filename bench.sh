#!/usr/bin/env bash
# The one benchmark command. Quick profile (under two minutes): ./bench.sh   Everything: ./bench.sh --full
# Idle-socket memory only (the relay as in a whole run, then the app's idle sockets; about a minute): ./bench.sh --idle-only
# Group fan-out only (groups of 10, 100 and 1,000 members, the relay then the app on PostgreSQL + Redis): ./bench.sh --groups
# Sync of 1,000 missed events (messages, edits, reactions) against one of 1,000 plain messages, on each storage: ./bench.sh --sync
# Media (issue 28: a 2 MB photo uploaded and sent, preview throughput, a 1 MB file to a member vs static): ./bench.sh --media
# Message search only (1,000,000 messages of one user's conversations, p99 and index size, PostgreSQL then SQLite): ./bench.sh --search
# Starts a throwaway PostgreSQL and Redis on free loopback ports, builds Release, and runs Chat.Bench,
# which starts the relay and the app itself. The server side (app or relay, PostgreSQL, Redis) is pinned
# to one core and the load generator to another, so neither steals the other's CPU.
# Prints a markdown table; writes bench-results/bench-<profile>-<time>.json and .md.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

profile_args=()
mode=run
for arg in "$@"; do
  case "$arg" in
    --full) profile_args+=(--full) ;;
    --search) mode=search ;;
    *) profile_args+=("$arg") ;;  # passed through: --storage sqlite, --rate 800, ...
  esac
done

step() { printf '\n== %s\n' "$*" >&2; }

bash .ci/install-missing.sh taskset:util-linux

# Two different cores when there are two; on a single core both share it (and the figures say so).
cpus=$(nproc --all)
server_cpus=0
generator_cpus=$(( cpus > 1 ? 1 : 0 ))

if [ -f package.json ] && [ ! -d node_modules ]; then
  step "front-end assets (the app's build expects them)"
  npm ci --no-audit --no-fund --loglevel=error
  npm run --silent build
fi

step "build (Release)"
dotnet build Chat.Web/Chat.Web.csproj -c Release -warnaserror --nologo -v quiet
dotnet build Chat.Bench/Chat.Bench.csproj -c Release -warnaserror --nologo -v quiet

work=$(mktemp -d /tmp/chat-bench.XXXXXX)
chmod 755 "$work"
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
pg_port=""; redis_port=""
as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  [ -n "$pg_port" ] && as_postgres "$pg_bin/pg_ctl" -D "$work/pg/data" -m immediate stop >/dev/null 2>&1 || true
  [ -n "$redis_port" ] && redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

step "PostgreSQL and Redis on CPU $server_cpus"
mkdir -p "$work/pg"
[ "$(id -u)" -eq 0 ] && chown postgres "$work/pg"
as_postgres "$pg_bin/initdb" -D "$work/pg/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
pg_port=$(free_port)
# fsync on by default: the app acknowledges only committed messages, and a benchmark should pay what that
# costs. BENCH_PG_FSYNC=off shows how much of the figure is the disk.
as_postgres taskset -c "$server_cpus" "$pg_bin/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" -w \
  -o "-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=${BENCH_PG_FSYNC:-on}" start >/dev/null
redis_port=$(free_port)
taskset -c "$server_cpus" redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
  --daemonize yes --dir "$work" --pidfile "$work/redis.pid" >/dev/null

step "benchmark: generator on CPU $generator_cpus"
mkdir -p bench-results
taskset -c "$generator_cpus" dotnet Chat.Bench/bin/Release/net10.0/Chat.Bench.dll "$mode" "${profile_args[@]}" \
  --app "${CHAT_BENCH_APP:-Chat.Web/bin/Release/net10.0/Chat.Web.dll}" \
  --postgres "Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres" \
  --redis "127.0.0.1:$redis_port,abortConnect=false" \
  --server-cpus "$server_cpus" --generator-cpus "$generator_cpus" \
  --work "$work" --out bench-results --postgres-fsync "${BENCH_PG_FSYNC:-on}" --commit "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"

# Shared by the benchmark scripts (sourced, not run): messages, a work folder cleaned up on
# exit, free ports, waiting for a server, a private PostgreSQL cluster and a parleyd on it, and
# one wrk measurement. The sourcing script sets `repo` and `bench_name` first.

say() { echo "bench: $*" >&2; }
die() { say "$*"; exit 1; }

# The PostgreSQL server may run as the postgres user (when we are root): it must reach the
# cluster folder, so the work folder is world-searchable; pg-cluster makes its own folder 0700.
work=$(mktemp -d "/tmp/parley-bench-$bench_name.XXXXXX")
chmod 0755 "$work"
parleyd_pid=
cleanup_hooks=()

cleanup() {
  local rc=$? hook
  trap - EXIT INT TERM
  for hook in "${cleanup_hooks[@]}"; do $hook || true; done
  if [[ -n $parleyd_pid ]]; then
    kill -TERM "$parleyd_pid" 2>/dev/null || true
    wait "$parleyd_pid" 2>/dev/null || true
  fi
  if [[ -d $work/pg ]]; then "$repo/scripts/pg-cluster" stop "$work/pg" || true; fi
  if [[ -n ${PARLEY_BENCH_KEEP:-} ]]; then say "kept $work"; else rm -rf "$work"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

require_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || die "$tool is missing (run scripts/install-deps)"
  done
}

require_parleyd() {
  [[ -x $parleyd ]] || die "$parleyd is missing: build it with cmake --preset release && cmake --build --preset release --target parleyd"
}

# A TCP port nothing listens on now (the servers then bind it; a race with another program is
# possible but harmless here: the start-up check would fail loudly).
free_port() {
  local used port i
  used=$(ss -Hltn | awk '{print $4}' | sed 's/.*://')
  for ((i = 0; i < 200; i++)); do
    port=$((20000 + RANDOM % 40000))
    grep -qx "$port" <<<"$used" || { echo "$port"; return; }
  done
  die "no free port found"
}

# wait_for URL NAME PID: until URL answers 200, or the process died, or 30 s passed.
wait_for() {
  local url=$1 name=$2 pid=$3 i
  for ((i = 0; i < 300; i++)); do
    curl -fsS -o /dev/null --max-time 1 "$url" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || die "$name exited during start-up; its log: $(tail -n 20 "$work/$name.log" 2>/dev/null)"
    sleep 0.1
  done
  die "$name did not answer $url within 30 s"
}

# Starts the private cluster and parleyd on it (development configuration on a free port, quiet
# logs, no rate limit; extra YAML sections from $1). Sets PARLEY_DATABASE_DSN, parleyd_url
# (the site root) and parleyd_config.
start_parleyd() {
  local extra=${1:-} port dsn
  port=$(free_port)
  dsn=$("$repo/scripts/pg-cluster" start "$work/pg")
  export PARLEY_DATABASE_DSN=$dsn
  mkdir -p "$work/files"
  parleyd_config=$work/gateway.yaml
  cat >"$parleyd_config" <<CONF
# Written by bench/$bench_name/run: the development configuration on a free port, quiet logs.
server:
  listen: "127.0.0.1:$port"
  site_url: "http://127.0.0.1:$port"
database:
  dsn_env: PARLEY_DATABASE_DSN
files:
  directory: "$work/files"
limits:
  requests_per_second: 0
logging:
  level: warn
  access_log: false
$extra
CONF
  "$parleyd" migrate --config "$parleyd_config" >>"$work/parleyd.log" 2>&1 ||
    die "parleyd migrate failed: $(tail -n 20 "$work/parleyd.log")"
  "$parleyd" serve --config "$parleyd_config" >>"$work/parleyd.log" 2>&1 &
  parleyd_pid=$!
  parleyd_url="http://127.0.0.1:$port"
  wait_for "$parleyd_url/api/v4/system/ping" parleyd "$parleyd_pid"
  say "$("$parleyd" --version | head -n 1) on $parleyd_url"
}

# login USERNAME PASSWORD: the session token parleyd answers in the Token header.
login() {
  curl -sS -D - -o /dev/null -H 'Content-Type: application/json' \
    --data "$(jq -nc --arg u "$1" --arg p "$2" '{login_id: $u, password: $p}')" \
    "$parleyd_url/api/v4/users/login" | awk 'tolower($1) == "token:" { print $2 }' | tr -d '\r'
}

# start_admin PASSWORD: makes the first administrator "admin" and sets admin_token.
start_admin() {
  printf '%s' "$1" >"$work/admin-password"
  "$parleyd" init-admin --config "$parleyd_config" --username admin --email admin@bench.test \
    --password-file "$work/admin-password" >>"$work/parleyd.log" 2>&1 || die "init-admin failed"
  admin_token=$(login admin "$1")
  [[ -n $admin_token ]] || die "the admin could not log in"
}

# wrk calls done() once at the end: one line with the raw figures (latencies in microseconds).
# Scripts that need their own wrk Lua append to this file's content.
wrk_report_lua='
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("\nREPORT %d %d %d %d %d %d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
'

# wrk_measure OUT WRK-ARGS...: runs wrk with --latency and the report script (which must be
# among the arguments as -s FILE), and prints "rps p50_ms p99_ms errors non_2xx".
wrk_measure() {
  local out=$1 line tag requests duration_us p50 p99 errors non2xx
  shift
  wrk --latency "$@" >"$out"
  line=$(grep '^REPORT ' "$out" || true)
  [[ -n $line ]] || die "wrk printed no report: $(cat "$out")"
  read -r tag requests duration_us p50 p99 errors non2xx <<<"$line"
  awk -v r="$requests" -v d="$duration_us" -v a="$p50" -v b="$p99" -v e="$errors" -v s="$non2xx" \
    'BEGIN { printf "%.0f %.3f %.3f %d %d\n", r / (d / 1e6), a / 1000, b / 1000, e, s }'
}

# shellcheck shell=bash
# Shared by the benchmark scripts (source it; it defines functions and a few variables).
#
# Every script that starts servers calls bench_begin NAME first: it makes a work folder
# under benchmarks/.runs/, and a trap that stops every process started with bench_start
# (BENCH_STOP_SIGNAL, TERM by default, then KILL after 10 s) and removes the folder, on normal
# exit, error, Ctrl-C or TERM.

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH_RUNS_DIR="$BENCH_DIR/.runs"
BENCH_BIN_DIR="$BENCH_RUNS_DIR/bin"
BENCH_PIDS=()
BENCH_WORK=""
BENCH_SERVER_CPU_PERCENT=""
BENCH_CLIENT_CPU_PERCENT=""
# The signal that stops the servers; a driver whose servers need no orderly stop may choose KILL.
BENCH_STOP_SIGNAL=TERM

# Options every measuring script takes; scripts read these variables after bench_parse_options.
DURATION_S=5
WARMUP_S=1
CONCURRENCY="16"
VALUE_BYTES=1024
OUT_DIR=""

bench_log() { printf '==> %s\n' "$*" >&2; }
bench_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Parses the shared options; calls the script's `usage` for --help and on unknown options.
bench_parse_options() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --duration-s|--warmup-s|--concurrency|--value-bytes|--out)
        [ $# -ge 2 ] || bench_die "$1 needs a value" ;;
    esac
    case "$1" in
      --duration-s) DURATION_S="$2"; shift 2 ;;
      --warmup-s) WARMUP_S="$2"; shift 2 ;;
      --concurrency) CONCURRENCY="$2"; shift 2 ;;
      --value-bytes) VALUE_BYTES="$2"; shift 2 ;;
      --out) OUT_DIR="$2"; shift 2 ;;
      -h|--help) usage; exit 0 ;;
      *) usage >&2; bench_die "unknown option $1" ;;
    esac
  done
  [[ "$DURATION_S" =~ ^[1-9][0-9]*$ ]] || bench_die "--duration-s needs whole seconds >= 1"
  [[ "$WARMUP_S" =~ ^[0-9]+$ ]] || bench_die "--warmup-s needs whole seconds"
  [[ "$VALUE_BYTES" =~ ^[1-9][0-9]*$ ]] || bench_die "--value-bytes needs a positive integer"
  for c in $CONCURRENCY; do [[ "$c" =~ ^[1-9][0-9]*$ ]] || bench_die "--concurrency needs positive integers"; done
  if [ -z "$OUT_DIR" ]; then OUT_DIR="$BENCH_RUNS_DIR/results-$(date -u +%Y%m%dT%H%M%SZ)"; fi
  mkdir -p "$OUT_DIR"
}

# Installs Debian packages (apt-get; sudo when not root).
bench_apt_install() {
  bench_log "installing $* (apt-get)"
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

# bench_require_apt COMMAND PACKAGE...: installs the packages when COMMAND is missing.
bench_require_apt() {
  local command="$1"; shift
  command -v "$command" >/dev/null 2>&1 && return 0
  bench_apt_install "$@"
  command -v "$command" >/dev/null 2>&1 || bench_die "$command still missing after installing $*"
}

# bench_pip_venv VENV REQUIREMENTS_FILE: a Python virtual environment with exactly these pinned
# packages, made (or remade) only when the requirements changed since it was last made.
bench_pip_venv() {
  local venv="$1" requirements="$2"
  cmp -s "$requirements" "$venv/requirements.installed" 2>/dev/null && return 0
  bench_log "installing $(grep -v '^#' "$requirements" | tr '\n' ' ')into $venv (pip)"
  # Debian's own python3 needs python3-venv for this; other Pythons carry venv themselves.
  python3 -m venv "$venv" >/dev/null 2>&1 || { bench_apt_install python3-venv; python3 -m venv "$venv"; }
  "$venv/bin/pip" install -q -r "$requirements" || return 1
  cp "$requirements" "$venv/requirements.installed"
}

# Compiles the C tools (tools/*.c) into .runs/bin when missing or older than their sources.
bench_build_tools() {
  bench_require_apt gcc gcc libc6-dev
  mkdir -p "$BENCH_BIN_DIR"
  local tool
  for tool in loadgen disk net memory; do
    local source="$BENCH_DIR/tools/$tool.c" binary="$BENCH_BIN_DIR/$tool"
    if [ ! -x "$binary" ] || [ "$source" -nt "$binary" ] || [ "$BENCH_DIR/tools/stats.c" -nt "$binary" ] \
       || [ "$BENCH_DIR/tools/stats.h" -nt "$binary" ]; then
      gcc -O2 -Wall -Wextra -Werror -pthread -o "$binary" "$source" "$BENCH_DIR/tools/stats.c" -lm \
        || bench_die "compiling $source failed"
    fi
  done
  # The heap allocation counter is a preloaded library, not a program.
  local counter="$BENCH_BIN_DIR/malloc_count.so"
  if [ ! -f "$counter" ] || [ "$BENCH_DIR/tools/malloc_count.c" -nt "$counter" ]; then
    gcc -O2 -Wall -Wextra -Werror -shared -fPIC -pthread -o "$counter" "$BENCH_DIR/tools/malloc_count.c" \
      || bench_die "compiling tools/malloc_count.c failed"
  fi
}

bench_cleanup() {
  local pid
  # stderr muted: bash would report each server it reaps as "Killed"/"Terminated".
  {
    for pid in "${BENCH_PIDS[@]}"; do kill "-$BENCH_STOP_SIGNAL" "$pid" || true; done
    for pid in "${BENCH_PIDS[@]}"; do
      local waited=0
      while kill -0 "$pid" && [ $waited -lt 100 ]; do sleep 0.1; waited=$((waited + 1)); done
      kill -KILL "$pid" || true
      wait "$pid" || true
    done
  } 2>/dev/null
  BENCH_PIDS=()
  if [ -n "$BENCH_WORK" ] && [ -d "$BENCH_WORK" ]; then rm -rf "$BENCH_WORK"; fi
}

# Makes the work folder and installs the traps that clean up after the script.
bench_begin() {
  mkdir -p "$BENCH_RUNS_DIR"
  BENCH_WORK="$(mktemp -d "$BENCH_RUNS_DIR/$1.XXXXXX")"
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# bench_start LOG COMMAND...: runs COMMAND in the background, output to LOG, stopped by the trap.
bench_start() {
  local log="$1"; shift
  "$@" >"$log" 2>&1 &
  BENCH_PIDS+=($!)
}

# Stops the processes started so far (the work folder stays).
bench_stop_all() {
  local work="$BENCH_WORK"
  BENCH_WORK=""
  bench_cleanup
  BENCH_WORK="$work"
}

# Prints N distinct free TCP ports on 127.0.0.1 (held together while chosen, so they differ).
bench_free_ports() {
  python3 - "$1" <<'EOF'
import socket, sys
held = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    held.append(s)
print(" ".join(str(s.getsockname()[1]) for s in held))
EOF
}

# bench_wait_tcp PORT SECONDS LOG: waits until 127.0.0.1:PORT accepts, or dies showing LOG.
bench_wait_tcp() {
  local port="$1" deadline=$((SECONDS + $2)) log="$3"
  local pid
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    for pid in "${BENCH_PIDS[@]}"; do
      kill -0 "$pid" 2>/dev/null || { tail -20 "$log" >&2; bench_die "a server exited before 127.0.0.1:$port listened"; }
    done
    if [ $SECONDS -ge $deadline ]; then tail -20 "$log" >&2; bench_die "nothing listens on 127.0.0.1:$port after $2 s"; fi
    sleep 0.1
  done
}

# Sum of user + system CPU clock ticks of the given processes (from /proc/PID/stat).
bench_cpu_ticks() {
  local total=0 pid stat fields
  for pid in "$@"; do
    stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || continue
    read -r -a fields <<<"${stat##*) }"   # fields from the 3rd on: utime is the 14th, stime the 15th
    total=$((total + fields[11] + fields[12]))
  done
  echo "$total"
}

# bench_measure RAW_FILE LOADGEN_ARGS...: runs the load generator with the shared durations,
# and sets BENCH_SERVER_CPU_PERCENT to the CPU the servers started so far used meanwhile
# (summed over them: 100 = one core), which bench_wrap records.
# The generator runs in the background so that a TERM to the script stops everything at once
# (bash runs traps only between foreground commands, but does interrupt `wait`).
bench_measure() {
  local raw="$1"; shift
  local servers=("${BENCH_PIDS[@]}") ticks_before started_ns
  ticks_before="$(bench_cpu_ticks "${servers[@]}")"
  started_ns="$(date +%s%N)"
  "$BENCH_BIN_DIR/loadgen" --duration-s "$DURATION_S" --warmup-s "$WARMUP_S" --value-bytes "$VALUE_BYTES" "$@" >"$raw" &
  local pid=$! status=0
  BENCH_PIDS+=("$pid")
  wait "$pid" || status=$?
  unset 'BENCH_PIDS[-1]'
  [ $status -eq 0 ] || bench_die "the load generator failed (loadgen $*)"
  local ticks=$(( $(bench_cpu_ticks "${servers[@]}") - ticks_before )) elapsed_ns=$(( $(date +%s%N) - started_ns ))
  BENCH_SERVER_CPU_PERCENT="$(awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" -v ns="$elapsed_ns" \
    'BEGIN { printf "%.0f", 100 * t / hz / (ns / 1e9) }')"
}

# bench_wrap RAW_FILE OUT_NAME results.py-wrap-options...: writes OUT_DIR/OUT_NAME.json.
bench_wrap() {
  local raw="$1" name="$2"; shift 2
  local server_cpu=()
  if [ -n "$BENCH_SERVER_CPU_PERCENT" ]; then server_cpu=(--set "server_cpu_percent=$BENCH_SERVER_CPU_PERCENT"); fi
  if [ -n "$BENCH_CLIENT_CPU_PERCENT" ]; then server_cpu+=(--set "client_cpu_percent=$BENCH_CLIENT_CPU_PERCENT"); fi
  python3 "$BENCH_DIR/lib/results.py" wrap --raw "$raw" --out "$OUT_DIR/$name.json" \
    --set "load_average_1m=$(cut -d' ' -f1 /proc/loadavg)" "${server_cpu[@]+"${server_cpu[@]}"}" "$@"
}

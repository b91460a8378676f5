# Shared by cluster/up, status, kill, start and down. Sourced, not run.
# A cluster folder (default cluster/.run) holds cluster.env (what `up` decided) and one
# folder per node: node.toml, data/, node.log, pid.

CLUSTER_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_ROOT=$(cd "$CLUSTER_HOME/.." && pwd)

die() { echo "cluster: $*" >&2; exit 1; }

# Parses --dir DIR out of "$@" into CLUSTER_DIR; the rest is left in REST_ARGS.
parse_dir() {
  CLUSTER_DIR="$CLUSTER_HOME/.run"
  REST_ARGS=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --dir) [ $# -ge 2 ] || die "--dir needs a folder"; CLUSTER_DIR="$2"; shift 2 ;;
      --dir=*) CLUSTER_DIR="${1#--dir=}"; shift ;;
      *) REST_ARGS+=("$1"); shift ;;
    esac
  done
  [ -d "$CLUSTER_DIR" ] && CLUSTER_DIR=$(cd "$CLUSTER_DIR" && pwd)
  return 0
}

load_cluster() {
  [ -f "$CLUSTER_DIR/cluster.env" ] || die "no cluster in $CLUSTER_DIR (start one with cluster/up)"
  # shellcheck disable=SC1091
  . "$CLUSTER_DIR/cluster.env"
}

node_host() { echo "127.0.0.$1"; }
node_dir() { echo "$CLUSTER_DIR/node$1"; }
node_pid() { cat "$(node_dir "$1")/pid" 2>/dev/null; }
client_port() { echo $((PORT_BASE + 92)); }
peer_port() { echo $((PORT_BASE + 93)); }
admin_port() { echo $((PORT_BASE + 644)); }

# True when the node's recorded process is alive (a stopped process counts as alive): the pid
# must still run this node's configuration (pids get reused) and must not be a zombie (a killed
# node whose parent has not reaped it yet is not running).
node_running() {
  local pid state args; pid=$(node_pid "$1")
  [ -n "$pid" ] || return 1
  state=$(ps -o stat= -p "$pid" 2>/dev/null) || return 1
  args=$(ps -o args= -p "$pid" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "${state:0:1}" != Z ] && [[ "$args" == *"$(node_dir "$1")/node.toml"* ]]
}

valid_node_id() {
  [[ "$1" =~ ^[0-9]+$ ]] && [ "$1" -ge 1 ] && [ "$1" -le "$NODES" ] \
    || die "no node '$1' in this cluster (nodes are 1 to $NODES)"
}

start_node() {
  local id=$1 dir; dir=$(node_dir "$id")
  node_running "$id" && die "node $id is already running (pid $(node_pid "$id"))"
  # setsid: the node outlives this script and a Ctrl-C in the terminal that ran it.
  setsid "$BINARY" serve --config "$dir/node.toml" >>"$dir/node.log" 2>&1 </dev/null &
  echo $! >"$dir/pid"
}

# Waits until the node's /health answers 200, or gives up after $2 seconds (polling: a script
# waiting on a server it started, not a test).
wait_healthy() {
  local id=$1 deadline=$(( $(date +%s) + $2 ))
  local url="http://$(node_host "$id"):$(admin_port)/health"
  until curl -fsS -o /dev/null --max-time 1 "$url" 2>/dev/null; do
    node_running "$id" || die "node $id exited during start-up; last lines of its log:
$(tail -n 20 "$(node_dir "$id")/node.log")"
    [ "$(date +%s)" -lt "$deadline" ] || die "node $id not healthy after $2 s ($url); see $(node_dir "$id")/node.log"
    sleep 0.2
  done
}

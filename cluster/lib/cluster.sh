# Shared by cluster/up, status, kill, start and down. Sourced, not run.
# A cluster folder (default cluster/.run) holds cluster.env (what `up` decided) and one
# folder per node: node.toml, data/, node.log, pid.
#
# Two network modes (NETWORK in cluster.env; absent means loopback):
# - loopback (default): node <id> is 127.0.0.<id> on this host's lo.
# - netns (cluster/up --netns): node <id> is a host of its own, network namespace
#   trib<P>-n<id> (P = the port base), reached through a veth pair: eth0 in the namespace with
#   10.<P/256>.<P%256>.<id>/24, its peer trib<P>v<id> a port of the bridge trib<P>br, which has
#   .254 in the root namespace (so clients on this host reach every node). The bridge's alias
#   names the cluster folder that owns the network. Needs root.

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
  NETWORK=loopback
  # shellcheck disable=SC1091
  . "$CLUSTER_DIR/cluster.env"
}

# The one source of a node's address (what it binds, advertises, and is reached at), both modes.
node_host() {
  if [ "${NETWORK:-loopback}" = netns ]; then echo "$(netns_prefix).$1"; else echo "127.0.0.$1"; fi
}
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
  local in_ns=()
  if [ "${NETWORK:-loopback}" = netns ]; then
    netns_node_up "$id"   # gone after cluster/down: made again, as loopback addresses always exist
    # `ip netns exec` execs the node in place (no fork), so $! is the node's pid.
    in_ns=(ip netns exec "$(node_netns "$id")")
  fi
  # TRIBUTARY_NODE_ENV: variables for the node alone (env execs it in place: $! stays its pid).
  local node_env=()
  [ -n "${TRIBUTARY_NODE_ENV:-}" ] && read -ra node_env <<<"env $TRIBUTARY_NODE_ENV"
  # setsid: the node outlives this script and a Ctrl-C in the terminal that ran it.
  setsid ${in_ns[@]+"${in_ns[@]}"} ${node_env[@]+"${node_env[@]}"} "$BINARY" serve --config "$dir/node.toml" >>"$dir/node.log" 2>&1 </dev/null &
  echo $! >"$dir/pid"
}

# --- netns mode: names, and making and removing the network (see the top of this file) ---
# Names fit Linux's 15-character interface names for every port base (1024 to 64000).
netns_prefix() { echo "10.$((PORT_BASE / 256)).$((PORT_BASE % 256))"; }
netns_bridge() { echo "trib${PORT_BASE}br"; }
node_netns() { echo "trib${PORT_BASE}-n$1"; }
netns_veth() { echo "trib${PORT_BASE}v$1"; }   # the bridge's end of node <id>'s veth pair
netns_owner_tag() { echo "tributary cluster $CLUSTER_DIR"; }
netns_exists() { ip netns pids "$1" >/dev/null 2>&1; }
link_exists() { ip link show dev "$1" >/dev/null 2>&1; }
# Who owns the bridge: the cluster folder in its alias ("" when there is no bridge).
netns_bridge_owner() { cat "/sys/class/net/$(netns_bridge)/ifalias" 2>/dev/null || true; }

# Fails (with a message) unless netns mode can run here with this port base: root, ip, no
# route on this host into the /24 (it would be shadowed), and no network of another cluster.
netns_preflight() {
  [ "$(id -u)" -eq 0 ] || die "--netns needs root (it makes network namespaces, veth pairs and a bridge)"
  command -v ip >/dev/null || die "--netns needs iproute2's ip"
  local owner; owner=$(netns_bridge_owner)
  if link_exists "$(netns_bridge)"; then
    [ "$owner" = "$(netns_owner_tag)" ] || die "bridge $(netns_bridge) belongs to another cluster (${owner:-no owner recorded}): stop that one with cluster/down --dir ${owner#tributary cluster }, or pick another --port-base"
  else
    local clash; clash=$(ip -4 route show match "$(netns_prefix).1" | grep -v '^default' || true)
    [ -z "$clash" ] || die "this host already routes $(netns_prefix).0/24 ($clash): pick another --port-base"
  fi
  local id pids
  for id in $(seq 1 16); do
    netns_exists "$(node_netns "$id")" || continue
    pids=$(ip netns pids "$(node_netns "$id")" | tr '\n' ' ')
    [ -z "$pids" ] || die "namespace $(node_netns "$id") is in use (pids $pids): another cluster with --port-base $PORT_BASE? stop it with cluster/down, or pick another --port-base"
  done
}

netns_bridge_up() {
  local br owner; br=$(netns_bridge)
  if link_exists "$br"; then
    # Never a node of this cluster on another cluster's bridge (it took the port base after down).
    owner=$(netns_bridge_owner)
    [ "$owner" = "$(netns_owner_tag)" ] || die "bridge $br belongs to another cluster (${owner:-no owner recorded}); not starting a node of $CLUSTER_DIR on it"
    return 0
  fi
  # No STP and no forward delay: a port forwards as soon as it is up.
  ip link add "$br" type bridge stp_state 0 forward_delay 0
  ip link set dev "$br" alias "$(netns_owner_tag)"
  ip addr add "$(netns_prefix).254/24" dev "$br"
  ip link set dev "$br" up
}

# Makes node <id>'s namespace and veth pair (and the bridge) unless they are all there already.
netns_node_up() {
  local id=$1 ns veth; ns=$(node_netns "$id"); veth=$(netns_veth "$id")
  netns_bridge_up
  if netns_exists "$ns" && link_exists "$veth" && ip -n "$ns" -4 addr show dev eth0 2>/dev/null | grep -q "inet $(node_host "$id")/24"; then
    return 0
  fi
  netns_node_down "$id"
  ip netns add "$ns"
  ip link add "$veth" type veth peer name eth0 netns "$ns"
  ip link set dev "$veth" master "$(netns_bridge)" up
  ip -n "$ns" addr add "$(node_host "$id")/24" dev eth0
  ip -n "$ns" link set dev lo up
  ip -n "$ns" link set dev eth0 up
}

# Removes node <id>'s namespace and veth pair, when there (removing either end removes both).
netns_node_down() {
  local ns veth; ns=$(node_netns "$1"); veth=$(netns_veth "$1")
  if link_exists "$veth"; then ip link del dev "$veth" 2>/dev/null || true; fi
  if netns_exists "$ns"; then ip netns del "$ns" 2>/dev/null || true; fi
}

# Removes this cluster's whole network: every node's namespace and veth pair (ids 1 to 16, so
# a changed node count leaves nothing behind), then the bridge. Leaves alone a bridge another
# cluster folder owns. Nodes should be stopped first: a namespace lives on while a process is in it.
netns_down() {
  local owner; owner=$(netns_bridge_owner)
  if link_exists "$(netns_bridge)" && [ "$owner" != "$(netns_owner_tag)" ]; then
    echo "cluster: bridge $(netns_bridge) belongs to another cluster (${owner:-no owner recorded}); left alone" >&2
    return 0
  fi
  local id
  for id in $(seq 1 16); do netns_node_down "$id"; done
  if link_exists "$(netns_bridge)"; then ip link del dev "$(netns_bridge)"; fi
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

# Installs the system packages Tributary builds and runs with, when missing (Debian/Ubuntu).
# Sourced by cluster/build and Tests/run, so both README commands work on a fresh machine.

# ensure_packages CHECK-COMMAND PACKAGE...: runs apt-get install when CHECK-COMMAND fails.
ensure_packages() {
  local check=$1; shift
  if eval "$check" >/dev/null 2>&1; then return 0; fi
  command -v apt-get >/dev/null || { echo "missing: $* (install them with your package manager)" >&2; return 1; }
  local sudo=; [ "$(id -u)" -ne 0 ] && sudo=sudo
  echo "==> installing $* (apt-get)"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

ensure_build_dependencies() {
  command -v swift >/dev/null || { echo "swift is not on PATH: install Swift 6.3 (swift.org) first" >&2; return 1; }
  ensure_packages "pkg-config --exists libuv" libuv1-dev pkg-config
  # cluster/ scripts ask nodes' admin endpoints over HTTP and read their JSON.
  ensure_packages "command -v curl && command -v python3" curl python3
}

# Installs the pinned Python packages of a requirements file, when any is missing or differs.
ensure_python_requirements() {
  local file=$1
  command -v python3 >/dev/null || ensure_packages "command -v python3" python3 python3-pip
  if python3 - "$file" >/dev/null 2>&1 <<'PY'
import sys
from importlib.metadata import version
for line in open(sys.argv[1]):
    line = line.split('#')[0].strip()
    if line:
        name, wanted = line.split('==')
        if version(name) != wanted:
            sys.exit(1)
PY
  then return 0; fi
  echo "==> installing Python packages from $file (pip)"
  python3 -m pip install -q --disable-pip-version-check -r "$file"
}

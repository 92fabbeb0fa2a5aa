# shellcheck shell=bash
# Helpers sourced by scripts/run, scripts/test, scripts/demo, scripts/bench and scripts/fuzz.
# Each script stays self-contained on a fresh Debian 12: it installs what is missing, configures
# the build tree if there is none, and builds incrementally.
#
# Environment knobs (all optional):
#   MB_BUILD_DIR   build tree, relative to the repo root or absolute (default: build)
#   MB_BUILD_TYPE  CMAKE_BUILD_TYPE for a fresh configure (default: RelWithDebInfo)
#   MB_JOBS        parallel build jobs (default: ninja's own choice)
#   MB_NO_INSTALL  set to 1 to never call apt-get (fail instead when something is missing)
#   MB_SKIP_BUILD  set to 1 to use the server binary as it is (no configure, no build)
#   MB_BINARY      the server binary (default: $MB_BUILD_DIR/src/app/exe/movie-booking)

# The repository root, from this file's own location (works from any cwd and through symlinks).
MB_ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
MB_BUILD_DIR="${MB_BUILD_DIR:-build}"
case "$MB_BUILD_DIR" in
    /*) ;;
    *) MB_BUILD_DIR="$MB_ROOT/$MB_BUILD_DIR" ;;
esac
MB_BUILD_TYPE="${MB_BUILD_TYPE:-RelWithDebInfo}"
MB_BINARY="${MB_BINARY:-$MB_BUILD_DIR/src/app/exe/movie-booking}"
MB_KAFKA_MOCK="${MB_KAFKA_MOCK:-$MB_BUILD_DIR/src/adapters/bus/kafka/movie-booking-kafka-mock}"

# Debian 12 packages the build and its tests need (libpq-dev: SOCI's PostgreSQL backend, used by
# the postgresql tests; prometheus: promtool and the server the metrics e2e test scrapes with).
MB_BUILD_PACKAGES=(
    build-essential cmake ninja-build pkg-config
    libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
    libsoci-dev libpq-dev libsqlite3-dev sqlite3 libfmt-dev libspdlog-dev libcli11-dev catch2 python3
    librdkafka-dev kcat libgoogle-perftools-dev
    libcpp-jwt-dev nlohmann-json3-dev libssl-dev openssl
    prometheus-cpp-dev prometheus
    libsystemd-dev
)

# What the tests need on top of the build: wrk (the rolling-restart load, scripts/rolling-restart),
# systemd (systemd-analyze verify of config/systemd/movie-booking.service), and postgresql (the
# throw-away clusters of scripts/pg-cluster, label postgresql; it brings psql).
MB_TEST_PACKAGES=(wrk systemd postgresql)

# What the browser tests need on top (label browser): Debian's chromium, driven by npm's
# playwright-core (pinned in tests/browser/package-lock.json; mb_ensure_browser_tests).
MB_BROWSER_PACKAGES=(chromium)

# What scripts/fuzz needs on top: clang 14 with libFuzzer and the sanitizer runtimes, and llvm's
# symbolizer for readable stack traces.
MB_FUZZ_PACKAGES=(clang-14 libclang-rt-14-dev llvm-14)

mb_log() { printf '==> %s\n' "$*" >&2; }
mb_die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

# Runs a command as root: directly when we are root, else through sudo.
mb_as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        mb_die "need root (or sudo) to run: $*"
    fi
}

# True when a Debian package is installed.
mb_pkg_installed() {
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

# Installs the given Debian packages that are not installed yet; apt-get update only when needed.
mb_ensure_packages() {
    local missing=() pkg
    for pkg in "$@"; do
        mb_pkg_installed "$pkg" || missing+=("$pkg")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    if [ "${MB_NO_INSTALL:-0}" = 1 ]; then
        mb_die "missing packages (MB_NO_INSTALL=1): ${missing[*]}"
    fi
    command -v apt-get >/dev/null 2>&1 || mb_die "missing packages and no apt-get: ${missing[*]}"
    mb_log "installing ${missing[*]}"
    mb_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    mb_as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# Value of a cache entry (NAME:TYPE=VALUE) in the build tree's CMakeCache.txt, empty if absent.
mb_cache_value() {
    local cache="$MB_BUILD_DIR/CMakeCache.txt"
    [ -f "$cache" ] || return 0
    sed -n "s/^$1:[A-Za-z_]*=//p" "$cache" | head -n 1
}

# mb_configure [-DNAME=VALUE ...]
# Configures the build tree when it has none (or a broken one, or one made for another checkout),
# and re-configures when a given -D value differs from what the cache holds.
# Callers may pass no -D value at all.
# shellcheck disable=SC2120
mb_configure() {
    local cache="$MB_BUILD_DIR/CMakeCache.txt" need=0 arg name value
    if [ -f "$cache" ]; then
        local home
        home="$(mb_cache_value CMAKE_HOME_DIRECTORY)"
        if [ -n "$home" ] && [ "$(readlink -f "$home")" != "$(readlink -f "$MB_ROOT")" ]; then
            mb_log "build tree $MB_BUILD_DIR belongs to $home; starting it afresh"
            rm -rf "$MB_BUILD_DIR/CMakeCache.txt" "$MB_BUILD_DIR/CMakeFiles"
        fi
    fi
    if [ ! -f "$cache" ] || [ ! -f "$MB_BUILD_DIR/build.ninja" ]; then
        need=1
    else
        for arg in "$@"; do
            case "$arg" in
                -D*=*)
                    name="${arg#-D}"
                    name="${name%%=*}"
                    name="${name%%:*}"
                    value="${arg#*=}"
                    if [ "$(mb_cache_value "$name")" != "$value" ]; then
                        need=1
                    fi
                    ;;
            esac
        done
    fi
    [ "$need" -eq 1 ] || return 0
    mb_log "configuring $MB_BUILD_DIR ($*)"
    if [ -f "$cache" ]; then
        # Keep the generator the tree was made with; only change the given values.
        cmake -S "$MB_ROOT" -B "$MB_BUILD_DIR" "$@" >&2
    else
        cmake -S "$MB_ROOT" -B "$MB_BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="$MB_BUILD_TYPE" "$@" >&2
    fi
}

# mb_build [target ...]  (no target: everything)
mb_build() {
    local args=(--build "$MB_BUILD_DIR")
    [ -n "${MB_JOBS:-}" ] && args+=(--parallel "$MB_JOBS")
    if [ "$#" -gt 0 ]; then
        args+=(--target "$@")
        mb_log "building $*"
    else
        mb_log "building"
    fi
    cmake "${args[@]}" >&2
}

# Builds the server binary (configuring first if needed) and checks that it is there.
mb_build_server() {
    if [ "${MB_SKIP_BUILD:-0}" = 1 ]; then
        [ -x "$MB_BINARY" ] || mb_die "MB_SKIP_BUILD=1 but $MB_BINARY is not there"
        return 0
    fi
    mb_ensure_packages "${MB_BUILD_PACKAGES[@]}"
    # An existing tree is used as configured.
    # shellcheck disable=SC2119
    mb_configure
    mb_build movie-booking movie-booking-kafka-mock
    [ -x "$MB_BINARY" ] || mb_die "build finished but $MB_BINARY is missing"
}

# The browser tests' tools: node and npm (Debian's nodejs and npm when there is no node at
# all; an existing Node.js with its own npm is kept), chromium, and playwright-core installed
# from tests/browser's lock file into $MB_BUILD_DIR/browser/node_modules (npm ci: exactly the
# pinned version and its checksum; again only when the lock file changed). No browser download:
# the tests launch /usr/bin/chromium. The pin (1.60.0) is the newest playwright-core that still
# runs on Debian 12's Node.js 18; later ones require Node 20.
mb_ensure_browser_tests() {
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        mb_ensure_packages nodejs npm
    fi
    mb_ensure_packages "${MB_BROWSER_PACKAGES[@]}"
    local src="$MB_ROOT/tests/browser" dst="$MB_BUILD_DIR/browser"
    if [ -f "$dst/node_modules/playwright-core/package.json" ] &&
        cmp -s "$src/package-lock.json" "$dst/package-lock.json"; then
        return 0
    fi
    mkdir -p "$dst"
    cp "$src/package.json" "$src/package-lock.json" "$dst/"
    mb_log "installing playwright-core into $dst (npm ci)"
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix "$dst" --no-audit --no-fund --silent >&2 ||
        mb_die "npm ci of tests/browser failed (the npm registry must be reachable)"
}

# A free TCP port on the loopback interface.
mb_free_port() {
    python3 - <<'EOF'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
}

# mb_wait_http URL SECONDS [PID]: waits for URL to answer 200; fails early if PID dies.
mb_wait_http() {
    local url="$1" seconds="$2" pid="${3:-}"
    python3 - "$url" "$seconds" "$pid" <<'EOF'
import os, sys, time, urllib.request
url, seconds, pid = sys.argv[1], float(sys.argv[2]), sys.argv[3]
deadline = time.monotonic() + seconds
last = "no answer"
while time.monotonic() < deadline:
    if pid:
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            sys.exit(f"server process {pid} exited before {url} answered")
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            if r.status == 200:
                sys.exit(0)
            last = f"HTTP {r.status}"
    except Exception as e:  # connection refused, 503 while starting ...
        last = str(e)
    time.sleep(0.1)
sys.exit(f"{url} not ready after {seconds:g} s ({last})")
EOF
}

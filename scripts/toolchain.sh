#!/usr/bin/env bash
# Installs and caches the real parts the demo and the tests run against:
#   - moto's KMS server (PyPI moto[server]) in a virtualenv,
#   - the pulumi CLI, built from Go modules at the version of @pulumi/pulumi in package.json.
# Everything lands under $PULUMI_KMS_POLICY_CACHE (default ~/.cache/pulumi-kms-policy), never in the
# repo, so a second run reuses it. Prints `export` lines for the caller to eval:
#   eval "$(bash scripts/toolchain.sh env)"
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache_root=${PULUMI_KMS_POLICY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-kms-policy}
moto_version=5.2.5
pulumi_version=$(node -p "require('$repo_root/package.json').dependencies['@pulumi/pulumi']")

log() { echo "[toolchain] $*" >&2; }

ensure_moto() {
  local venv="$cache_root/moto-$moto_version"
  if [ -x "$venv/bin/moto_server" ] && [ -f "$venv/.complete" ]; then
    echo "$venv"; return
  fi
  log "installing moto[server]==$moto_version into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$moto_version" >&2
  touch "$venv/.complete"
  echo "$venv"
}

# A pulumi already on PATH is used when it is exactly the pinned version: the CLI and the
# @pulumi/pulumi SDK talk over gRPC and the pair is only tested together.
pulumi_on_path_matches() {
  command -v pulumi >/dev/null 2>&1 || return 1
  [ "$(pulumi version 2>/dev/null)" = "v$pulumi_version" ]
}

ensure_pulumi() {
  if pulumi_on_path_matches; then
    dirname "$(command -v pulumi)"; return
  fi
  local bin="$cache_root/pulumi-v$pulumi_version/bin"
  if [ -x "$bin/pulumi" ] && [ "$("$bin/pulumi" version 2>/dev/null)" = "v$pulumi_version" ]; then
    echo "$bin"; return
  fi
  command -v go >/dev/null 2>&1 || { log "no pulumi v$pulumi_version on PATH and no Go toolchain to build it"; exit 1; }
  local wrapper="$repo_root/toolchain/pulumi-cli"
  grep -q "github.com/pulumi/pulumi/pkg/v3 v$pulumi_version" "$wrapper/go.mod" || {
    log "toolchain/pulumi-cli/go.mod does not pin pkg/v3 v$pulumi_version (package.json's @pulumi/pulumi); update both together"
    exit 1
  }
  log "building pulumi v$pulumi_version from Go modules (first run only; several minutes)"
  mkdir -p "$bin"
  # The module proxy is reachable but its checksum database may not be; go.sum in the wrapper
  # module pins every hash instead.
  (cd "$wrapper" && GOFLAGS=-mod=mod GONOSUMDB='*' GONOSUMCHECK=1 GOSUMDB=off \
    go build -trimpath \
      -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$pulumi_version" \
      -o "$bin/pulumi.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi) >&2
  mv "$bin/pulumi.tmp" "$bin/pulumi"
  echo "$bin"
}

# The CLI loads bundled plugins from its own directory without the "using ... from $PATH" warning.
# The dynamic-provider plugin is a small script shipped in @pulumi/pulumi that starts the provider
# host from the program's own node_modules (it resolves @pulumi/pulumi from its working directory).
ensure_dynamic_provider_plugin() {
  local bin=$1 plugin=pulumi-resource-pulumi-nodejs
  [ -x "$bin/$plugin" ] && return
  local shipped="$repo_root/node_modules/@pulumi/pulumi/$plugin"
  [ -f "$shipped" ] || { log "$shipped is missing: run npm ci first"; exit 1; }
  install -m 0755 "$shipped" "$bin/$plugin"
}

case "${1:-env}" in
  moto) ensure_moto ;;
  pulumi) ensure_pulumi ;;
  env)
    moto_venv=$(ensure_moto)
    pulumi_bin=$(ensure_pulumi)
    [ -w "$pulumi_bin" ] && ensure_dynamic_provider_plugin "$pulumi_bin"
    echo "export PULUMI_KMS_POLICY_MOTO_SERVER='$moto_venv/bin/moto_server'"
    echo "export PULUMI_KMS_POLICY_PULUMI='$pulumi_bin/pulumi'"
    ;;
  *) echo "usage: toolchain.sh [env|moto|pulumi]" >&2; exit 2 ;;
esac

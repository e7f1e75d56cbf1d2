#!/usr/bin/env bash
# Builds the benchmark's Go peer (hashicorp/awspolicyequivalence, pinned in go.mod/go.sum here) into
# the toolchain cache, never into the repo, and prints the binary's path. The directory name carries a
# hash of the module files, the source and the Go version, so an edit or a new Go builds a new binary
# and an unchanged tree reuses the old one.
set -euo pipefail

peer_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache_root=${PULUMI_KMS_POLICY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-kms-policy}

command -v go >/dev/null 2>&1 || { echo "[peer] the benchmark's peer needs a Go toolchain (go on PATH)" >&2; exit 1; }
hash=$( (cd "$peer_dir" && cat go.mod go.sum ./*.go && go version) | sha256sum | cut -c1-16)
out="$cache_root/peer-$hash"
if [ ! -x "$out/peer" ]; then
  echo "[peer] building hashicorp/awspolicyequivalence's driver into $out" >&2
  mkdir -p "$out"
  # As for the pulumi CLI: the module proxy is reachable but its checksum database may not be, so
  # go.sum pins every hash; -mod=mod lets go resolve the module graph from it.
  (cd "$peer_dir" && GOFLAGS=-mod=mod GONOSUMDB='*' GOSUMDB=off go build -trimpath -o "$out/peer.tmp" .) >&2
  mv "$out/peer.tmp" "$out/peer"
fi
echo "$out/peer"

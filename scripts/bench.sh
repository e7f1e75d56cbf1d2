#!/usr/bin/env bash
# Benchmarks (on demand, not in CI): `npm run bench`. Writes bench/results/ and the tables in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# The pinned @pulumi/pulumi needs a newer Node.js than a fresh machine may have (Node 20): everything
# below, npm included, then runs on the toolchain's Node.js 22.
node_dir=$(bash scripts/toolchain.sh node-dir) || exit 1
[ -z "$node_dir" ] || export PATH="$node_dir:$PATH"
[ -d node_modules/@pulumi/pulumi ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund
toolchain_env=$(bash scripts/toolchain.sh env) || exit 1
eval "$toolchain_env"
# The engine benchmark's Go peer (hashicorp/awspolicyequivalence), built into the same cache.
case ",${BENCH_ONLY:-engine}," in *,engine,*) PULUMI_KMS_POLICY_PEER=$(bash bench/peer/build.sh); export PULUMI_KMS_POLICY_PEER ;; esac
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
npm run --silent build
npx tsc -p tsconfig.test.json
node build/bench/run.js

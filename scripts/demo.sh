#!/usr/bin/env bash
# The demo, set-up included: `npm run demo`. Installs npm packages, moto's server and the pulumi
# CLI if needed (cached under ~/.cache/pulumi-kms-policy), packs this package and installs it into
# examples/demo the way a user gets it, then runs toolchain/demo.ts against a local KMS.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The pinned @pulumi/pulumi needs a newer Node.js than a fresh machine may have (Node 20): everything
# below, npm included, then runs on the toolchain's Node.js 22.
node_dir=$(bash scripts/toolchain.sh node-dir) || exit 1
[ -z "$node_dir" ] || export PATH="$node_dir:$PATH"
[ -d node_modules/@pulumi/pulumi ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund
toolchain_env=$(bash scripts/toolchain.sh env) || exit 1
eval "$toolchain_env"
npx tsc -p tsconfig.json
npx tsc -p tsconfig.test.json

mkdir -p .demo
rm -f .demo/*.tgz
tarball=$(npm pack --silent --pack-destination .demo | tail -n 1)
(cd examples/demo && npm install --no-audit --no-fund --loglevel=error --no-save "../../.demo/$tarball")
node build/toolchain/demo.js

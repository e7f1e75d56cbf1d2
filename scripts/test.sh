#!/usr/bin/env bash
# The whole test suite, set-up included: `npm test` (or `bash scripts/test.sh [unit|integration|e2e]`;
# further arguments go to mocha, e.g. `bash scripts/test.sh e2e --grep reliability`).
# Installs what it needs (Node.js 22 when the machine's is older than the pinned SDK allows; npm
# packages; for the integration and e2e layers also moto's server, the pulumi CLI and the Node.js
# lines of the compatibility matrix) idempotently; the heavy parts are cached under
# ~/.cache/pulumi-kms-policy. The unit layer needs none of the heavy parts but that Node.js. A missing tool fails the run; nothing is skipped.
# The whole run (`all`) also checks lint and formatting first, and ends with a coverage report whose
# floors (scripts/coverage-floors.js) fail the run when they are not met.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

layers=${1:-all}
shift || true
# The pinned @pulumi/pulumi needs a newer Node.js than a fresh machine may have (Node 20): everything
# below, npm included, then runs on the toolchain's Node.js 22.
node_dir=$(bash scripts/toolchain.sh node-dir) || exit 1
[ -z "$node_dir" ] || export PATH="$node_dir:$PATH"
[ -d node_modules/@pulumi/pulumi ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund
if [ "$layers" != unit ]; then
  toolchain_env=$(bash scripts/toolchain.sh env) || exit 1
  eval "$toolchain_env"
fi
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
# No test may reach a real AWS endpoint: every AWS setting points at nothing until a test sets moto's.
export AWS_ACCESS_KEY_ID=invalid AWS_SECRET_ACCESS_KEY=invalid AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
export AWS_ENDPOINT_URL=http://127.0.0.1:9 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null

# dist/ (the package) is what the e2e layer packs; the unit and integration layers use build/ alone.
[ "$layers" = unit ] || [ "$layers" = integration ] || npm run --silent build
# A test file moved or deleted must not keep running from an old build: start build/ afresh.
rm -rf build/test build/provider build/bench
npx tsc -p tsconfig.test.json
# The command as the package ships it (bundled), for the tests that run it as a child process.
node scripts/bundle-cli.js build/provider/cli

mocha_args=("$@")
mocha() { npx mocha --require build/test/support/hooks.js --reporter build/test/support/reporter.js --forbid-only --forbid-pending "$@" ${mocha_args[@]+"${mocha_args[@]}"}; }
status=0
case "$layers" in
  unit) mocha 'build/test/unit/**/*.test.js' ;;
  integration) mocha --timeout 60000 'build/test/integration/**/*.test.js' ;;
  e2e) mocha --timeout 600000 'build/test/e2e/**/*.test.js' ;;
  all)
    npm run --silent lint
    npm run --silent format:check
    # One mocha run, so that the closing line counts every layer together; c8 measures it.
    rm -rf build/coverage
    npx c8 --reporter=text-summary --reporter=json-summary --report-dir build/coverage --include 'build/provider/**' \
      npx mocha --require build/test/support/hooks.js --reporter build/test/support/reporter.js --forbid-only --forbid-pending --timeout 600000 \
      'build/test/unit/**/*.test.js' 'build/test/integration/**/*.test.js' 'build/test/e2e/**/*.test.js' ${mocha_args[@]+"${mocha_args[@]}"} || status=$?
    # The floors are for the whole suite; a run narrowed with mocha arguments (--grep) only reports.
    if [ ${#mocha_args[@]} -eq 0 ]; then
      node scripts/coverage-floors.js build/coverage/coverage-summary.json || status=$((status == 0 ? 1 : status))
    fi
    ;;
  *) echo "usage: scripts/test.sh [unit|integration|e2e|all]" >&2; exit 2 ;;
esac
exit $status

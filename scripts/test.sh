#!/usr/bin/env bash
# `npm test`: the jest suite on the Node that runs npm (Node 20), then again on Node 24
# (scripts/test-node24.js). Arguments go to jest in both passes, e.g. `npm test -- test/cli.test.ts`.
# Both passes run even when the first fails, so one run reports both; it fails if either did.
set -uo pipefail
cd "$(dirname "$0")/.."

verdict() { [ "$1" -eq 0 ] && echo "passed in $2 s" || echo "FAILED after $2 s"; }

echo "fer-ga: the test suite on Node $(node --version)"
FER_GA_TEST_NODE=$(node -p "process.versions.node.split('.')[0]") node node_modules/jest/bin/jest.js "$@"
node20=$?
first=$SECONDS
node scripts/test-node24.js "$@"
node24=$?
echo "fer-ga: tests on Node $(node --version) $(verdict $node20 $first); on Node 24 $(verdict $node24 $((SECONDS - first)))"
[ $node20 -eq 0 ] && [ $node24 -eq 0 ]

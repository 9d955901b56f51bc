#!/usr/bin/env bash
# `npm test`: the jest suite on the Node that runs npm (Node 20), then again on Node 24
# (scripts/test-node24.js). Arguments go to jest in both passes, e.g. `npm test -- test/cli.test.ts`.
# Both passes run even when the first fails, so one run reports both; it fails if either did.
set -uo pipefail
cd "$(dirname "$0")/.."

verdict() { [ "$1" -eq 0 ] && echo "passed in $2 s" || echo "FAILED after $2 s"; }

# The Node 24 pass's preparation (fetching Node 24, building its copies of the V8 addons: about
# 4 minutes on 2 cores the first time, nothing after) runs beside the Node 20 pass, whose
# suites run one at a time and mostly on one core. At the lowest priority it takes only the
# idle core, so the tests' own timing is as without it.
mkdir -p build
nice -n 19 node scripts/node24-prepare.js > build/node24-prepare.log 2>&1 &
preparing=$!
trap 'kill $preparing 2>/dev/null' EXIT

echo "fer-ga: the test suite on Node $(node --version)"
FER_GA_TEST_NODE=$(node -p "process.versions.node.split('.')[0]") node node_modules/jest/bin/jest.js "$@"
node20=$?
first=$SECONDS
# A preparation that failed here is run again by the Node 24 pass, which then shows why.
wait $preparing
cat build/node24-prepare.log
node scripts/test-node24.js "$@"
node24=$?
echo "fer-ga: tests on Node $(node --version) $(verdict $node20 $first); on Node 24 $(verdict $node24 $((SECONDS - first)))"
[ $node20 -eq 0 ] && [ $node24 -eq 0 ]

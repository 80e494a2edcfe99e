#!/usr/bin/env bash
# Lints the package as npm would publish it: packs it (prepack builds dist/), then runs publint
# and @arethetypeswrong/cli on the tarball. Offline: both are devDependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
tarball="$dir/$(npm pack --silent --pack-destination "$dir" | tail -n 1)"
npx --no-install publint run "$tarball" --strict
# require('aril') works through Node's require() of ES modules (Node >= 20.19; see README,
# "Install and use"), so the CommonJS resolution reaching an ES module is intended.
npx --no-install attw "$tarball" --ignore-rules cjs-resolves-to-esm

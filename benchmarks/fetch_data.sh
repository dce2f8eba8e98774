#!/usr/bin/env bash
# Fetch the large benchmark inputs into benchmarks/data/ (git-ignored; never committed).
# Only benchmarks need this; the tests and the demo use the small data bundled in
# python/flern/data/. Needs npm (it talks only to the npm registry).
#
#   bash benchmarks/fetch_data.sh     -> benchmarks/data/flights-3m.parquet
set -euo pipefail

VEGA_DATASETS_VERSION=3.2.1
FLIGHTS_SHA256=dbeb920c90f59b6ccaff823dcc3d08f25a97fa1ce128d93f40be4e931f5900b0

cd "$(dirname "${BASH_SOURCE[0]}")"
mkdir -p data
out=data/flights-3m.parquet

if [[ -f "$out" ]] && echo "$FLIGHTS_SHA256  $out" | sha256sum -c --quiet - 2>/dev/null; then
    echo "$out is already here"
    exit 0
fi

command -v npm >/dev/null || { echo "error: npm is needed to fetch vega-datasets" >&2; exit 1; }
tgz="data/vega-datasets-$VEGA_DATASETS_VERSION.tgz"
echo "==> npm pack vega-datasets@$VEGA_DATASETS_VERSION (about 17 MB)"
npm pack --silent --pack-destination data "vega-datasets@$VEGA_DATASETS_VERSION" >/dev/null
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
tar -xzf "$tgz" -C "$tmp" package/data/flights-3m.parquet
mv "$tmp/package/data/flights-3m.parquet" "$out"
rm -f "$tgz"
echo "$FLIGHTS_SHA256  $out" | sha256sum -c -
echo "==> $out ready ($(du -h "$out" | cut -f1))"

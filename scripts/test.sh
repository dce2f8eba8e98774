#!/usr/bin/env bash
# The one test command, for developers and CI alike (.ci/run calls it):
#   1. pip install -e '.[test]'   (builds libflern.so in place with go)
#   2. go vet ./...
#   3. gofmt -l                   (fails if any file needs formatting)
#   4. go test ./...
#   5. python -m pytest -q python/tests   (no tests collected counts as a failure)
#   6. the same suite on the reference path: every optional optimizer pass off
#      (FLERN_NO_OPT=1) and the reference interpreter as executor (FLERN_EXECUTOR=interp):
#      the optimized, runtime-executed plans must give the reference answers on the whole suite
#   7. the suite again with native code generation off (FLERN_CODEGEN=0): fused loops run on
#      the Go evaluator of the loop IR (golib/lower), which must give the same answers
# Uses the python3 on PATH; set PYTHON=/path/to/python to choose another.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-python3}"

stage() { printf '\n==> [%s] %s\n' "$1" "$2"; }

stage 1/7 "installing flern and its test dependencies: pip install -e '.[test]'"
"$PYTHON" -m pip install --disable-pip-version-check --progress-bar off -e '.[test]'

stage 2/7 "go vet ./..."
go vet ./...

stage 3/7 "gofmt -l (every Go file must be gofmt-clean)"
mapfile -t gofiles < <(find . \
    \( -path './.*' -o -name testdata -o -name vendor -o -name node_modules -o -path ./build \) -prune \
    -o -type f -name '*.go' -print | sort)
if ((${#gofiles[@]})); then
    unformatted="$(gofmt -l "${gofiles[@]}")"
    if [[ -n "$unformatted" ]]; then
        echo "these files need gofmt (run: gofmt -w <file>):" >&2
        echo "$unformatted" >&2
        exit 1
    fi
fi
echo "gofmt: ${#gofiles[@]} files clean"

stage 4/7 "go test ./..."
go test ./...

stage 5/7 "python -m pytest -q python/tests"
rc=0
"$PYTHON" -m pytest -q python/tests || rc=$?
if ((rc == 5)); then
    echo "pytest collected no tests in python/tests: that is a failure" >&2
    exit 1
elif ((rc != 0)); then
    echo "pytest failed (exit $rc)" >&2
    exit "$rc"
fi

stage 6/7 "python -m pytest -q python/tests on the reference path (FLERN_NO_OPT=1 FLERN_EXECUTOR=interp)"
FLERN_NO_OPT=1 FLERN_EXECUTOR=interp "$PYTHON" -m pytest -q -p no:cacheprovider python/tests

stage 7/7 "python -m pytest -q python/tests with codegen off (FLERN_CODEGEN=0: fused loops on the Go evaluator)"
FLERN_CODEGEN=0 "$PYTHON" -m pytest -q -p no:cacheprovider python/tests

printf '\n==> all stages passed\n'

#!/usr/bin/env bash
# The one test command, for developers and CI alike (.ci/run calls it):
#   1. pip install -e '.[test]'   (builds libflern.so in place with go)
#   2. go vet ./...
#   3. gofmt -l                   (fails if any file needs formatting)
#   4. go test ./...
#   5. python -m pytest -q python/tests   (no tests collected counts as a failure)
# Uses the python3 on PATH; set PYTHON=/path/to/python to choose another.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-python3}"

stage() { printf '\n==> [%s] %s\n' "$1" "$2"; }

stage 1/5 "installing flern and its test dependencies: pip install -e '.[test]'"
"$PYTHON" -m pip install --disable-pip-version-check --progress-bar off -e '.[test]'

stage 2/5 "go vet ./..."
go vet ./...

stage 3/5 "gofmt -l (every Go file must be gofmt-clean)"
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

stage 4/5 "go test ./..."
go test ./...

stage 5/5 "python -m pytest -q python/tests"
rc=0
"$PYTHON" -m pytest -q python/tests || rc=$?
if ((rc == 5)); then
    echo "pytest collected no tests in python/tests: that is a failure" >&2
    exit 1
elif ((rc != 0)); then
    echo "pytest failed (exit $rc)" >&2
    exit "$rc"
fi

printf '\n==> all stages passed\n'

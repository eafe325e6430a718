#!/usr/bin/env bash
# Runs BoringSSL's TLS test suite (BoGo) against the handclasp shim.
#
#   tests/bogo/run.sh BORINGSSL_DIR [runner flags...]
#
# BORINGSSL_DIR is a checkout of https://boringssl.googlesource.com/boringssl (or
# github.com/google/boringssl); only its go.mod, ssl/test/runner and util/testresult
# are used. The runner's Go dependencies come from local checkouts, never from the
# network (see README.md):
#
#   GO_DEPS_DIR   a directory with crypto/, sys/ and term/: checkouts of
#                 golang.org/x/{crypto,sys,term} at the versions BoringSSL's go.mod
#                 names (default: tests/bogo/.godeps)
#   GO            the go binary (default: go on PATH); Go 1.27 or newer, whose
#                 crypto/mldsa backs our stand-in for filippo.io/mldsa
#   WORKERS       runner parallelism (default 2)
#   BORINGSSL_COMMIT  the checkout's commit, when BORINGSSL_DIR is not a git work tree
#
# Extra arguments go to the runner, e.g. -test 'Basic-*' or -test.timeout 0.
# Writes tests/bogo/out/results.json (the runner's JSON) and out/summary.txt.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
boringssl="$(cd "${1:?usage: run.sh BORINGSSL_DIR [runner flags...]}" && pwd)"
shift
GO="${GO:-go}"
deps="$(cd "${GO_DEPS_DIR:-$here/.godeps}" && pwd)"
workers="${WORKERS:-2}"
out="$here/out"
mkdir -p "$out"

for d in crypto sys term; do
  [ -f "$deps/$d/go.mod" ] || { echo "missing $deps/$d (see tests/bogo/README.md)" >&2; exit 2; }
done

# 1. The shim, release build, in its own target directory unless one is given.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$here/target}"
(cd "$here" && cargo build --release)
shim="$CARGO_TARGET_DIR/release/bogo-shim"

# 2. The runner, built outside the checkout: BoringSSL's own go.mod requires modules
#    (cloud storage, gRPC, ...) the runner never imports, so the runner and the two
#    packages it imports are copied into a module of the same path whose go.mod names
#    only what the runner needs, each replaced by a local directory.
build="$out/runner-build"
rm -rf "$build"
mkdir -p "$build/ssl/test" "$build/util"
cp -r "$boringssl/ssl/test/runner" "$build/ssl/test/runner"
cp -r "$boringssl/util/testresult" "$build/util/testresult"
ver() { awk -v m="$1" '$1 == m { print $2; exit }' "$boringssl/go.mod"; }
cat > "$build/go.mod" <<EOF
module boringssl.googlesource.com/boringssl.git

go 1.27

require (
	filippo.io/mldsa v0.0.0
	golang.org/x/crypto $(ver golang.org/x/crypto)
	golang.org/x/sys $(ver golang.org/x/sys)
	golang.org/x/term $(ver golang.org/x/term)
)

replace (
	filippo.io/mldsa => $here/go/mldsa
	golang.org/x/crypto => $deps/crypto
	golang.org/x/sys => $deps/sys
	golang.org/x/term => $deps/term
)
EOF
export GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod GONOSUMDB='*' GONOSUMCHECK=1 GOSUMDB=off
export GOWORK=off GOTELEMETRY=off
(cd "$build/ssl/test/runner" && "$GO" test -c -o "$out/runner.test" .)

# 3. Run. The runner must run from its own directory (it reads its key files there).
commit="$(git -C "$boringssl" rev-parse HEAD 2>/dev/null || echo unknown)"
set +e
(cd "$build/ssl/test/runner" && "$out/runner.test" \
  -shim-path "$shim" \
  -shim-config "$here/config.json" \
  -num-workers "$workers" \
  -allow-unimplemented \
  -pipe \
  -json-output "$out/results.json" \
  -test.timeout 0 \
  "$@") > "$out/runner.log" 2>&1
status=$?
set -e

# 4. Every test's name, disabled ones included, for counting the disabled tests (the
#    runner does not): a listing run where the shim answers "unimplemented" at once.
(cd "$build/ssl/test/runner" && BOGO_LIST_ONLY=1 "$out/runner.test" \
  -shim-path "$shim" -shim-config "$here/config.json" -num-workers "$workers" \
  -allow-unimplemented -pipe -include-disabled -json-output "$out/all-tests.json" \
  -test.timeout 0 "$@") > /dev/null 2>&1 || true

# 5. Summary: counts from the runner's JSON (Chromium test-results format).
python3 "$here/summarize.py" "$out/results.json" "$out/runner.log" \
  --boringssl-commit "${BORINGSSL_COMMIT:-$commit}" --go-version "$("$GO" env GOVERSION)" \
  --all-tests "$out/all-tests.json" --config "$here/config.json" \
  > "$out/summary.txt"
cat "$out/summary.txt"
exit "$status"

#!/usr/bin/env bash
# Instruction counts (callgrind) per handshake and per MiB, handclasp and rustls side
# by side (OpenSSL too with IMPLS="handclasp rustls openssl").
#
# Each scenario runs one warm-up unmarked, then N marked handshakes (or MiBs); every
# client call runs inside `endpoint::client_side`, every server call inside
# `endpoint::server_side`, and callgrind counts only inside the one named by
# --toggle-collect. Per side: (Ir(N) - Ir(0)) / N.
set -euo pipefail
cd "$(dirname "$0")"
export CARGO_BUILD_JOBS=1
cargo build --release --quiet
BIN=${CARGO_TARGET_DIR:-$PWD/target}/release/handclasp-peers
IMPLS=${IMPLS:-"handclasp rustls"}
HANDSHAKES=${HANDSHAKES:-20}
MIBS=${MIBS:-5}
# Extra harness flags for every scenario, e.g. FLAGS=--hc-buffered.
FLAGS=${FLAGS:-}
SCENARIOS=${SCENARIOS:-"tls13-ecdsa tls12-ecdsa tls13-resumed tls12-resumed-ticket tls13-aes128gcm-bulk-1mib tls12-aes128gcm-bulk-1mib"}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

ir() { # scenario side iterations -> instructions collected
    valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.out" --collect-atstart=no \
                "--toggle-collect=*$2*" "$BIN" --scenario "$1" --iterations "$3" $FLAGS 2>&1 |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

printf '%-28s %-6s %-10s' scenario side unit
for impl in $IMPLS; do printf ' %14s' "$impl"; done
printf ' %10s\n' "hc/rustls"
for s in $SCENARIOS; do
    case $s in
        *bulk*) n=$MIBS; unit="Ir/MiB"; sides="client_side:send server_side:recv" ;;
        *) n=$HANDSHAKES; unit="Ir/hs"; sides="client_side:client server_side:server" ;;
    esac
    for pair in $sides; do
        side=${pair%%:*}
        printf '%-28s %-6s %-10s' "$s" "${pair##*:}" "$unit"
        declare -A got=()
        for impl in $IMPLS; do
            full=$(ir "$impl-$s" "$side" "$n")
            zero=$(ir "$impl-$s" "$side" 0)
            got[$impl]=$(( (full - zero) / n ))
            printf ' %14s' "${got[$impl]}"
        done
        if [[ -n ${got[handclasp]:-} && -n ${got[rustls]:-} ]]; then
            awk -v a="${got[handclasp]}" -v b="${got[rustls]}" 'BEGIN { printf " %10.2f\n", a / b }'
        else
            echo
        fi
        unset got
    done
done

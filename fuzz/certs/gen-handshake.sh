#!/usr/bin/env bash
# Generates the PKI of the `handshake` fuzz target (a real client and server talking
# through an adversary): an Ed25519 root and an Ed25519 leaf for fuzz.example, whose
# key is kept (hs-leaf.key.der, PKCS#8) because the target's server signs with it.
# Ed25519 signatures are deterministic, so the target's transcripts are reproducible.
# Run once; outputs committed. Throw-away keys, nothing here is secret.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%s\n' "basicConstraints=critical,CA:TRUE" "keyUsage=critical,keyCertSign" > "$tmp/ca.ext"
printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
  "extendedKeyUsage=serverAuth,clientAuth" "subjectAltName=DNS:fuzz.example" > "$tmp/leaf.ext"
openssl genpkey -algorithm ED25519 -out "$tmp/root.key"
openssl req -new -key "$tmp/root.key" -subj "/CN=handclasp handshake fuzz root" -out "$tmp/root.csr"
openssl x509 -req -in "$tmp/root.csr" -signkey "$tmp/root.key" -days 36500 \
  -extfile "$tmp/ca.ext" -set_serial 1 -outform DER -out hs-root.der
openssl genpkey -algorithm ED25519 -outform DER -out hs-leaf.key.der
openssl req -new -key hs-leaf.key.der -keyform DER -subj "/CN=fuzz.example" -out "$tmp/leaf.csr"
openssl x509 -req -in "$tmp/leaf.csr" -CA hs-root.der -CAform DER -CAkey "$tmp/root.key" \
  -days 36500 -extfile "$tmp/leaf.ext" -set_serial 2 -outform DER -out hs-leaf.der

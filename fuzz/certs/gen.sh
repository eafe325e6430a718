#!/usr/bin/env bash
# Generates the small fixed PKI the certificate_chain and pem fuzz targets use.
# Run once; the outputs are committed. Valid for 100 years from generation (late
# 2026); the fuzz targets verify at 2030-01-01. Keys are throw-away; nothing here is secret.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ca_ext="basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash"
leaf_ext="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:fuzz.example,DNS:*.fuzz.example,IP:127.0.0.1"
printf '%s\n' "$ca_ext" > "$tmp/ca.ext"
printf '%s\n' "$leaf_ext" > "$tmp/leaf.ext"
# Root: ECDSA P-256, self-signed.
openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/root.key"
openssl req -new -key "$tmp/root.key" -subj "/CN=handclasp fuzz root" -out "$tmp/root.csr"
openssl x509 -req -in "$tmp/root.csr" -signkey "$tmp/root.key" -days 36500 \
  -extfile "$tmp/ca.ext" -set_serial 1 -sha256 -outform DER -out root.der
# Intermediate: RSA 2048 signed by the root.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/inter.key"
openssl req -new -key "$tmp/inter.key" -subj "/CN=handclasp fuzz intermediate" -out "$tmp/inter.csr"
openssl x509 -req -in "$tmp/inter.csr" -CA root.der -CAkey "$tmp/root.key" -days 36500 \
  -extfile "$tmp/ca.ext" -set_serial 2 -sha256 -outform DER -out intermediate.der
# Leaf: Ed25519 key signed by the intermediate (RSA PKCS#1 SHA-256).
openssl genpkey -algorithm ED25519 -out "$tmp/leaf.key"
openssl req -new -key "$tmp/leaf.key" -subj "/CN=fuzz.example" -out "$tmp/leaf.csr"
openssl x509 -req -in "$tmp/leaf.csr" -CA intermediate.der -CAkey "$tmp/inter.key" -days 36500 \
  -extfile "$tmp/leaf.ext" -set_serial 3 -sha256 -outform DER -out leaf.der
# Seeds for the pem corpus: the keys in PEM and DER forms.
mkdir -p ../corpus/pem
cp "$tmp/leaf.key" ../corpus/pem/ed25519-leaf.key.pem
cp "$tmp/root.key" ../corpus/pem/p256-root.sec1.pem
openssl pkcs8 -topk8 -nocrypt -in "$tmp/root.key" -outform DER -out ../corpus/pem/p256-root.pkcs8.der

#!/usr/bin/env python3
"""Writes the seed corpora in fuzz/corpus/<target>/ from real data.

Sources: the RFC 8448 traces (tests/data/rfc8448.txt), the openssl ClientHello
captures (tests/data/*.hex), the fixed PKI in fuzz/certs/ and the keys in
tests/data/keys/. Run once from anywhere (needs python3 and openssl); the output is
committed. Files the fuzzer found later (crash regressions) are kept: this script only
writes files whose names start with "seed-".
"""

import base64
import os
import re
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATA = os.path.join(ROOT, "tests", "data")
CORPUS = os.path.join(HERE, "corpus")
CERTS = os.path.join(HERE, "certs")
MAX_FILE = 4096


def hexbytes(line):
    """The two-digit hex tokens of a line, as bytes."""
    return bytes(int(t, 16) for t in line.split() if re.fullmatch(r"[0-9a-f]{2}", t))


def rfc8448_values():
    """Every labelled hex value of RFC 8448 as (label, bytes), in document order."""
    lines = open(os.path.join(DATA, "rfc8448.txt")).read().splitlines()
    head = re.compile(r"^\s+(.+?) \((\d+) octets\):\s*(.*)$")
    out = []
    i = 0
    while i < len(lines):
        m = head.match(lines[i])
        if not m:
            i += 1
            continue
        label, n, rest = m.group(1), int(m.group(2)), m.group(3)
        got = hexbytes(rest)
        i += 1
        while len(got) < n and i < len(lines):
            line = lines[i]
            i += 1
            if "[Page" in line or line.startswith("RFC 8448") or not line.strip():
                continue
            got += hexbytes(line)
        out.append((label, got[:n]))
    return out


def write(target, name, data):
    assert len(data) < MAX_FILE, (target, name, len(data))
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def u16(n):
    return n.to_bytes(2, "big")


def record(typ, payload, version=0x0303):
    return bytes([typ]) + u16(version) + u16(len(payload)) + payload


def hello_extension_block(msg):
    """The extension block of a ClientHello (type 1) or ServerHello (type 2)."""
    body = msg[4:]
    at = 2 + 32
    at += 1 + body[at]  # session id
    if msg[0] == 1:
        at += 2 + int.from_bytes(body[at:at + 2], "big")  # cipher suites
        at += 1 + body[at]  # compression methods
    else:
        at += 3  # cipher suite, compression method
    return body[at:]


def extensions(block):
    """The single extensions of an extension block."""
    out = []
    at = 2
    while at + 4 <= len(block):
        n = int.from_bytes(block[at + 2:at + 4], "big")
        out.append(block[at:at + 4 + n])
        at += 4 + n
    return out


def der(name):
    return open(os.path.join(CERTS, name), "rb").read()


def pem(kind, data):
    b64 = base64.encodebytes(data).decode().replace("\n", "")
    lines = [b64[i:i + 64] for i in range(0, len(b64), 64)]
    return ("-----BEGIN %s-----\n%s\n-----END %s-----\n" % (kind, "\n".join(lines), kind)).encode()


def openssl(*args, stdin=None):
    return subprocess.run(["openssl", *args], input=stdin, check=True, capture_output=True).stdout


def main():
    values = rfc8448_values()
    msg_labels = {"ClientHello", "ServerHello", "EncryptedExtensions", "Certificate",
                  "CertificateVerify", "Finished", "NewSessionTicket", "EndOfEarlyData",
                  "CertificateRequest"}
    messages = []
    for label, v in values:
        if label in msg_labels and v not in messages:
            messages.append(v)
    for name in ("openssl_client_hello.hex", "openssl_client_hello_tls12.hex"):
        messages.append(bytes.fromhex(open(os.path.join(DATA, name)).read()))
    payloads = [v for label, v in values if label == "payload"]
    records = [v for label, v in values if label == "complete record"]

    # message: whole messages, multi-message payloads, extension blocks and extensions.
    for i, m in enumerate(messages):
        write("message", "msg-%02d-type%d" % (i, m[0]), m)
    multi = [p for p in payloads if p[0] in (8, 11) and len(p) > 100]
    for i, p in enumerate(multi[:4]):
        write("message", "flight-%02d" % i, p)
    seen = set()
    n = 0
    for m in messages:
        if m[0] not in (1, 2):
            continue
        block = hello_extension_block(m)
        write("message", "extblock-%02d" % n, block)
        n += 1
        for ext in extensions(block):
            if ext not in seen and len(seen) < 45:
                seen.add(ext)
                write("message", "ext-%02d-%04x" % (len(seen), int.from_bytes(ext[:2], "big")), ext)
    # A bare Certificate body (TLS 1.3 form) and a TLS 1.2 Certificate.
    cert13 = next(m for m in messages if m[0] == 11)
    write("message", "certificate13-body", cert13[4:])
    chain = der("leaf.der"), der("intermediate.der")
    certs12 = b"".join(len(c).to_bytes(3, "big") + c for c in chain)
    body12 = len(certs12).to_bytes(3, "big") + certs12
    write("message", "certificate12", bytes([11]) + len(body12).to_bytes(3, "big") + body12)

    # deframer: [config][4 chunk sizes] + stream.
    def deframer_seed(name, stream, config=0, chunks=(0, 0, 0, 0)):
        write("deframer", name, bytes([config, *chunks]) + stream)

    for i, r in enumerate(records[:12]):
        deframer_seed("record-%02d" % i, r, config=i % 4 if len(r) < 290 else 1,
                      chunks=[(0, 0, 0, 0), (1, 1, 1, 1), (7, 3, 200, 0)][i % 3])
    # Whole flights: every record of a handshake back to back.
    deframer_seed("flight-1rtt", b"".join(records[:4]), config=1, chunks=(13, 250, 1, 0))
    deframer_seed("flight-resumed", b"".join(records[12:16]), config=2, chunks=(100, 0, 0, 0))
    # Handshake messages as plaintext records: several per record, and one message
    # split over many records.
    for i, p in enumerate(multi[:3]):
        deframer_seed("multi-%d" % i, record(22, p), config=(i % 3) << 2 | 1)
        frags = b"".join(record(22, p[j:j + 50]) for j in range(0, len(p), 50))
        deframer_seed("split-%d" % i, frags, config=2, chunks=(5, 17, 255, 0))
    for i, m in enumerate(messages[-2:]):
        deframer_seed("openssl-%d" % i, record(22, m, 0x0301), chunks=(3, 0, 0, 0))
    # Records whose payloads are TLS 1.3 inner plaintexts (content, type, padding), so
    # the sealed pass decrypts to every content type.
    inner = [messages[0] + b"\x16", b"\x01\x00\x15", b"GET /\r\n\x17" + bytes(10),
             b"\x14", bytes(8), b"\x01\x16\x00"]
    deframer_seed("inner", b"".join(record(23, p) for p in inner), config=1, chunks=(9, 0, 0, 0))
    # Interleaving: a handshake fragment followed by an alert.
    deframer_seed("interleaved", record(22, messages[0][:30]) + record(21, b"\x02\x28"))
    deframer_seed("ccs", record(20, b"\x01") + record(22, messages[1]), config=3)

    # certificate_chain: [flags] + [u16 len][DER]... + [u16 scheme][signature].
    leaf, inter, root = der("leaf.der"), der("intermediate.der"), der("root.der")
    mark = lambda i: u16(0xfff0 + i)
    lp = lambda d: u16(len(d)) + d
    with tempfile.TemporaryDirectory() as tmp:
        msg = os.path.join(tmp, "msg")
        with open(msg, "wb") as f:
            f.write(b"handclasp fuzz signed message")
        key = os.path.join(HERE, "corpus", "pem", "ed25519-leaf.key.pem")
        sig = openssl("pkeyutl", "-sign", "-rawin", "-inkey", key, "-in", msg)
        # An unrelated self-signed certificate and an expired one (P-384).
        k2 = os.path.join(tmp, "k2")
        openssl("ecparam", "-name", "secp384r1", "-genkey", "-noout", "-out", k2)
        other = openssl("req", "-x509", "-new", "-key", k2, "-subj", "/CN=other.example",
                        "-days", "3650", "-addext", "subjectAltName=DNS:other.example",
                        "-outform", "DER")
        rsa_key = os.path.join(DATA, "keys", "rsa-2048.pkcs8.der")
        rsa_self = openssl("req", "-x509", "-new", "-key", rsa_key, "-keyform", "DER",
                           "-subj", "/CN=fuzz.example", "-days", "1", "-outform", "DER")
    chain_seeds = {
        "genuine-marks": b"\x00" + mark(0) + mark(1),
        "genuine-der": b"\x00" + lp(leaf) + lp(inter),
        "genuine-sig": b"\x00" + mark(0) + mark(1) + u16(0x0807) + sig,
        "genuine-ip": b"\x02" + mark(0) + mark(1) + mark(2),
        "wildcard": b"\x01" + lp(leaf) + mark(1),
        "wrong-name": b"\x03" + mark(0) + mark(1),
        "epoch": b"\x04" + mark(0) + mark(1),
        "client-auth": b"\x08" + mark(0) + mark(1),
        "no-intermediate": b"\x00" + mark(0),
        "reversed": b"\x00" + mark(1) + mark(0),
        "root-as-leaf": b"\x00" + mark(2),
        "intermediate-as-leaf": b"\x00" + lp(inter) + mark(2),
        "other-self-signed": b"\x03" + lp(other) + u16(0x0503) + bytes(8),
        "rsa-self-signed": b"\x00" + lp(rsa_self) + u16(0x0804) + bytes(256),
        "rfc8448-cert": b"\x00" + lp(cert13[4 + 1 + 3 + 3:4 + 1 + 3 + 3 + 0x1b0]) + mark(1),
        "truncated-leaf": b"\x00" + lp(leaf[:300]) + mark(1),
        "empty": b"\x00" + u16(0),
    }
    for name, data in chain_seeds.items():
        write("certificate_chain", name, data)

    # pem: certificate bundles, PEM keys, raw DER keys.
    keys = os.path.join(DATA, "keys")
    write("pem", "root.pem", pem("CERTIFICATE", root))
    write("pem", "bundle.pem", pem("CERTIFICATE", root) + pem("CERTIFICATE", inter)
          + pem("CERTIFICATE", leaf))
    write("pem", "mixed.pem", b"junk before\n" + pem("CERTIFICATE", root)
          + open(os.path.join(HERE, "corpus", "pem", "ed25519-leaf.key.pem"), "rb").read()
          + pem("CERTIFICATE", b"not a certificate"))
    write("pem", "bad-base64.pem", b"-----BEGIN CERTIFICATE-----\nMII*&^\n-----END CERTIFICATE-----\n")
    write("pem", "unterminated.pem", b"-----BEGIN CERTIFICATE-----\nMIIB\n")
    write("pem", "root.der", root)
    for name, kind in [("ecdsa-p256.pkcs8.der", "PRIVATE KEY"),
                       ("ecdsa-p256.sec1.der", "EC PRIVATE KEY"),
                       ("ecdsa-p384.pkcs8.der", "PRIVATE KEY"),
                       ("ecdsa-p384.sec1.der", "EC PRIVATE KEY"),
                       ("ecdsa-p521.sec1.der", "EC PRIVATE KEY"),
                       ("ed25519.pkcs8.der", "PRIVATE KEY"),
                       ("rsa-2048.pkcs1.der", "RSA PRIVATE KEY"),
                       ("rsa-2048.pkcs8.der", "PRIVATE KEY"),
                       ("rsa-1024.pkcs1.der", "RSA PRIVATE KEY")]:
        raw = open(os.path.join(keys, name), "rb").read()
        write("pem", name, raw)
        write("pem", name.replace(".der", ".pem"), pem(kind, raw))


if __name__ == "__main__":
    main()

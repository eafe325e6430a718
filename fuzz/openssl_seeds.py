#!/usr/bin/env python3
"""Records seeds from OpenSSL for the `client` and `server` fuzz targets.

server: the ClientHellos `openssl s_client` sent (tests/data/openssl_client_hello*.hex),
each in a record. client: what `openssl s_server` answers to the ClientHello of our
fuzzing client (taken from corpus/server/seed-ours-*): a real ServerHello (OpenSSL's own
key share, extensions and, for TLS 1.2, its certificate and signed key exchange), then
records the fuzzing provider cannot open, so the client fails there.

Run once (needs python3 and openssl); the output is committed. Writes
corpus/{client,server}/seed-openssl-*.
"""
import os, socket, subprocess, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def record(body, version=0x0301):
    return bytes([22, version >> 8, version & 0xFF, len(body) >> 8, len(body) & 0xFF]) + body


def write(target, name, data):
    with open(os.path.join(HERE, "corpus", target, name), "wb") as f:
        f.write(data)


def first_record(data):
    n = 5 + int.from_bytes(data[3:5], "big")
    return data[:n]


def s_server_answer(client_hello, version_flag):
    with tempfile.TemporaryDirectory() as tmp:
        key, cert = os.path.join(tmp, "k.pem"), os.path.join(tmp, "c.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert,
                        "-subj", "/CN=fuzz.example", "-days", "30"],
                       check=True, capture_output=True)
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        sock.close()
        server = subprocess.Popen(["openssl", "s_server", "-accept", "127.0.0.1:%d" % port,
                                   "-key", key, "-cert", cert, version_flag, "-naccept", "1",
                                   "-quiet"], stdin=subprocess.PIPE,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                try:
                    conn = socket.create_connection(("127.0.0.1", port), timeout=2)
                    break
                except OSError:
                    time.sleep(0.05)
            conn.sendall(client_hello)
            answer, deadline = b"", time.time() + 2
            conn.settimeout(0.5)
            while time.time() < deadline:
                try:
                    chunk = conn.recv(65536)
                except socket.timeout:
                    break
                if not chunk:
                    break
                answer += chunk
            conn.close()
            return answer
        finally:
            server.kill()


def main():
    for name, cfg in (("openssl_client_hello.hex", 0), ("openssl_client_hello_tls12.hex", 2)):
        body = bytes.fromhex(open(os.path.join(ROOT, "tests", "data", name)).read().strip())
        write("server", "seed-openssl-" + name[len("openssl_"):-4].replace("_", "-"),
              bytes([cfg, 0, 0, 0, 0]) + record(body))
    for ours, flag in (("seed-ours-tls13-full", "-tls1_3"), ("seed-ours-tls12-full-ecdsa", "-tls1_2")):
        server_seed = open(os.path.join(HERE, "corpus", "server", ours), "rb").read()
        client_seed = open(os.path.join(HERE, "corpus", "client", ours), "rb").read()
        answer = s_server_answer(first_record(server_seed[5:]), flag)
        assert answer, "s_server sent nothing"
        write("client", "seed-openssl-s-server" + flag, client_seed[:5] + answer)


main()

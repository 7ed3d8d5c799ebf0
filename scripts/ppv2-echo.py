#!/usr/bin/env python3
"""A PrivateLink target for trying awsemu's data plane: a TCP echo server that
reads the Proxy Protocol v2 header awsemu sends first (when the target group
has proxy_protocol_v2.enabled), greets the caller with what it learned (the
consumer's address and its VPC endpoint id, from the AWS TLV 0xEA/0x01), then
echoes every line back.

    python3 scripts/ppv2-echo.py [PORT]        (default 9000, on 127.0.0.1)

and a consumer for trying it (no nc needed): sends MESSAGE, prints the
greeting and the echo:

    python3 scripts/ppv2-echo.py connect HOST:PORT [MESSAGE]
"""
from __future__ import annotations

import socket
import socketserver
import struct
import sys

SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"


def read_exact(sock: socket.socket, n: int) -> bytes:
    out = b""
    while len(out) < n:
        chunk = sock.recv(n - len(out))
        if not chunk:
            raise EOFError
        out += chunk
    return out


def parse_ppv2(sock: socket.socket) -> dict:
    """Reads a PPv2 header: {'source': (ip, port), 'destination': (ip, port), 'vpce': id}."""
    head = read_exact(sock, 16)
    if head[:12] != SIGNATURE:
        raise ValueError("no PROXY protocol v2 signature")
    fam = head[13]
    length = struct.unpack("!H", head[14:16])[0]
    body = read_exact(sock, length)
    info: dict = {"vpce": None}
    if fam >> 4 == 1:  # AF_INET
        src, dst = socket.inet_ntoa(body[0:4]), socket.inet_ntoa(body[4:8])
        sport, dport = struct.unpack("!HH", body[8:12])
        tlvs = body[12:]
    elif fam >> 4 == 2:  # AF_INET6
        src = socket.inet_ntop(socket.AF_INET6, body[0:16])
        dst = socket.inet_ntop(socket.AF_INET6, body[16:32])
        sport, dport = struct.unpack("!HH", body[32:36])
        tlvs = body[36:]
    else:
        src = dst = None
        sport = dport = 0
        tlvs = b""
    info["source"], info["destination"] = (src, sport), (dst, dport)
    while len(tlvs) >= 3:
        kind, size = tlvs[0], struct.unpack("!H", tlvs[1:3])[0]
        value, tlvs = tlvs[3:3 + size], tlvs[3 + size:]
        if kind == 0xEA and value[:1] == b"\x01":
            info["vpce"] = value[1:].decode()
    return info


class Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        try:
            info = parse_ppv2(self.request)
        except (EOFError, ValueError, OSError):
            return  # a health check (connect and close), or not PPv2
        src = "%s:%d" % info["source"]
        print(f"connection from {src} through {info['vpce']}", flush=True)
        self.request.sendall(f"hello {src} from {info['vpce']}\n".encode())
        while data := self.request.recv(65536):
            self.request.sendall(data)


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def connect(addr: str, message: str) -> None:
    host, port = addr.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=5) as s:
        s.sendall(message.encode() + b"\n")
        got = b""
        while got.count(b"\n") < 2:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
        sys.stdout.write(got.decode(errors="replace"))
        if got.count(b"\n") < 2:
            print("(connection closed)")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "connect":
        connect(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "hi")
        sys.exit(0)
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9000
    with Server(("127.0.0.1", port), Handler) as s:
        print(f"ppv2-echo listening on 127.0.0.1:{port}", flush=True)
        s.serve_forever()

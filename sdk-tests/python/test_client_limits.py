"""What one client may take of awsemu (issue 19, limits of one client): a
request's headers are bounded in size and number, a client that trickles
its headers or its body — or sits idle on a kept-alive connection — is
closed after the read timeout, malformed HTTP is answered and closed, and
the connections served at once are bounded (more wait their turn). Raw
sockets, as a misbehaving client would send them."""
import socket
import time

import pytest

BODY = b"Version=2016-11-15&Action=DescribeVpcs"


def connect(endpoint: str) -> socket.socket:
    host, port = endpoint.removeprefix("http://").rstrip("/").split(":")
    s = socket.create_connection((host, int(port)), timeout=10)
    return s


def request(body: bytes = BODY, extra: bytes = b"") -> bytes:
    return (b"POST / HTTP/1.1\r\nHost: localhost\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n" + extra +
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


def read_response(s: socket.socket) -> bytes:
    """One whole response (by Content-Length), or what came before the close."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        chunk = s.recv(65536)
        if not chunk:
            break
        rest += chunk
    return head + b"\r\n\r\n" + rest


def status(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


def closed(s: socket.socket, within: float) -> bool:
    s.settimeout(within)
    try:
        while True:
            if not s.recv(65536):
                return True
    except (socket.timeout, TimeoutError):
        return False
    except ConnectionResetError:
        return True


@pytest.fixture(scope="module")
def quick(awsemu_launcher):
    """An emulator with a one-second read timeout and two connection slots."""
    endpoint, stop = awsemu_launcher("--read-timeout", "1", "--max-connections", "2")
    yield endpoint
    stop()


def test_headers_too_large_or_too_many_are_refused(awsemu_endpoint):
    s = connect(awsemu_endpoint)
    s.sendall(request(extra=b"X-Big: " + b"a" * 70_000 + b"\r\n"))
    assert status(read_response(s)) == 431
    assert closed(s, 5)
    s = connect(awsemu_endpoint)
    s.sendall(request(extra=b"".join(b"X-H%d: v\r\n" % i for i in range(150))))
    assert status(read_response(s)) == 431
    # A request just under both limits is served.
    s = connect(awsemu_endpoint)
    s.sendall(request(extra=b"".join(b"X-H%d: v\r\n" % i for i in range(80)) + b"X-Big: " + b"a" * 30_000 + b"\r\n"))
    r = read_response(s)
    assert status(r) == 200 and b"<vpcSet>" in r


def test_malformed_http_is_answered_and_closed(awsemu_endpoint):
    s = connect(awsemu_endpoint)
    s.sendall(b"NOT HTTP AT ALL\r\n\r\n")
    r = read_response(s)
    assert status(r) == 400 and b"connection: close" in r.lower()
    assert closed(s, 5)
    # HTTP/2 prior knowledge to an HTTP/1.1 server: closed without an answer.
    s = connect(awsemu_endpoint)
    s.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
    assert read_response(s) == b""
    assert closed(s, 5)


def test_trickled_headers_are_cut_off(quick):
    s = connect(quick)
    s.sendall(b"POST / HTTP/1.1\r\nHost: localhost\r\n")
    started = time.monotonic()
    assert closed(s, 5)
    assert time.monotonic() - started < 4


def test_a_trickled_body_gets_request_timeout(quick):
    s = connect(quick)
    whole = request()
    s.sendall(whole[:-10])  # the headers and all but the last ten bytes
    r = read_response(s)
    assert status(r) == 400, r
    assert b"<Code>RequestTimeout</Code>" in r
    assert b"connection: close" in r.lower()
    assert closed(s, 5)


def test_idle_kept_alive_connections_are_closed_and_slots_are_bounded(quick):
    # Two slots: two clients are served and keep their connections.
    a, b = connect(quick), connect(quick)
    for s in (a, b):
        s.sendall(request())
        assert status(read_response(s)) == 200
    # A third waits for a slot...
    c = connect(quick)
    c.sendall(request())
    c.settimeout(0.4)
    with pytest.raises((socket.timeout, TimeoutError)):
        c.recv(1)
    # ...which frees when an idle connection is closed (after the read
    # timeout): then it is served.
    c.settimeout(10)
    assert status(read_response(c)) == 200
    assert closed(a, 5) and closed(b, 5)


def test_a_deep_cluster_query_is_refused_and_the_server_lives_on(awsemu_endpoint):
    """A filter nested or chained past what the parser takes is an
    InvalidParameterException, not a worker's stack exhausted (found by the
    cluster_query fuzz target's review)."""
    import botocore.exceptions

    from conftest import make_client

    ecs = make_client(awsemu_endpoint, "ecs")
    ecs.create_cluster(clusterName="deep")
    for expr in ["(" * 900 + "attribute:x == y" + ")" * 900,
                 " or ".join(["attribute:x == y"] * 40000)]:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            ecs.list_container_instances(cluster="deep", filter=expr)
        assert e.value.response["Error"]["Code"] == "InvalidParameterException"
    assert ecs.list_container_instances(
        cluster="deep", filter="attribute:x == y")["containerInstanceArns"] == []

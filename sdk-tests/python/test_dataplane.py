"""boto3 + sockets: the PrivateLink data plane (issue 20).

The provider 111111111111 builds, with boto3, an internal NLB with a TCP
listener on 443 forwarding to an ip target group with Proxy Protocol v2, and
an endpoint service on it that requires acceptance and allows the consumer
222222222222. The target is bound through ``POST /_awsemu/dataplane/targets``
to a local echo server that parses the PPv2 header. The consumer creates an
interface endpoint, reads ``GET /_awsemu/dataplane`` to find where to dial,
and connects with ``socket``: the target sees the endpoint id and a source
address in the consumer's subnet. Pending, rejected and deleted endpoints
refuse; rejecting an endpoint closes its live connections; a target that
fails its (real) health checks gets no traffic and DescribeTargetHealth says
``unhealthy`` with ``Target.FailedHealthChecks``.
"""
from __future__ import annotations

import http.server
import ipaddress
import socket
import socketserver
import ssl
import struct
import threading
import time
from pathlib import Path

import pytest
import requests

from awsemu_helpers import default_subnets

PROVIDER = "111111111111"
CONSUMER = "222222222222"
AZS = ("us-east-1a", "us-east-1b")
SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"


def read_exact(sock: socket.socket, n: int) -> bytes:
    out = b""
    while len(out) < n:
        chunk = sock.recv(n - len(out))
        if not chunk:
            raise EOFError
        out += chunk
    return out


class PpEcho:
    """A local TCP echo server that reads a PPv2 header first and records
    (source ip, source port, destination port, vpce id) of each connection."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, int, int, str | None]] = []
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                try:
                    head = read_exact(self.request, 16)
                except (EOFError, OSError):
                    return  # a TCP health check: connect, close
                assert head[:12] == SIGNATURE, head
                assert head[12] == 0x21  # version 2, PROXY
                assert head[13] == 0x11  # TCP over IPv4
                body = read_exact(self.request, struct.unpack("!H", head[14:16])[0])
                src = socket.inet_ntoa(body[0:4])
                sport, dport = struct.unpack("!HH", body[8:12])
                tlvs, vpce = body[12:], None
                while len(tlvs) >= 3:
                    kind, size = tlvs[0], struct.unpack("!H", tlvs[1:3])[0]
                    value, tlvs = tlvs[3:3 + size], tlvs[3 + size:]
                    if kind == 0xEA and value[:1] == b"\x01":
                        vpce = value[1:].decode()
                outer.seen.append((src, sport, dport, vpce))
                try:
                    while data := self.request.recv(65536):
                        self.request.sendall(data)
                except OSError:
                    pass

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.addr = "127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def echo():
    e = PpEcho()
    yield e
    e.close()


def dead_addr() -> str:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    addr = "127.0.0.1:%d" % s.getsockname()[1]
    s.close()
    return addr


class Link:
    """The provider's service and the consumer's side, built with boto3."""

    def __init__(self, url: str, client_for) -> None:
        self.url = url
        self.p_ec2 = client_for(url, "ec2", PROVIDER)
        self.p_elb = client_for(url, "elbv2", PROVIDER)
        self.c_ec2 = client_for(url, "ec2", CONSUMER)
        subnets = default_subnets(self.p_ec2)
        vpc = self.p_ec2.describe_vpcs(
            Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
        sub = self.p_ec2.describe_subnets(SubnetIds=[subnets[AZS[0]]])["Subnets"][0]
        net = ipaddress.ip_network(sub["CidrBlock"])
        self.target_ips = [str(net[25]), str(net[26])]
        self.nlb = self.p_elb.create_load_balancer(
            Name="echo-nlb", Type="network", Scheme="internal",
            Subnets=[subnets[az] for az in AZS])["LoadBalancers"][0]
        self.tg = self.p_elb.create_target_group(
            Name="echo", Protocol="TCP", Port=8080, VpcId=vpc, TargetType="ip",
            HealthCheckIntervalSeconds=10, HealthyThresholdCount=2,
            UnhealthyThresholdCount=2)["TargetGroups"][0]["TargetGroupArn"]
        self.p_elb.modify_target_group_attributes(
            TargetGroupArn=self.tg,
            Attributes=[{"Key": "proxy_protocol_v2.enabled", "Value": "true"}])
        self.p_elb.register_targets(
            TargetGroupArn=self.tg, Targets=[{"Id": self.target_ips[0], "Port": 8080}])
        self.p_elb.create_listener(
            LoadBalancerArn=self.nlb["LoadBalancerArn"], Protocol="TCP", Port=443,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": self.tg}])
        svc = self.p_ec2.create_vpc_endpoint_service_configuration(
            NetworkLoadBalancerArns=[self.nlb["LoadBalancerArn"]],
            AcceptanceRequired=True)["ServiceConfiguration"]
        self.service_id, self.service_name = svc["ServiceId"], svc["ServiceName"]
        self.p_ec2.modify_vpc_endpoint_service_permissions(
            ServiceId=self.service_id,
            AddAllowedPrincipals=[f"arn:aws:iam::{CONSUMER}:root"])
        self.c_subnets = default_subnets(self.c_ec2)
        self.c_vpc = self.c_ec2.describe_vpcs(
            Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]

    def bind(self, ip: str, local: str | None) -> None:
        r = requests.post(f"{self.url}/_awsemu/dataplane/targets", json={
            "targetGroupArn": self.tg, "id": ip, "port": 8080, "local": local}, timeout=30)
        assert r.status_code == 200, r.text

    def endpoint(self, azs=AZS) -> dict:
        return self.c_ec2.create_vpc_endpoint(
            VpcId=self.c_vpc, ServiceName=self.service_name, VpcEndpointType="Interface",
            SubnetIds=[self.c_subnets[az] for az in azs])["VpcEndpoint"]

    def accept(self, vpce: str) -> None:
        out = self.p_ec2.accept_vpc_endpoint_connections(
            ServiceId=self.service_id, VpcEndpointIds=[vpce])
        assert out["Unsuccessful"] == []

    def consumer_cidrs(self, vpce: str) -> list:
        ep = self.c_ec2.describe_vpc_endpoints(VpcEndpointIds=[vpce])["VpcEndpoints"][0]
        subs = self.c_ec2.describe_subnets(SubnetIds=ep["SubnetIds"])["Subnets"]
        return [ipaddress.ip_network(s["CidrBlock"]) for s in subs]

    def discovery(self) -> dict:
        r = requests.get(f"{self.url}/_awsemu/dataplane", timeout=30)
        assert r.status_code == 200, r.text
        return r.json()

    def listener(self, vpce: str, port: int = 443) -> tuple[str, int] | None:
        for e in self.discovery()["endpoints"]:
            if e["vpcEndpointId"] == vpce:
                for l in e["listeners"]:
                    if l["port"] == port:
                        host, p = l["local"].rsplit(":", 1)
                        return host, int(p)
        return None

    def health(self) -> dict[str, dict]:
        out = self.p_elb.describe_target_health(TargetGroupArn=self.tg)
        return {d["Target"]["Id"]: d["TargetHealth"] for d in out["TargetHealthDescriptions"]}

    def wait_health(self, ip: str, state: str, timeout: float = 10.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            h = self.health()[ip]
            if h["State"] == state or time.monotonic() > deadline:
                return h
            time.sleep(0.05)


@pytest.fixture
def link(awsemu_endpoint, client_for):
    return Link(awsemu_endpoint, client_for)


def talk(addr, msg: bytes) -> bytes:
    with socket.create_connection(addr, timeout=5) as s:
        s.sendall(msg)
        return read_exact(s, len(msg))


def is_closed(s: socket.socket) -> bool:
    s.settimeout(3)
    try:
        s.sendall(b"x")
        while True:
            data = s.recv(1024)
            if not data:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def test_consumer_reaches_target_through_accepted_endpoint(link, echo):
    link.bind(link.target_ips[0], echo.addr)
    assert link.wait_health(link.target_ips[0], "healthy")["State"] == "healthy"
    ep = link.endpoint()
    vpce = ep["VpcEndpointId"]
    assert ep["State"] == "pendingAcceptance"
    assert link.listener(vpce) is None
    link.accept(vpce)
    addr = link.listener(vpce)
    assert addr is not None

    found = [e for e in link.discovery()["endpoints"] if e["vpcEndpointId"] == vpce][0]
    described = link.c_ec2.describe_vpc_endpoints(VpcEndpointIds=[vpce])["VpcEndpoints"][0]
    assert found["state"] == "available"
    assert set(found["dnsNames"]) <= {d["DnsName"] for d in described["DnsEntries"]}
    assert found["listeners"][0]["protocol"] == "TCP"

    with socket.create_connection(addr, timeout=5) as s:
        s.sendall(b"hello provider")
        assert read_exact(s, 14) == b"hello provider"
        client_port = s.getsockname()[1]
    src, sport, dport, seen_vpce = echo.seen[-1]
    assert seen_vpce == vpce
    assert any(ipaddress.ip_address(src) in n for n in link.consumer_cidrs(vpce)), src
    eni_ips = {n["PrivateIpAddress"] for n in link.c_ec2.describe_network_interfaces(
        NetworkInterfaceIds=described["NetworkInterfaceIds"])["NetworkInterfaces"]}
    assert src in eni_ips
    assert sport == client_port
    assert dport == 443


def test_a_consumer_in_another_region_reaches_the_target(link, echo, client_for):
    # Cross-Region PrivateLink: the service (us-east-1) supports us-west-2;
    # the consumer's endpoint there gets listeners once accepted.
    west = "us-west-2"
    link.p_ec2.modify_vpc_endpoint_service_configuration(
        ServiceId=link.service_id, AddSupportedRegions=[west])
    link.bind(link.target_ips[0], echo.addr)
    c = client_for(link.url, "ec2", CONSUMER, region=west)
    vpc = c.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    subnets = default_subnets(c)
    ep = c.create_vpc_endpoint(
        VpcId=vpc, ServiceName=link.service_name, VpcEndpointType="Interface",
        ServiceRegion="us-east-1", SubnetIds=[subnets["us-west-2a"]])["VpcEndpoint"]
    vpce = ep["VpcEndpointId"]
    assert link.listener(vpce) is None
    link.accept(vpce)
    for _ in range(100):
        if c.describe_vpc_endpoints(VpcEndpointIds=[vpce])["VpcEndpoints"][0]["State"] == "available":
            break
        time.sleep(0.05)
    addr = link.listener(vpce)
    assert addr is not None
    found = [e for e in link.discovery()["endpoints"] if e["vpcEndpointId"] == vpce][0]
    described = c.describe_vpc_endpoints(VpcEndpointIds=[vpce])["VpcEndpoints"][0]
    assert found["dnsNames"] == [d["DnsName"] for d in described["DnsEntries"]]

    with socket.create_connection(addr, timeout=5) as s:
        s.sendall(b"from the west")
        assert read_exact(s, 13) == b"from the west"
    src, _, dport, seen_vpce = echo.seen[-1]
    assert (seen_vpce, dport) == (vpce, 443)
    eni_ips = {n["PrivateIpAddress"] for n in c.describe_network_interfaces(
        NetworkInterfaceIds=described["NetworkInterfaceIds"])["NetworkInterfaces"]}
    assert src in eni_ips

    # Rejected from us-east-1: the listener in us-west-2 goes.
    link.p_ec2.reject_vpc_endpoint_connections(ServiceId=link.service_id, VpcEndpointIds=[vpce])
    for _ in range(100):
        if link.listener(vpce) is None:
            break
        time.sleep(0.05)
    assert link.listener(vpce) is None


def test_pending_rejected_and_deleted_endpoints_refuse(link, echo):
    link.bind(link.target_ips[0], echo.addr)
    link.wait_health(link.target_ips[0], "healthy")
    pending = link.endpoint()["VpcEndpointId"]
    assert link.listener(pending) is None

    rejected = link.endpoint()["VpcEndpointId"]
    link.accept(rejected)
    addr = link.listener(rejected)
    live = socket.create_connection(addr, timeout=5)
    live.sendall(b"before")
    assert read_exact(live, 6) == b"before"
    out = link.p_ec2.reject_vpc_endpoint_connections(
        ServiceId=link.service_id, VpcEndpointIds=[rejected])
    assert out["Unsuccessful"] == []
    assert link.c_ec2.describe_vpc_endpoints(
        VpcEndpointIds=[rejected])["VpcEndpoints"][0]["State"] == "rejected"
    assert link.listener(rejected) is None
    assert is_closed(live), "rejecting the endpoint left its connection open"
    live.close()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(addr, timeout=5)

    deleted = link.endpoint()["VpcEndpointId"]
    link.accept(deleted)
    addr = link.listener(deleted)
    assert talk(addr, b"ping") == b"ping"
    link.c_ec2.delete_vpc_endpoints(VpcEndpointIds=[deleted])
    assert link.listener(deleted) is None
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(addr, timeout=5)


def test_unhealthy_target_gets_no_traffic(link, echo):
    good, bad = link.target_ips
    link.p_elb.register_targets(TargetGroupArn=link.tg, Targets=[{"Id": bad, "Port": 8080}])
    link.bind(good, echo.addr)
    link.bind(bad, dead_addr())
    assert link.wait_health(good, "healthy")["State"] == "healthy"
    h = link.wait_health(bad, "unhealthy")
    assert h["State"] == "unhealthy"
    assert h["Reason"] == "Target.FailedHealthChecks"

    vpce = link.endpoint()["VpcEndpointId"]
    link.accept(vpce)
    addr = link.listener(vpce)
    for i in range(20):
        msg = b"conn %d" % i
        assert talk(addr, msg) == msg
    assert len(echo.seen) == 20

    # The good target stops answering: its checks fail too.
    echo.close()
    h = link.wait_health(good, "unhealthy")
    assert (h["State"], h["Reason"]) == ("unhealthy", "Target.FailedHealthChecks")


class HttpsTarget:
    """An HTTPS server with a self-signed certificate (``tls/``) answering
    ``GET /health`` with ``status`` (changeable), anything else with 404."""

    def __init__(self) -> None:
        self.status = 200
        self.paths: list[str] = []
        target = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                target.paths.append(self.path)
                self.send_response(target.status if self.path == "/health" else 404)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        here = Path(__file__).parent / "tls"
        tls.load_cert_chain(here / "target.pem", here / "target.key")
        self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.addr = "127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_https_health_checks_speak_tls_and_match_the_code(link, echo):
    # The group's checks: HTTPS GET /health, 200 only. A self-signed
    # certificate is fine (NLB does not validate it); a target that does not
    # speak TLS fails; the code must match.
    link.p_elb.modify_target_group(
        TargetGroupArn=link.tg, HealthCheckProtocol="HTTPS", HealthCheckPath="/health",
        HealthCheckTimeoutSeconds=5, Matcher={"HttpCode": "200"})
    https, plain = link.target_ips
    link.p_elb.register_targets(TargetGroupArn=link.tg, Targets=[{"Id": plain, "Port": 8080}])
    target = HttpsTarget()
    try:
        link.bind(https, target.addr)
        link.bind(plain, echo.addr)
        assert link.wait_health(https, "healthy")["State"] == "healthy"
        assert "/health" in target.paths
        h = link.wait_health(plain, "unhealthy")
        assert (h["State"], h["Reason"]) == ("unhealthy", "Target.FailedHealthChecks")

        target.status = 503
        h = link.wait_health(https, "unhealthy")
        assert (h["State"], h["Reason"]) == ("unhealthy", "Target.ResponseCodeMismatch")
        assert h["Description"] == "Health checks failed with these codes: [503]"
        target.status = 200
        assert link.wait_health(https, "healthy")["State"] == "healthy"
    finally:
        target.close()


def test_unbound_targets_keep_simulated_health(link):
    # No binding: the control plane's health, as before the data plane.
    assert link.wait_health(link.target_ips[0], "healthy")["State"] == "healthy"
    vpce = link.endpoint()["VpcEndpointId"]
    link.accept(vpce)
    addr = link.listener(vpce)
    with socket.create_connection(addr, timeout=5) as s:
        assert is_closed(s), "a connection with no bound target stayed open"


def test_bundled_scenario_binding_round_trips(awsemu_launcher, tmp_path):
    """The bundled scenario binds its target with ``local:``; the export
    keeps the binding, and loading the export gives the same export."""
    from conftest import REPO_ROOT
    scenario = REPO_ROOT / "scenarios" / "privatelink-dataplane.yaml"
    url, stop = awsemu_launcher("--scenario", str(scenario))
    try:
        d = requests.get(f"{url}/_awsemu/dataplane", timeout=30).json()
        eps = {e["vpcEndpointId"]: e for e in d["endpoints"]}
        accepted = eps["vpce-0e000000000000001"]
        assert accepted["state"] == "available"
        assert [(l["port"], l["protocol"], l["proxyProtocolV2"]) for l in accepted["listeners"]] == [
            (443, "TCP", True)]
        assert [t["local"] for t in accepted["listeners"][0]["targets"]] == ["127.0.0.1:9000"]
        assert eps["vpce-0e000000000000002"]["listeners"] == []
        first = requests.get(f"{url}/_awsemu/state", timeout=30).text
    finally:
        stop()
    assert "local: 127.0.0.1:9000" in first or "local: '127.0.0.1:9000'" in first \
        or 'local: "127.0.0.1:9000"' in first, first
    path = tmp_path / "world.yaml"
    path.write_text(first)
    url, stop = awsemu_launcher("--scenario", str(path))
    try:
        second = requests.get(f"{url}/_awsemu/state", timeout=30).text
    finally:
        stop()
    assert second == first

"""awsemu from Python: start the emulator, drive its control API, make boto3
clients pointed at it.

    from awsemu import Awsemu

    with Awsemu() as emu:                  # the `awsemu` binary of this wheel, on a free port
        ec2 = emu.client("ec2")
        ec2.create_vpc(CidrBlock="10.0.0.0/16")
        emu.advance(60)                    # the world clock (pace manual)
        print(emu.events())

The pytest plugin (`awsemu.pytest_plugin`, registered through the `pytest11`
entry point) builds its fixtures on this module. Only the standard library is
needed here; `client()`/`resource()` import boto3 when called.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Optional, Sequence, Union

__all__ = [
    "Awsemu",
    "Account",
    "Fault",
    "AwsemuError",
    "find_binary",
    "new_account_id",
    "DEFAULT_REGION",
    "SECRET_KEY",
]

DEFAULT_REGION = "us-east-1"
# Signatures are not checked unless the server runs with --strict-sigv4, so
# any secret will do; a fixed one keeps requests reproducible.
SECRET_KEY = "awsemu-secret"
# An access key that is not a 12-digit account id: its caller is the world's
# default account (000000000000, or --default-account, or the scenario's).
DEFAULT_ACCESS_KEY = "awsemu"

_LISTEN_RE = re.compile(r"awsemu listening on (http://\S+)")
PathLike = Union[str, "os.PathLike[str]"]


class AwsemuError(RuntimeError):
    """The emulator could not be started, or its control API said no."""


# --------------------------------------------------------------------------
# The binary
# --------------------------------------------------------------------------
def find_binary() -> str:
    """The `awsemu` executable: `$AWSEMU_BIN`, else the one this wheel put
    beside the running interpreter's scripts, else the first on `PATH`."""
    exe = "awsemu.exe" if os.name == "nt" else "awsemu"
    env = os.environ.get("AWSEMU_BIN")
    if env:
        if not os.access(env, os.X_OK):
            raise AwsemuError(f"AWSEMU_BIN={env} is not an executable file")
        return env
    candidates = [
        sysconfig.get_path("scripts"),
        os.path.dirname(sys.executable),
    ]
    try:  # pip install --user
        candidates.append(sysconfig.get_path("scripts", f"{os.name}_user"))
    except KeyError:
        pass
    for folder in candidates:
        if folder:
            path = os.path.join(folder, exe)
            if os.access(path, os.X_OK):
                return path
    found = shutil.which(exe)
    if found:
        return found
    raise AwsemuError(
        "the awsemu binary was not found: install the awsemu wheel "
        "(pip install awsemu), `cargo install --path emulator`, or set AWSEMU_BIN"
    )


_used_accounts: set = set()
_accounts_lock = threading.Lock()


def new_account_id() -> str:
    """A random 12-digit account id, never 000000000000 and never the same
    twice in this process. As an access key id it makes the caller that
    account, whose world starts empty (its default VPCs appear on first use):
    a fresh account per test isolates tests without a reset."""
    with _accounts_lock:
        while True:
            account = f"{secrets.randbelow(10**12 - 10**11) + 10**11:012d}"
            if account not in _used_accounts:
                _used_accounts.add(account)
                return account


# --------------------------------------------------------------------------
# The control API (/_awsemu/...), over the standard library
# --------------------------------------------------------------------------
class _Control:
    """A tiny JSON client of the control API, one kept-alive connection per
    thread."""

    def __init__(self, url: str, timeout: float = 30.0):
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme != "http" or not parsed.hostname:
            raise AwsemuError(f"{url!r} is not an http:// URL")
        self.host = parsed.hostname
        self.port = parsed.port or 80
        self.timeout = timeout
        self._local = threading.local()

    def _conn(self) -> http.client.HTTPConnection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self._local.conn = conn
        return conn

    def request(self, method: str, path: str, body: Any = None,
                expect: Sequence[int] = (200,)) -> Any:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if data is not None else {}
        for attempt in (0, 1):
            conn = self._conn()
            try:
                conn.request(method, path, body=data, headers=headers)
                resp = conn.getresponse()
                raw = resp.read()
                break
            except (http.client.HTTPException, ConnectionError, OSError):
                # A kept-alive connection the server closed: once more, anew.
                conn.close()
                self._local.conn = None
                if attempt:
                    raise
        if resp.status not in expect:
            raise AwsemuError(f"{method} {path}: HTTP {resp.status}: {raw.decode(errors='replace')}")
        ctype = resp.getheader("Content-Type", "")
        if "json" in ctype:
            return json.loads(raw or b"null")
        return raw.decode()

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


# --------------------------------------------------------------------------
# Faults
# --------------------------------------------------------------------------
class Fault:
    """A fault rule on the server (`POST /_awsemu/faults`). As a context
    manager it removes itself on exit."""

    def __init__(self, emu: "Awsemu", rule: Mapping[str, Any]):
        self._emu = emu
        self.rule = dict(rule)
        self.id: str = rule["id"]

    def refresh(self) -> dict:
        """The rule as the server has it now (`hits`, `remaining`, ...);
        `{}` once it is removed."""
        for f in self._emu.faults():
            if f.get("id") == self.id:
                self.rule = dict(f)
                return self.rule
        return {}

    @property
    def hits(self) -> int:
        return int(self.refresh().get("hits", 0))

    def remove(self) -> None:
        self._emu.remove_fault(self.id)

    def __enter__(self) -> "Fault":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()

    def __repr__(self) -> str:
        return f"Fault({self.rule!r})"


def _fault_rule(service: str, operation: str, *, code: Optional[str] = None,
                message: Optional[str] = None, status: Optional[int] = None,
                latency_ms: Optional[int] = None, drop: bool = False,
                probability: Optional[float] = None, count: Optional[int] = None,
                region: Optional[str] = None, account: Optional[str] = None,
                parameters: Optional[Mapping[str, str]] = None) -> dict:
    """The JSON of ``POST /_awsemu/faults``: only the keys given."""
    def given(pairs: dict) -> dict:
        return {k: v for k, v in pairs.items() if v is not None}

    rule: dict = {"service": service, "operation": operation}
    error = given({"code": code, "message": message, "status": status})
    if error:
        rule["error"] = error
    rule.update(given({
        "latencyMs": latency_ms,
        "drop": True if drop else None,
        "probability": probability,
        "count": count,
        "region": region,
        "account": account,
        "parameters": dict(parameters) if parameters else None,
    }))
    return rule


# --------------------------------------------------------------------------
# The emulator
# --------------------------------------------------------------------------
_BOTO_SESSION = None
_BOTO_LOCK = threading.Lock()


def _boto_session():
    """One boto3 session for every client: each session keeps its own copy
    of the service models, and a client per session costs tens of MiB."""
    global _BOTO_SESSION
    with _BOTO_LOCK:
        if _BOTO_SESSION is None:
            try:
                import boto3
            except ImportError as e:  # pragma: no cover - depends on the env
                raise AwsemuError(
                    "boto3 is needed for clients: pip install 'awsemu[boto3]'"
                ) from e
            _BOTO_SESSION = boto3.session.Session()
        return _BOTO_SESSION


class _Clients:
    """What an `Awsemu` and an `Account` share: boto3 clients and the
    environment for code under test, as one caller (access key)."""

    url: str
    region: str
    access_key: str

    def client(self, service: str, region_name: Optional[str] = None, **kwargs: Any):
        """A boto3 client for `service` pointed at the emulator, as this caller."""
        return _boto_session().client(service, **self._client_kwargs(region_name, kwargs))

    def resource(self, service: str, region_name: Optional[str] = None, **kwargs: Any):
        """A boto3 resource (`ec2`) pointed at the emulator, as this caller."""
        return _boto_session().resource(service, **self._client_kwargs(region_name, kwargs))

    def _client_kwargs(self, region_name: Optional[str], kwargs: dict) -> dict:
        out = {
            "region_name": region_name or self.region,
            "endpoint_url": self.url,
            "aws_access_key_id": self.access_key,
            "aws_secret_access_key": SECRET_KEY,
        }
        out.update(kwargs)
        return out

    def env(self) -> dict:
        """Environment variables that point any AWS SDK or the CLI at the
        emulator as this caller (`AWS_ENDPOINT_URL`, credentials, Region)."""
        return {
            "AWS_ENDPOINT_URL": self.url,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
            "AWS_EC2_METADATA_DISABLED": "true",
        }


class Awsemu(_Clients):
    """One awsemu: started here (`Awsemu()` / `start()`), or one already
    running (`Awsemu(url=...)`, or `$AWSEMU_URL` with `Awsemu.from_env()`).

    Arguments of a started one: `scenarios` (files or folders, loaded at start
    and on every reset), `pace` (`immediate`, `realistic`, `manual`), `seed`,
    `default_account`, `args` (more `awsemu serve` flags), `binary`.
    """

    def __init__(self, url: Optional[str] = None, *, scenarios: Iterable[PathLike] = (),
                 pace: Optional[str] = None, seed: Optional[int] = None,
                 default_account: Optional[str] = None, args: Sequence[str] = (),
                 binary: Optional[str] = None, region: str = DEFAULT_REGION,
                 startup_timeout: float = 30.0, access_key: str = DEFAULT_ACCESS_KEY):
        self.region = region
        self.access_key = access_key
        self.scenarios = [str(s) for s in scenarios]
        self.pace = pace
        self.seed = seed
        self.default_account = default_account
        self.args = list(args)
        self.binary = binary
        self.startup_timeout = startup_timeout
        self.process: Optional[subprocess.Popen] = None
        self.log_path: Optional[str] = None
        self._log_dir: Optional[str] = None
        self._url = url.rstrip("/") if url else None
        self._control: Optional[_Control] = _Control(self._url) if self._url else None
        self.external = url is not None

    @classmethod
    def from_env(cls, **kwargs: Any) -> "Awsemu":
        """The emulator at `$AWSEMU_URL` if set (not started nor stopped
        here), else a new one (call `start()`)."""
        url = os.environ.get("AWSEMU_URL")
        return cls(url=url or None, **kwargs)

    # -- lifecycle ----------------------------------------------------------
    @property
    def url(self) -> str:
        """The base URL, e.g. `http://127.0.0.1:41234` (no trailing slash)."""
        if self._url is None:
            raise AwsemuError("awsemu is not started: call start() or use `with Awsemu() as emu`")
        return self._url

    def command(self) -> list:
        cmd = [self.binary or find_binary(), "serve", "--host", "127.0.0.1", "--port", "0"]
        for s in self.scenarios:
            cmd += ["--scenario", s]
        if self.pace:
            cmd += ["--pace", self.pace]
        if self.seed is not None:
            cmd += ["--seed", str(self.seed)]
        if self.default_account:
            cmd += ["--default-account", self.default_account]
        return cmd + self.args

    def start(self) -> "Awsemu":
        """Start the process on a free port and wait until it is healthy."""
        if self.external:
            self.wait_healthy()
            return self
        if self.process is not None:
            return self
        cmd = self.command()
        self._log_dir = tempfile.mkdtemp(prefix="awsemu-")
        self.log_path = os.path.join(self._log_dir, "awsemu.log")
        out_path = os.path.join(self._log_dir, "stdout")
        # The environment passes through: AWSEMU_LOG, AWSEMU_REACHABILITY and
        # the like apply; the flags above win over AWSEMU_HOST/PORT/...
        with open(out_path, "wb") as out, open(self.log_path, "wb") as err:
            self.process = subprocess.Popen(  # noqa: S603 - fixed argv
                cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + self.startup_timeout
        while True:
            with open(out_path, "r", encoding="utf-8", errors="replace") as fh:
                match = _LISTEN_RE.search(fh.read())
            if match:
                self._url = match.group(1).rstrip("/")
                self._control = _Control(self._url)
                break
            if self.process.poll() is not None:
                self._fail(f"awsemu exited ({self.process.returncode}) before listening")
            if time.monotonic() > deadline:
                self._fail(f"awsemu printed no 'listening on' line within {self.startup_timeout:.0f}s")
            time.sleep(0.005)
        self.wait_healthy(deadline)
        return self

    def _fail(self, why: str) -> None:
        log = self.log_tail()
        self.stop()
        raise AwsemuError(f"{why}: {' '.join(self.command())}\n--- awsemu log ---\n{log}")

    def log_tail(self, limit: int = 4000) -> str:
        """The end of a started emulator's log (stderr)."""
        if not self.log_path:
            return ""
        try:
            return Path(self.log_path).read_text(errors="replace")[-limit:]
        except OSError:
            return ""

    def wait_healthy(self, deadline: Optional[float] = None) -> dict:
        """Poll `GET /_awsemu/health` until it answers `running`."""
        deadline = deadline or time.monotonic() + self.startup_timeout
        last: Any = None
        while time.monotonic() < deadline:
            try:
                health = self.health()
                if health.get("status") == "running":
                    return health
                last = health
            except (OSError, AwsemuError, http.client.HTTPException) as e:
                last = e
            time.sleep(0.01)
        raise AwsemuError(f"awsemu at {self._url} is not healthy: {last}")

    def stop(self) -> None:
        """Stop a started emulator (SIGTERM, then SIGKILL after 10 s)."""
        if self._control is not None:
            self._control.close()
        proc, self.process = self.process, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        if not self.external:
            self._url = None
            self._control = None
        if self._log_dir is not None:
            shutil.rmtree(self._log_dir, ignore_errors=True)
            self._log_dir = self.log_path = None

    def __enter__(self) -> "Awsemu":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"Awsemu(url={self._url!r}, scenarios={self.scenarios!r})"

    # -- the control API ----------------------------------------------------
    def _api(self, method: str, path: str, body: Any = None, **kw: Any) -> Any:
        if self._control is None:
            raise AwsemuError("awsemu is not started: call start() or use `with Awsemu() as emu`")
        return self._control.request(method, path, body, **kw)

    def health(self) -> dict:
        return self._api("GET", "/_awsemu/health")

    def reset(self) -> dict:
        """Back to the loaded scenarios (or an empty world); fault rules
        added since are removed too (a scenario's own come back)."""
        return self._api("POST", "/_awsemu/reset")

    def advance(self, seconds: float) -> dict:
        """Move the world clock on: with pace `manual`, pending transitions
        (tasks starting, endpoints becoming available, ...) happen now."""
        return self._api("POST", "/_awsemu/clock", {"seconds": seconds})

    def clock(self) -> dict:
        """`{"now", "epochMillis", "pace"}`."""
        return self._api("GET", "/_awsemu/clock")

    def events(self, since: int = 0, *, account: Optional[str] = None) -> list:
        """State changes after sequence number `since`, oldest first: dicts
        with `seq`, `time`, `region`, `account`, `service`, `resourceType`,
        `resourceId`, `action` and `state`; only `account`'s if given."""
        events = self._api("GET", f"/_awsemu/events?since={int(since)}")["events"]
        if account is not None:
            events = [e for e in events if e.get("account") == account]
        return events

    def last_event_seq(self) -> int:
        events = self._api("GET", "/_awsemu/events?since=0")["events"]
        return events[-1]["seq"] if events else 0

    def notifications(self, *, account: Optional[str] = None) -> list:
        """Connection notifications published (SNS envelopes, with `url`);
        only those to `account`'s topics if given."""
        notes = self._api("GET", "/_awsemu/notifications")["notifications"]
        if account is not None:
            notes = [n for n in notes
                     if n.get("envelope", {}).get("TopicArn", "").split(":")[4:5] == [account]]
        return notes

    def state(self, format: str = "json") -> Any:
        """The world as a scenario (`json` or `yaml`), or `raw`."""
        return self._api("GET", f"/_awsemu/state?format={format}")

    def set_target_health(self, target_group_arn: str, target_id: str, healthy: bool,
                          port: Optional[int] = None) -> dict:
        body: dict = {"targetGroupArn": target_group_arn, "targetId": target_id, "healthy": healthy}
        if port is not None:
            body["port"] = port
        return self._api("POST", "/_awsemu/elbv2/target-health", body)

    # -- faults --------------------------------------------------------------
    def add_fault(self, service: str, operation: str, **kwargs: Any) -> Fault:
        """Add a fault rule and return it (see `fault` for the arguments)."""
        rule = _fault_rule(service, operation, **kwargs)
        return Fault(self, self._api("POST", "/_awsemu/faults", rule))

    def fault(self, service: str, operation: str, **kwargs: Any) -> Fault:
        """A fault rule, as a context manager that removes it on exit:

            with emu.fault("ec2", "DescribeVpcs", code="RequestLimitExceeded",
                           status=503, count=2):
                ec2.describe_vpcs()          # retried twice by boto3, then answered

        Keywords: `code`, `message`, `status` (the AWS error), `latency_ms`,
        `drop` (close the connection unanswered), `probability`, `count`,
        `region`, `account`, `parameters` (request parameters that must match).
        """
        return self.add_fault(service, operation, **kwargs)

    def faults(self) -> list:
        return self._api("GET", "/_awsemu/faults")["faults"]

    def remove_fault(self, fault_id: str) -> None:
        self._api("DELETE", f"/_awsemu/faults/{urllib.parse.quote(fault_id)}", expect=(200, 404))

    def clear_faults(self) -> None:
        self._api("DELETE", "/_awsemu/faults")

    # -- callers -------------------------------------------------------------
    def account(self, account_id: Optional[str] = None, region: Optional[str] = None) -> "Account":
        """A caller in `account_id` (a fresh empty account if not given)."""
        return Account(self, account_id or new_account_id(), region or self.region)


class Account(_Clients):
    """One account of an emulator: its clients, its environment, and the
    emulator's helpers. A `scoped` one (the default) sees only its own events
    and notifications, and its faults hit only its own calls; an unscoped one
    (a test that has the whole emulator, after a reset) sees all."""

    def __init__(self, emu: Awsemu, account_id: str, region: str = DEFAULT_REGION,
                 access_key: Optional[str] = None, scoped: bool = True):
        self.emu = emu
        self.id = account_id
        self.region = region
        self.access_key = access_key or account_id
        self.scoped = scoped
        self._on_fault: Optional[Any] = None

    @property
    def url(self) -> str:  # type: ignore[override]
        return self.emu.url

    def account(self, account_id: Optional[str] = None, region: Optional[str] = None) -> "Account":
        """Another caller on the same emulator (a fresh account if not given)."""
        other = self.emu.account(account_id, region or self.region)
        other._on_fault = self._on_fault
        return other

    def advance(self, seconds: float) -> dict:
        return self.emu.advance(seconds)

    def clock(self) -> dict:
        return self.emu.clock()

    def events(self, since: int = 0) -> list:
        """The events (this account's, if scoped) after sequence `since`."""
        return self.emu.events(since, account=self.id if self.scoped else None)

    def notifications(self) -> list:
        """Notifications published (to this account's topics, if scoped)."""
        return self.emu.notifications(account=self.id if self.scoped else None)

    def fault(self, service: str, operation: str, **kwargs: Any) -> Fault:
        """A fault rule, as a context manager that removes it on exit (see
        `Awsemu.fault`); if scoped, for this account's calls only."""
        if self.scoped:
            kwargs.setdefault("account", self.id)
        fault = self.emu.fault(service, operation, **kwargs)
        if self._on_fault is not None:
            self._on_fault(fault)
        return fault

    def reset(self) -> dict:
        return self.emu.reset()

    def state(self, format: str = "json") -> Any:
        return self.emu.state(format)

    def __repr__(self) -> str:
        return f"Account({self.id!r}, url={self.emu._url!r})"


@contextlib.contextmanager
def running(**kwargs: Any) -> Iterator[Awsemu]:
    """`with awsemu.running(scenarios=[...]) as emu:` — same as `with Awsemu(...)`."""
    emu = Awsemu(**kwargs).start()
    try:
        yield emu
    finally:
        emu.stop()

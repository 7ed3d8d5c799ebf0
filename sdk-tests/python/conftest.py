"""Shared fixtures for the awsemu Python SDK integration suite.

The suite starts ONE awsemu server per pytest session (``awsemu serve --host
127.0.0.1 --port 0``), reads the listening line from its stdout, and resets the
emulated world before every test through the control API.

Environment knobs:

* ``AWSEMU_BIN``       path of the awsemu binary (default: ``<repo>/target/debug/awsemu``).
* ``AWSEMU_ENDPOINT``  use an already running server at this URL instead of
                       starting one (e.g. ``http://127.0.0.1:4566``).

The tests never build the binary.
"""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import boto3
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent  # <repo>/sdk-tests/python -> <repo>
DEFAULT_BIN = REPO_ROOT / "target" / "debug" / "awsemu"
LISTEN_RE = re.compile(r"^awsemu listening on (http://127\.0\.0\.1:(\d+))$")
STARTUP_TIMEOUT_S = 10.0
HTTP_TIMEOUT_S = 30.0

DEFAULT_ACCOUNT = "000000000000"
DEFAULT_REGION = "us-east-1"
SECRET_KEY = "awsemu-test-secret"

# --------------------------------------------------------------------------
# Hermetic AWS configuration for this process and for the CLI subprocesses:
# no user profile, config, credentials, endpoint override or IMDS lookups.
# --------------------------------------------------------------------------
_CFG_DIR = tempfile.mkdtemp(prefix="awsemu-pytest-")
EMPTY_CONFIG_FILE = os.path.join(_CFG_DIR, "config")
EMPTY_CREDENTIALS_FILE = os.path.join(_CFG_DIR, "credentials")
for _p in (EMPTY_CONFIG_FILE, EMPTY_CREDENTIALS_FILE):
    with open(_p, "w", encoding="utf-8"):
        pass

_SCRUB_PREFIXES = ("AWS_",)


def _hermetic_env(base: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in base.items() if not k.startswith(_SCRUB_PREFIXES)}
    env["AWS_CONFIG_FILE"] = EMPTY_CONFIG_FILE
    env["AWS_SHARED_CREDENTIALS_FILE"] = EMPTY_CREDENTIALS_FILE
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    return env


# boto3 in this process: scrub too (keeps AWSEMU_* untouched).
_clean = _hermetic_env(dict(os.environ))
for _k in [k for k in os.environ if k.startswith(_SCRUB_PREFIXES)]:
    del os.environ[_k]
os.environ.update({k: v for k, v in _clean.items() if k.startswith("AWS_")})


# --------------------------------------------------------------------------
# Server process
# --------------------------------------------------------------------------
def _binary_path() -> Path:
    env_bin = os.environ.get("AWSEMU_BIN")
    return Path(env_bin) if env_bin else DEFAULT_BIN


def _tail(path: str, limit: int = 4000) -> str:
    try:
        with open(path, "r", encoding="utf-8", errors="replace") as fh:
            data = fh.read()
    except OSError:
        return "<no stderr captured>"
    return data[-limit:] if data else "<empty stderr>"


@pytest.fixture(scope="session")
def awsemu_endpoint():
    """Start awsemu once per session and yield its base URL (no trailing slash)."""
    external = os.environ.get("AWSEMU_ENDPOINT")
    if external:
        yield external.rstrip("/")
        return

    binary = _binary_path()
    if not binary.is_file():
        pytest.fail(
            f"awsemu binary not found at {binary}. Build it first "
            f"(cargo build -p awsemu) or point AWSEMU_BIN at it.",
            pytrace=False,
        )
    if not os.access(binary, os.X_OK):
        pytest.fail(f"awsemu binary at {binary} is not executable", pytrace=False)

    stderr_path = os.path.join(_CFG_DIR, "awsemu.stderr.log")
    stderr_fh = open(stderr_path, "wb")  # noqa: SIM115 - closed in finally
    cmd = [str(binary), "serve", "--host", "127.0.0.1", "--port", "0"]
    proc = subprocess.Popen(  # noqa: S603 - fixed argv
        cmd,
        stdout=subprocess.PIPE,
        stderr=stderr_fh,
        stdin=subprocess.DEVNULL,
        env=_hermetic_env(dict(os.environ)),
    )

    lines: "queue.Queue[bytes]" = queue.Queue()

    def _pump_stdout() -> None:
        # First line goes to the queue; everything after is drained so the
        # server can never block on a full stdout pipe.
        assert proc.stdout is not None
        for raw in iter(proc.stdout.readline, b""):
            lines.put(raw)
        lines.put(b"")  # EOF marker

    threading.Thread(target=_pump_stdout, name="awsemu-stdout", daemon=True).start()

    def _stop() -> None:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        stderr_fh.close()

    try:
        try:
            first = lines.get(timeout=STARTUP_TIMEOUT_S)
        except queue.Empty:
            _stop()
            pytest.fail(
                f"awsemu ({' '.join(cmd)}) printed no listening line within "
                f"{STARTUP_TIMEOUT_S:.0f}s.\n--- stderr ---\n{_tail(stderr_path)}",
                pytrace=False,
            )
        if first == b"":
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            code = proc.poll()
            _stop()
            pytest.fail(
                f"awsemu ({' '.join(cmd)}) closed stdout / exited (exit code {code}) "
                f"without printing 'awsemu listening on http://127.0.0.1:<port>'.\n"
                f"--- stderr ---\n{_tail(stderr_path)}",
                pytrace=False,
            )
        text = first.decode("utf-8", errors="replace").rstrip("\r\n")
        match = LISTEN_RE.match(text)
        if not match:
            time.sleep(0.2)
            _stop()
            pytest.fail(
                f"awsemu's first stdout line was {text!r} (exit code {proc.returncode}); "
                f"expected 'awsemu listening on http://127.0.0.1:<port>'.\n"
                f"--- stderr ---\n{_tail(stderr_path)}",
                pytrace=False,
            )
        endpoint = match.group(1)
        yield endpoint
    finally:
        _stop()


@pytest.fixture(autouse=True)
def _reset_world(awsemu_endpoint):
    """Every test starts from an empty world (default VPCs re-created lazily)."""
    resp = requests.post(f"{awsemu_endpoint}/_awsemu/reset", timeout=HTTP_TIMEOUT_S)
    assert resp.status_code == 200, (resp.status_code, resp.text)
    yield


# --------------------------------------------------------------------------
# Client helpers (exposed as fixtures returning factories)
# --------------------------------------------------------------------------
_CLIENT_CACHE: dict[tuple, object] = {}


_SESSION = None


def make_client(endpoint: str, service: str, account: str = DEFAULT_ACCOUNT,
                region: str = DEFAULT_REGION, validate: bool = True):
    key = (endpoint, service, account, region, validate)
    client = _CLIENT_CACHE.get(key)
    if client is None:
        # One boto3 session for every client: it loads each service's model
        # once (a session per client kept a copy of the EC2 model each, and
        # the suite's process grew to ~7 GiB).
        global _SESSION
        if _SESSION is None:
            _SESSION = boto3.session.Session()
        client = _SESSION.client(
            service,
            region_name=region,
            endpoint_url=endpoint,
            aws_access_key_id=account,
            aws_secret_access_key=SECRET_KEY,
            config=Config(
                retries={"max_attempts": 1},
                parameter_validation=validate,
                connect_timeout=10,
                read_timeout=60,
            ),
        )
        _CLIENT_CACHE[key] = client
    return client


@pytest.fixture
def ec2(awsemu_endpoint):
    """Factory: ``ec2(account="000000000000", region="us-east-1")`` -> boto3 EC2 client."""

    def _factory(account: str = DEFAULT_ACCOUNT, region: str = DEFAULT_REGION):
        return make_client(awsemu_endpoint, "ec2", account, region)

    return _factory


@pytest.fixture
def ec2_unvalidated(awsemu_endpoint):
    """Like ``ec2`` but with botocore's client-side parameter validation off, so
    requests that violate the model (missing required member, out-of-range
    MaxResults) reach the server."""

    def _factory(account: str = DEFAULT_ACCOUNT, region: str = DEFAULT_REGION):
        return make_client(awsemu_endpoint, "ec2", account, region, validate=False)

    return _factory


@pytest.fixture
def elbv2(awsemu_endpoint):
    """Factory: ``elbv2(account="000000000000", region="us-east-1")`` -> boto3 ELBv2 client."""

    def _factory(account: str = DEFAULT_ACCOUNT, region: str = DEFAULT_REGION):
        return make_client(awsemu_endpoint, "elbv2", account, region)

    return _factory


@pytest.fixture
def ecs(awsemu_endpoint):
    """Factory: ``ecs(account="000000000000", region="us-east-1")`` -> boto3 ECS client."""

    def _factory(account: str = DEFAULT_ACCOUNT, region: str = DEFAULT_REGION):
        return make_client(awsemu_endpoint, "ecs", account, region)

    return _factory


@pytest.fixture
def ecs_unvalidated(awsemu_endpoint):
    """Like ``ecs`` but without botocore's client-side parameter validation, so
    requests missing a required member reach the server."""

    def _factory(account: str = DEFAULT_ACCOUNT, region: str = DEFAULT_REGION):
        return make_client(awsemu_endpoint, "ecs", account, region, validate=False)

    return _factory


@pytest.fixture
def aws_cli(awsemu_endpoint):
    """Factory: ``aws_cli(*args, account=..., region=...)`` runs the AWS CLI (v1,
    same interpreter) against the emulator and returns
    ``(returncode, parsed_json_or_None, stderr)``."""

    def _run(*args: str, account: str = DEFAULT_ACCOUNT, region: str = DEFAULT_REGION):
        env = _hermetic_env(dict(os.environ))
        env["AWS_ACCESS_KEY_ID"] = account
        env["AWS_SECRET_ACCESS_KEY"] = SECRET_KEY
        env["AWS_MAX_ATTEMPTS"] = "1"
        env["AWS_RETRY_MODE"] = "standard"
        cmd = [
            sys.executable, "-m", "awscli",
            "--endpoint-url", awsemu_endpoint,
            "--region", region,
            "--output", "json",
            *args,
        ]
        proc = subprocess.run(  # noqa: S603 - fixed argv
            cmd, env=env, capture_output=True, text=True, timeout=120, check=False,
        )
        out = proc.stdout.strip()
        parsed = json.loads(out) if out else None
        return proc.returncode, parsed, proc.stderr

    return _run


def signed_request(endpoint: str, *, body: bytes | str, headers: dict[str, str],
                   service: str, account: str = DEFAULT_ACCOUNT,
                   region: str = DEFAULT_REGION, method: str = "POST",
                   path: str = "/") -> requests.Response:
    """Send a raw SigV4-signed HTTP request (what an SDK would send on the wire)."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    url = endpoint + path
    req = AWSRequest(method=method, url=url, data=body, headers=dict(headers))
    SigV4Auth(Credentials(account, SECRET_KEY), service, region).add_auth(req)
    prepared = req.prepare()
    return requests.request(
        method, prepared.url, data=body, headers=dict(prepared.headers),
        timeout=HTTP_TIMEOUT_S,
    )


@pytest.fixture
def raw(awsemu_endpoint):
    """Factory for signed raw HTTP requests: ``raw(body=..., headers=..., service=...)``."""

    def _send(**kwargs):
        return signed_request(awsemu_endpoint, **kwargs)

    return _send


# --------------------------------------------------------------------------
# Extra emulators (e.g. ``--pace manual``) for modules that need another
# configuration than the session server. Same launch and listening-line
# parsing as ``awsemu_endpoint``; the session server is left alone.
# --------------------------------------------------------------------------
def launch_awsemu(*extra_args: str) -> tuple:
    """Start ``awsemu serve --host 127.0.0.1 --port 0 <extra_args>`` and return
    ``(endpoint, stop)``. ``stop()`` is idempotent. Fails the test on a bad start."""
    binary = _binary_path()
    if not binary.is_file() or not os.access(binary, os.X_OK):
        pytest.fail(f"awsemu binary not found / not executable at {binary}", pytrace=False)

    stderr_path = tempfile.mktemp(prefix="awsemu-extra-", suffix=".stderr.log", dir=_CFG_DIR)
    stderr_fh = open(stderr_path, "wb")  # noqa: SIM115 - closed by stop()
    cmd = [str(binary), "serve", "--host", "127.0.0.1", "--port", "0", *extra_args]
    proc = subprocess.Popen(  # noqa: S603 - fixed argv
        cmd,
        stdout=subprocess.PIPE,
        stderr=stderr_fh,
        stdin=subprocess.DEVNULL,
        env=_hermetic_env(dict(os.environ)),
    )
    lines: "queue.Queue[bytes]" = queue.Queue()

    def _pump_stdout() -> None:
        assert proc.stdout is not None
        for raw_line in iter(proc.stdout.readline, b""):
            lines.put(raw_line)
        lines.put(b"")

    threading.Thread(target=_pump_stdout, name="awsemu-extra-stdout", daemon=True).start()

    def stop() -> None:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        if not stderr_fh.closed:
            stderr_fh.close()

    try:
        first = lines.get(timeout=STARTUP_TIMEOUT_S)
    except queue.Empty:
        stop()
        pytest.fail(
            f"awsemu ({' '.join(cmd)}) printed no listening line within "
            f"{STARTUP_TIMEOUT_S:.0f}s.\n--- stderr ---\n{_tail(stderr_path)}",
            pytrace=False,
        )
    text = first.decode("utf-8", errors="replace").rstrip("\r\n")
    match = LISTEN_RE.match(text)
    if not match:
        time.sleep(0.2)
        stop()
        pytest.fail(
            f"awsemu ({' '.join(cmd)}) first stdout line was {text!r} (exit code "
            f"{proc.poll()}); expected 'awsemu listening on http://127.0.0.1:<port>'.\n"
            f"--- stderr ---\n{_tail(stderr_path)}",
            pytrace=False,
        )
    return match.group(1), stop


@pytest.fixture(scope="session")
def awsemu_launcher():
    """Factory: ``awsemu_launcher("--pace", "manual")`` -> ``(endpoint, stop)``.
    Every server it started is stopped at the end of the session at the latest."""
    stops = []

    def _launch(*extra_args: str):
        endpoint, stop = launch_awsemu(*extra_args)
        stops.append(stop)
        return endpoint, stop

    yield _launch
    for stop in stops:
        stop()


@pytest.fixture(scope="module")
def manual_endpoint(awsemu_launcher):
    """An emulator with ``--pace manual`` (time moves only through
    ``POST /_awsemu/clock``), one per test module."""
    endpoint, stop = awsemu_launcher("--pace", "manual")
    yield endpoint
    stop()


@pytest.fixture(scope="session")
def client_for():
    """``client_for(endpoint, service, account=..., region=...)`` -> boto3 client
    for any emulator (e.g. one started with ``awsemu_launcher``)."""
    return make_client


# --------------------------------------------------------------------------
# One-shot awsemu commands (``scenario check``, a ``serve`` expected to fail).
# --------------------------------------------------------------------------
def run_awsemu(*args: str, timeout: float = 60.0) -> subprocess.CompletedProcess:
    """Run ``awsemu <args>`` to completion in the hermetic environment and return
    the ``CompletedProcess`` (text stdout/stderr). Raises
    ``subprocess.TimeoutExpired`` (after killing it) if it is still running
    after ``timeout`` seconds."""
    binary = _binary_path()
    if not binary.is_file() or not os.access(binary, os.X_OK):
        pytest.fail(f"awsemu binary not found / not executable at {binary}", pytrace=False)
    return subprocess.run(  # noqa: S603 - fixed argv
        [str(binary), *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env=_hermetic_env(dict(os.environ)),
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="session")
def awsemu_run():
    """``awsemu_run("scenario", "check", path)`` -> ``CompletedProcess``."""
    return run_awsemu

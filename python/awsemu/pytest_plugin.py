"""The awsemu pytest plugin (entry point `pytest11: awsemu`): installing the
wheel is all it takes.

Fixtures
  awsemu          session: one emulator, started on a free port (or the one
                  at `$AWSEMU_URL` / `--awsemu-url`), stopped at the end.
  awsemu_world    function: this test's clean world, an `awsemu.Account`:
                  a fresh account per test (default; no reset, so tests may
                  share a server and run under pytest-xdist), or the default
                  account after a reset (`--awsemu-isolation=reset`).
  awsemu_env      function: sets AWS_ENDPOINT_URL, credentials and Region
                  for the code under test (any SDK, the CLI), as that world.
  ec2_client, elbv2_client, ecs_client, sts_client, ec2_resource
                  function: boto3 clients of that world.

Marker
  @pytest.mark.awsemu_scenario("scenarios/ecs-private-subnet.yaml", pace="manual")
                  the test's world is an emulator started with those scenario
                  files (and `pace`, `seed`, `args`), reset before the test;
                  one per distinct marker in a session. Without paths, only
                  the settings (e.g. `pace="manual"` for clock tests).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, Optional, Tuple

import pytest

from . import Account, Awsemu, AwsemuError, DEFAULT_ACCESS_KEY, find_binary

ISOLATION_MODES = ("account", "reset")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("awsemu", "awsemu (local AWS emulator)")
    group.addoption("--awsemu-url", default=None,
                    help="use the awsemu at this URL instead of starting one "
                         "(default: $AWSEMU_URL)")
    group.addoption("--awsemu-isolation", choices=ISOLATION_MODES, default=None,
                    help="how each test gets a clean world: 'account' (a fresh "
                         "account id per test, the default; safe in parallel) or "
                         "'reset' (POST /_awsemu/reset before each test)")
    parser.addini("awsemu_isolation", "account (default) or reset", default="account")
    parser.addini("awsemu_args", "more `awsemu serve` flags for the session's emulator",
                  type="args", default=[])
    parser.addini("awsemu_region", "Region of the fixtures' clients", default="us-east-1")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "awsemu_scenario(*paths, pace=None, seed=None, args=()): run the test "
        "against an awsemu loaded with these scenario files (reset before the test)",
    )


def pytest_report_header(config: pytest.Config) -> str:
    url = _external_url(config)
    if url:
        where = url
    else:
        try:
            where = find_binary()
        except AwsemuError as e:
            where = f"not found ({e})"
    return f"awsemu: {where} (isolation: {_isolation(config)})"


def _external_url(config: pytest.Config) -> Optional[str]:
    return config.getoption("--awsemu-url") or os.environ.get("AWSEMU_URL") or None


def _isolation(config: pytest.Config) -> str:
    mode = config.getoption("--awsemu-isolation") or config.getini("awsemu_isolation")
    if mode not in ISOLATION_MODES:
        raise pytest.UsageError(f"awsemu_isolation must be one of {ISOLATION_MODES}, not {mode!r}")
    return mode


def _start(emu: Awsemu) -> Awsemu:
    try:
        return emu.start()
    except AwsemuError as e:
        pytest.fail(str(e), pytrace=False)
        raise  # unreachable


@pytest.fixture(scope="session")
def awsemu(pytestconfig: pytest.Config) -> Iterator[Awsemu]:
    """The session's emulator: `.url`, `.reset()`, `.advance(seconds)`,
    `.client(service, region_name=...)`, `.events()`, `.fault(...)`, ..."""
    region = pytestconfig.getini("awsemu_region")
    url = _external_url(pytestconfig)
    emu = Awsemu(url=url, region=region, args=pytestconfig.getini("awsemu_args"))
    _start(emu)
    try:
        yield emu
    finally:
        emu.stop()


class _Pool:
    """Emulators started for `awsemu_scenario` markers, one per distinct
    marker, kept for the session."""

    def __init__(self, region: str):
        self.region = region
        self.servers: Dict[Tuple, Awsemu] = {}

    def get(self, paths: Tuple[str, ...], pace: Optional[str], seed: Optional[int],
            args: Tuple[str, ...]) -> Awsemu:
        key = (paths, pace, seed, args)
        emu = self.servers.get(key)
        if emu is None:
            emu = Awsemu(scenarios=paths, pace=pace, seed=seed, args=args, region=self.region)
            _start(emu)
            self.servers[key] = emu
        return emu

    def stop(self) -> None:
        for emu in self.servers.values():
            emu.stop()
        self.servers.clear()


@pytest.fixture(scope="session")
def _awsemu_pool(pytestconfig: pytest.Config) -> Iterator[_Pool]:
    pool = _Pool(pytestconfig.getini("awsemu_region"))
    try:
        yield pool
    finally:
        pool.stop()


def _resolve_scenario(item: pytest.Item, path: str) -> str:
    p = Path(path)
    if p.is_absolute():
        candidates = [p]
    else:
        candidates = [Path(item.path).parent / p, Path(item.config.rootpath) / p, Path.cwd() / p]
    for c in candidates:
        if c.exists():
            return str(c.resolve())
    raise pytest.UsageError(
        f"awsemu_scenario: {path} not found (looked in "
        + ", ".join(str(c.parent) for c in candidates) + ")"
    )


def _default_account(emu: Awsemu) -> str:
    cached = getattr(emu, "_default_account_id", None)
    if cached is None:
        cached = emu.health().get("defaultAccount", "000000000000")
        emu._default_account_id = cached  # type: ignore[attr-defined]
    return cached


class _World(Account):
    """The test's world; faults it (or an account it made) adds are removed
    when the test ends."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._faults: list = []
        self._on_fault = self._faults.append

    def _cleanup(self) -> None:
        for fault in self._faults:
            fault.remove()


@pytest.fixture
def awsemu_world(request: pytest.FixtureRequest) -> Iterator[Account]:
    """A clean world for this test: an `awsemu.Account` with `.id`,
    `.client()`, `.resource()`, `.env()`, `.advance()`, `.events()`,
    `.notifications()`, `.fault()` and `.emu` (its emulator)."""
    marker = request.node.get_closest_marker("awsemu_scenario")
    if marker is not None:
        pool: _Pool = request.getfixturevalue("_awsemu_pool")
        paths = tuple(_resolve_scenario(request.node, str(p)) for p in marker.args)
        emu = pool.get(paths, marker.kwargs.get("pace"), marker.kwargs.get("seed"),
                       tuple(marker.kwargs.get("args", ())))
        emu.reset()
        world = _World(emu, _default_account(emu), emu.region,
                       access_key=DEFAULT_ACCESS_KEY, scoped=False)
    else:
        emu = request.getfixturevalue("awsemu")
        if _isolation(request.config) == "reset":
            emu.reset()
            world = _World(emu, _default_account(emu), emu.region,
                           access_key=DEFAULT_ACCESS_KEY, scoped=False)
        else:
            world = _World(emu, _fresh(emu), emu.region)
    try:
        yield world
    finally:
        world._cleanup()


def _fresh(emu: Awsemu) -> str:
    return emu.account().id


@pytest.fixture
def awsemu_env(awsemu_world: Account, monkeypatch: pytest.MonkeyPatch) -> Dict[str, str]:
    """Points code under test at the emulator, as this test's world: sets
    AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION and
    AWS_DEFAULT_REGION, hides the user's profiles, config files and
    service-specific endpoint overrides, and gives boto3 a new default
    session. Returns the variables set."""
    for name in list(os.environ):
        if name.startswith("AWS_ENDPOINT_URL_") or name in (
            "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
            "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        ):
            monkeypatch.delenv(name, raising=False)
    env = awsemu_world.env()
    env["AWS_CONFIG_FILE"] = os.devnull
    env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    # boto3's default session keeps the credentials it first found: a new
    # one for this test, so `boto3.client(...)` in the code under test reads
    # the variables above (clients made before, at import say, keep theirs).
    boto3 = sys.modules.get("boto3")
    if boto3 is not None:
        monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    return env


@pytest.fixture
def ec2_client(awsemu_world: Account):
    """boto3 EC2 client of this test's world."""
    return awsemu_world.client("ec2")


@pytest.fixture
def ec2_resource(awsemu_world: Account):
    """boto3 EC2 resource of this test's world."""
    return awsemu_world.resource("ec2")


@pytest.fixture
def elbv2_client(awsemu_world: Account):
    """boto3 ELBv2 client of this test's world."""
    return awsemu_world.client("elbv2")


@pytest.fixture
def ecs_client(awsemu_world: Account):
    """boto3 ECS client of this test's world."""
    return awsemu_world.client("ecs")


@pytest.fixture
def sts_client(awsemu_world: Account):
    """boto3 STS client of this test's world."""
    return awsemu_world.client("sts")

"""``segateway simulate SCENARIO --attach``: a scenario's homes as a separate program, their
devices on the medium of a running gateway (``segateway run --medium HOST:PORT``).

segateway simulate SCENARIO --attach [--data-dir DIR | --url URL --token T] [--out DIR] [--quiet]

Instead of building gateways, the homes' devices are nodes on the gateway's medium
(:mod:`segateway.sim.remote`), linked to the gateway's node and, within a home, to one another;
they join the gateway by install code and the scenario's requests go to it over HTTP, as a
utility's would. ``gateway.json`` in the data directory (written by ``segateway run``) tells
where the gateway's HTTP API and medium are, its node on the medium and its UTC.

* Every home joins the one running gateway, whatever the scenario's ``topology``; so that one
  gateway stays a sensible home area network, at most :data:`MAX_ATTACHED_HOMES` homes.
* The gateway's clock is the master: virtual time passes at the gateway's ``--speed``, and the
  scenario is re-based onto the gateway's UTC — its ``start`` becomes the gateway's time
  ``lead`` seconds after attaching (relative request times such as ``start_time = "+1h"``
  follow; absolute ones do not, and the weather's hours are the gateway's UTC hours).
* The sequence: connect to the medium (the gateway's clock holds while the homes are built),
  register every install code (``add_device``) and open joining (``permit_joining``) over HTTP,
  start the homes (they join by callback), send each scheduled request when the gateway's clock
  reaches it, leave the medium at the end and write the outputs of ``segateway simulate``.

The nodes run in a thread that follows the gateway's clock (:meth:`RemoteMedium.serve`); HTTP
requests are sent from the main thread only, never from the clock's callbacks: while the
gateway serves one of our instants its event loop waits for us, so a request sent from there
would wait for itself.
"""

from __future__ import annotations

import argparse
import math
import queue
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TextIO, cast

from .cli_simulate import (
    EventWindow,
    Neighbourhood,
    Results,
    _Progress,
    validate_rpc,
    write_outputs,
)
from .client import ClientError, GatewayClient
from .radio import NetworkState, NodeInfo, NodeType
from .radio.sim import SimNetwork
from .runtime.config import ConfigError, default_data_dir, parse_http, read_gateway_file
from .se.timebase import TimeBase, to_datetime
from .sim.remote import RemoteMedium
from .sim.scenario import (
    Scenario,
    ScenarioError,
    ScheduledRpc,
    parse_scenario,
    read_scenario_data,
)
from .zigbee.install_code import InstallCode
from .zigbee.stack.context import StackConfig

if TYPE_CHECKING:
    from .sim.medium import Medium

__all__ = [
    "MAX_ATTACHED_HOMES",
    "AttachError",
    "AttachedNeighbourhood",
    "GatewayMedium",
    "run_attached",
]

MAX_ATTACHED_HOMES: Final = 50
"""The most homes attached to one gateway (a few hundred devices in one PAN)."""

_WATCH = 0.5  # virtual seconds between the simulation thread's looks at the main thread
_POLL = 0.1  # real seconds between the main thread's looks at the simulation thread
_SHOW = 1.0  # real seconds between progress updates while time runs
_STOP_WAIT = 10.0  # real seconds the homes get to leave the medium when interrupted
_JOIN_OPEN = 600  # seconds joining stays open: at least this, else the lead plus 5 minutes


class AttachError(RuntimeError):
    """The running gateway cannot take the homes (none running, no medium, wrong role …)."""


@dataclass(frozen=True)
class GatewayMedium:
    """What ``gateway.json`` says about the gateway's medium (``segateway run --medium``)."""

    host: str
    port: int
    node_id: int
    ieee: int
    role: str
    channel: int
    pan_id: int
    extended_pan_id: int
    utc_at_zero: float  # the gateway's UTC (ZCL UTCTime) when its clock reads 0

    @classmethod
    def from_gateway_file(cls, data_dir: Path) -> GatewayMedium:
        """From ``gateway.json`` in the gateway's data directory."""
        found = read_gateway_file(data_dir)
        if found is None:
            raise AttachError(
                f"no running gateway found in {data_dir} (no gateway.json): start one with "
                f"`segateway run --medium 127.0.0.1:0 --data-dir {data_dir}`"
            )
        return cls.from_document(found, f"the gateway running in {data_dir}")

    @classmethod
    def from_document(cls, found: dict[str, Any], where: str) -> GatewayMedium:
        """From ``gateway.json`` or the gateway's ``/health`` (the same keys)."""
        address, node = found.get("medium"), found.get("medium_node")
        if not isinstance(address, str) or not isinstance(node, dict):
            raise AttachError(
                f"{where} serves no medium: restart it with `segateway run --medium 127.0.0.1:0`"
            )
        try:
            host, port = parse_http(address, "medium")
            return cls(
                host=host,
                port=port,
                node_id=int(node["node_id"]),
                ieee=int(str(node["ieee"]), 16),
                role=str(node["role"]),
                channel=int(node["channel"]),
                pan_id=int(node["pan_id"]),
                extended_pan_id=int(str(node["extended_pan_id"]), 16),
                utc_at_zero=float(node["utc_at_zero"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise AttachError(f"{where}: unreadable medium ({exc})") from None


@dataclass(frozen=True)
class _MediumId:
    node_id: int


class _GatewayNode:
    """The gateway's node as the homes see it (a :class:`~segateway.radio.sim.TrustCenter`):
    its place on the medium and its network. Install codes are only collected here; they are
    registered with the gateway over HTTP."""

    def __init__(self, gateway: GatewayMedium) -> None:
        self.gateway = gateway
        self.mac = _MediumId(gateway.node_id)
        self.codes: dict[int, bytes] = {}

    def info(self) -> NodeInfo:
        g = self.gateway
        return NodeInfo(
            ieee=g.ieee,
            nwk=0,
            node_type=NodeType.coordinator,
            state=NetworkState.joined,
            channel=g.channel,
            pan_id=g.pan_id,
            extended_pan_id=g.extended_pan_id,
            trust_center=g.ieee,
        )

    def add_install_code(self, ieee: int, code: bytes) -> None:
        self.codes[ieee] = code


class _AttachedNetwork(SimNetwork):
    """A :class:`SimNetwork` whose medium and clock are the gateway's, through a
    :class:`RemoteMedium` (which offers what the nodes use of a medium: remote.py)."""

    def __init__(self, remote: RemoteMedium, *, seed: int, config: StackConfig) -> None:
        super().__init__(seed=seed, config=config)
        self.remote = remote
        self.clock = remote.clock
        self.medium = cast("Medium", remote)


class AttachedNeighbourhood(Neighbourhood):
    """A scenario's homes on a running gateway's medium (module doc). Build it, and call every
    method but :meth:`results`, from the set-up of :meth:`RemoteMedium` or its clock's
    callbacks; ``scenario`` already re-based onto the gateway's clock (:func:`rebase`)."""

    def __init__(self, scenario: Scenario, remote: RemoteMedium, gateway: GatewayMedium) -> None:
        self.remote = remote
        self.gateway_medium = gateway
        self.trust_center = _GatewayNode(gateway)
        self.answers: list[tuple[float, str, dict[str, Any] | None, str | None]] = []
        self.homes_started = False
        super().__init__(scenario)

    def _network(self, *, seed: int, config: StackConfig) -> SimNetwork:
        return _AttachedNetwork(self.remote, seed=seed, config=config)

    def _build(self) -> None:
        timebase = TimeBase(self.clock, self.gateway_medium.utc_at_zero, synchronized=True)
        for i in self.home_indexes:
            self._home(i, self.trust_center, timebase, self.trust_center.add_install_code)

    def install_codes(self) -> dict[int, bytes]:
        """Every device's install code with its CRC (the meters' included), by IEEE address."""
        codes: dict[int, bytes] = {}
        for household in self.households:
            for member in household.members:
                codes[member.ieee] = member.install_code.code + member.install_code.crc
            meter = household.meter_ieee
            code = InstallCode.from_code(household.meter_install_code or meter.to_bytes(8, "big"))
            codes[meter] = code.code + code.crc
        return codes

    def start_homes(self) -> None:
        """Start the homes: the meters join, every device joins, the models run."""
        self.homes_started = True
        for household in self.households:
            household.start()

    # --- results: what the gateway answered over HTTP ----------------------------------------

    def _events(self) -> list[EventWindow]:
        windows: list[EventWindow] = []
        for _at, method, document, _error in self.answers:
            if method not in ("create_DRLC_event", "create_price_event") or document is None:
                continue
            params = document.get("params")
            if not isinstance(params, dict) or params.get("status", 0) != 0:
                continue
            record = params.get("record")
            if not isinstance(record, dict):
                continue
            window = self._event_window(
                "drlc" if method == "create_DRLC_event" else "price",
                record.get("start_time"),
                record.get("duration_in_minutes"),
                record.get("issuer_event_id"),
            )
            if window is not None:
                windows.append(window)
        return windows

    def _summary(self, energy_j: float) -> dict[str, Any]:
        summary = super()._summary(energy_j)
        statuses: dict[str, Counter[str]] = {}
        for at, method, document, error in self.answers:
            key = f"{method} @ {at - self.scenario.lead:.0f} s"
            if error is not None or document is None:
                value = f"refused: {error}"
            elif "error" in document:
                value = f"error: {document['error']}"
            else:
                params = document.get("params")
                status = params.get("status", 0) if isinstance(params, dict) else 0
                value = f"0x{status if isinstance(status, int) else 0:02X}"
            statuses.setdefault(key, Counter())[value] += 1
        summary["requests"] = {k: dict(v) for k, v in statuses.items()}
        summary["gateways"] = 1
        summary["attached_to"] = f"{self.gateway_medium.ieee:016X}"
        return summary


def rebase(data: dict[str, Any], gateway: GatewayMedium, now: float) -> Scenario:
    """The scenario of ``data`` on the gateway's clock: it starts ``lead`` seconds after the
    clock time ``now`` (at a whole UTC second), and its ``lead`` is the clock time of its start."""
    probe = parse_scenario(data, validate_rpc=validate_rpc)
    start_utc = math.ceil(gateway.utc_at_zero + now + probe.lead)
    scenario = parse_scenario({**data, "start": to_datetime(start_utc)}, validate_rpc=validate_rpc)
    return replace(scenario, lead=start_utc - gateway.utc_at_zero)


# --- the simulation thread ----------------------------------------------------------------------


class _Session:
    """The homes in a thread following the gateway's clock; the main thread talks to it through
    events and a queue (never the other way round: see the module doc)."""

    def __init__(self, data: dict[str, Any], gateway: GatewayMedium, per_device: bool) -> None:
        self.data = data
        self.gateway = gateway
        self.per_device = per_device
        self.built = threading.Event()
        self.registered = threading.Event()
        self.stop = threading.Event()
        self.due: queue.Queue[tuple[float, ScheduledRpc]] = queue.Queue()
        self.hood: AttachedNeighbourhood | None = None
        self.results: Results | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="segateway-attached", daemon=True)

    def _run(self) -> None:
        try:
            remote = RemoteMedium.connect(self.gateway.host, self.gateway.port)
        except BaseException as exc:  # handed to the main thread
            self.error = exc
            self.built.set()
            return
        hood: AttachedNeighbourhood | None = None
        try:
            clock = remote.clock
            scenario = rebase(self.data, self.gateway, clock.now())
            hood = AttachedNeighbourhood(scenario, remote, self.gateway)
            self.hood = hood
            for rpc in scenario.rpcs:
                clock.call_at(scenario.lead + rpc.at, self._send, rpc)
            clock.call_at(scenario.lead + scenario.duration, remote.leave)
            clock.call_later(_WATCH, self._watch)
            self.built.set()
            remote.serve()
            if not self.stop.is_set():
                self.results = hood.results(per_device=self.per_device)
        except BaseException as exc:  # handed to the main thread
            self.error = exc
        finally:
            self.built.set()
            if hood is not None:
                hood.close()
            remote.close()

    def _send(self, rpc: ScheduledRpc) -> None:
        hood = self.hood
        if hood is not None:
            self.due.put((hood.clock.now(), rpc))

    def _watch(self) -> None:
        hood = self.hood
        if hood is None:
            return
        if self.stop.is_set():
            hood.remote.leave()
            return
        if self.registered.is_set() and not hood.homes_started:
            hood.start_homes()
        hood.clock.call_later(_WATCH, self._watch)


def _register(client: GatewayClient, codes: dict[int, bytes], join_time: int) -> None:
    for ieee, code in codes.items():
        params = {"device_address": f"{ieee:016X}", "installation_code": code.hex().upper()}
        status, document = client.rpc("add_device", params)
        if status != 200 or "error" in document:
            raise AttachError(f"the gateway refused add_device for {ieee:016X}: {document}")
    status, document = client.rpc("permit_joining", {"join_time": join_time})
    if status != 200 or "error" in document:
        raise AttachError(f"the gateway refused permit_joining: {document}")


def _request(
    client: GatewayClient, at: float, rpc: ScheduledRpc
) -> tuple[float, str, dict[str, Any] | None, str | None]:
    try:
        status, document = client.rpc(rpc.method, dict(rpc.params))
    except ClientError as exc:
        return at, rpc.method, None, str(exc)
    if status not in (200, 202):
        return at, rpc.method, None, f"HTTP {status}: {document}"
    return at, rpc.method, document, None


def attach(
    path: Path,
    client: GatewayClient,
    gateway: GatewayMedium,
    *,
    quiet: bool = True,
    per_device: bool = True,
) -> tuple[Results, dict[str, float]]:
    """Run the scenario in ``path`` on the gateway's medium (module doc); (results, wall
    seconds of each phase). Raises :class:`ScenarioError`, :class:`AttachError` or
    :class:`ClientError`."""
    data = read_scenario_data(path)
    scenario = parse_scenario(data, validate_rpc=validate_rpc)
    if scenario.homes > MAX_ATTACHED_HOMES:
        raise ScenarioError(
            f"{path}: {scenario.homes} homes on one running gateway: --attach takes at most "
            f"{MAX_ATTACHED_HOMES} (run larger scenarios without --attach: a gateway per home)"
        )
    if gateway.role != "esi_coordinator":
        raise AttachError(
            f"the running gateway is an {gateway.role}: --attach registers install codes with "
            "the gateway as trust center (the esi_coordinator role)"
        )
    client.rpc("get_time", {})  # the HTTP API answers (else ClientError) before we attach
    session = _Session(data, gateway, per_device)
    wall: dict[str, float] = {}
    t0 = time.perf_counter()
    session.thread.start()
    try:
        hood = _attached(session)
        wall["build_s"] = time.perf_counter() - t0
        join_time = min(0xFFFF, max(_JOIN_OPEN, int(scenario.lead) + 300))
        _register(client, hood.install_codes(), join_time)
        session.registered.set()
        t1 = time.perf_counter()
        _follow(session, hood, client, quiet=quiet)
        wall["run_s"] = time.perf_counter() - t1
    except BaseException:
        session.stop.set()  # the homes leave the medium at their next look (_WATCH)
        session.thread.join(_STOP_WAIT)
        raise
    session.thread.join()
    if session.error is not None:
        raise AttachError(f"the attached homes stopped: {session.error}") from session.error
    if session.results is None:
        raise AttachError("the gateway's medium closed before the scenario's end")
    wall["total_s"] = time.perf_counter() - t0
    return session.results, wall


def _attached(session: _Session) -> AttachedNeighbourhood:
    """The homes, once built on the gateway's medium."""
    session.built.wait()
    if session.error is not None or session.hood is None:
        g = session.gateway
        msg = f"cannot attach to the gateway's medium at {g.host}:{g.port}: {session.error}"
        raise AttachError(msg)
    return session.hood


def _follow(
    session: _Session, hood: AttachedNeighbourhood, client: GatewayClient, *, quiet: bool
) -> None:
    """Show the joins, then the scenario's time, sending each request when it falls due."""
    sc = hood.scenario
    total = hood.devices
    joining: _Progress | None = _Progress("joining", total, "devices", quiet=quiet)
    running: _Progress | None = None
    shown = -1.0
    next_show = 0.0
    try:
        while session.thread.is_alive():
            try:
                at, rpc = session.due.get(timeout=_POLL)
            except queue.Empty:
                pass
            else:
                hood.answers.append(_request(client, at, rpc))
            now = hood.clock.now()
            if joining is not None:
                joined = hood.joined
                if joined != shown:
                    joining.update(joined)
                    shown = joined
                if joined == total or now >= sc.lead:
                    joining.close()
                    joining = None
                    running = _Progress("simulating", sc.duration / 3600, "h", quiet=quiet)
            elif running is not None and time.monotonic() >= next_show:
                running.update(min(sc.duration, max(0.0, now - sc.lead)) / 3600)
                next_show = time.monotonic() + _SHOW
        while not session.due.empty():  # due in the last instant
            at, rpc = session.due.get_nowait()
            hood.answers.append(_request(client, at, rpc))
        if running is not None:
            running.update(sc.duration / 3600)
    finally:
        for progress in (joining, running):
            if progress is not None:
                progress.close()


def run_attached(args: argparse.Namespace, out: TextIO) -> int:
    """``segateway simulate SCENARIO --attach``: 0 when it ran, 1 with a message otherwise."""
    data_dir = args.data_dir if args.data_dir is not None else default_data_dir()
    if args.workers != 1:
        print("segateway: error: --workers does not apply with --attach", file=sys.stderr)
        return 1
    try:
        if args.url is None:
            gateway = GatewayMedium.from_gateway_file(data_dir)
            client = GatewayClient.locate(data_dir, token=args.token)
        else:
            client = GatewayClient.locate(data_dir, url=args.url, token=args.token)
            gateway = GatewayMedium.from_document(client.health(), f"the gateway at {args.url}")
        results, wall = attach(
            args.scenario, client, gateway, quiet=args.quiet, per_device=not args.no_per_device
        )
        results.summary["wall_seconds"] = {k: round(v, 3) for k, v in wall.items()}
        written = write_outputs(results, args.out, plot=not args.no_plot)
    except (AttachError, ClientError, ConfigError, ScenarioError, OSError) as exc:
        print(f"segateway: error: {exc}", file=sys.stderr)
        return 1
    s = results.summary
    print(
        f"{s['scenario']}: {s['homes']} homes attached to gateway {s['attached_to']}, "
        f"{s['joined']}/{s['devices']} devices joined, {results.scenario.duration / 3600:g} h "
        f"of the gateway's time in {wall['total_s']:.1f} s",
        file=out,
    )
    for path in written:
        print(f"  {path}", file=out)
    return 0

"""``segateway run``: the configured gateway on the simulated network, served over HTTP.

One asyncio loop runs everything: the network's virtual clock (:func:`pace`, real time ×
``speed``), the SE application and the RPC dispatcher (callbacks on that clock) and uvicorn
serving :func:`segateway.http.create_app`. The store (SQLite) lives in the data directory, with the
token and ``gateway.json``; a restart resumes from it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import signal
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import uvicorn

from ..http import RpcBridge, create_app, device_id_of, load_or_create_token
from ..http.auth import TOKEN_FILE
from ..radio.sim import SimNetwork
from ..rpc.dispatch import Dispatcher
from ..rpc.gateway import Gateway
from ..rpc.json_codec import encode_response
from ..rpc.responses import RpcResponse
from ..rpc.values import MAC
from ..se.app import ROLE_SETTING, Role
from ..sim.remote import MediumServer
from ..store import Store
from .config import (
    GATEWAY_FILE,
    STORE_FILE,
    ConfigError,
    RunConfig,
    resolve_role,
    write_gateway_file,
)
from .home import NEW_DEVICE_IEEE, SimulatedHome

__all__ = ["RunOptions", "pace", "serve"]

log = logging.getLogger(__name__)

_IEEE_SETTING = "run.ieee"
_JOIN_WAIT = 120.0  # virtual seconds a router gateway waits to join the simulated ESI
_ROLE_NAMES = {
    Role.esi_coordinator: "ESI Coordinator",
    Role.esi_router: "ESI Router",
    Role.ipd_router: "IPD Router",
}


@dataclass(frozen=True)
class RunOptions:
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 8765
    config: RunConfig = field(default_factory=RunConfig)
    pcap: Path | None = None
    speed: float = 1.0
    duration: float | None = None
    quiet: bool = False
    new_device: bool = False  # one more IPD, not registered, trying to join (ESI Coordinator)
    medium: tuple[str, int] | None = None  # serve the simulated medium there (MediumServer)


def _listen(host: str, port: int) -> socket.socket:
    """The listening socket, created explicitly as TCP: asyncio then sets TCP_NODELAY on every
    connection it accepts (``socket.create_server`` leaves the protocol 0, and replies waited
    ~40 ms behind the client's delayed acknowledgement: bench/rpc.py)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(128)
    except OSError:
        listener.close()
        raise
    return listener


SHUTDOWN_GRACE = 2  # seconds open connections (event streams) get when the gateway stops


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: ``serve`` owns SIGINT/SIGTERM (clean stop)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def pace(sim: SimNetwork, speed: float, tick: float = 0.01) -> None:
    """Advance the network's virtual clock ``speed`` times as fast as real time, in steps of
    ``tick`` real seconds, each step running its events exactly on the virtual clock (as
    ``SimNetwork.run`` does), so MAC timings stay exact; HTTP requests are served between
    steps."""
    loop = asyncio.get_running_loop()
    start_real, start_virtual = loop.time(), sim.clock.now()
    while True:
        target = start_virtual + (loop.time() - start_real) * speed
        if target > sim.clock.now():
            sim.clock.run(until=target)
        await asyncio.sleep(tick)


def _medium_info(home: SimulatedHome, server: MediumServer) -> dict[str, Any]:
    """What ``gateway.json`` tells a program attaching nodes to the gateway's medium
    (``segateway simulate --attach``): where the medium is served, the gateway's node on it,
    its network, and the gateway's UTC (ZCL UTCTime) when its virtual clock reads 0."""
    host = server.host
    shown = f"[{host}]" if ":" in host else host
    info = home.node.info()
    return {
        "medium": f"{shown}:{server.port}",
        "medium_node": {
            "node_id": home.node.mac.node_id,
            "ieee": f"{home.node.ieee:016X}",
            "role": home.config.role.value,
            "channel": home.config.channel,
            "pan_id": home.config.pan_id,
            "extended_pan_id": f"{info.extended_pan_id or home.epid:016X}",
            "utc_at_zero": home.app.timebase.now_exact() - home.clock.now(),
        },
    }


def _gateway_ieee(store: Store, config: RunConfig) -> int:
    """The configured address, else the one made at first start (locally administered)."""
    if config.ieee is not None:
        return config.ieee
    stored = store.get_setting(_IEEE_SETTING)
    if isinstance(stored, int):
        return stored
    ieee = (secrets.randbits(64) & ~(0xFF << 56)) | (0x02 << 56)  # locally administered
    store.set_setting(_IEEE_SETTING, ieee)
    return ieee


def _summary(response: RpcResponse) -> str:
    document = encode_response(response)
    params = document.get("params", document.get("error", {}))
    text = json.dumps(params, separators=(",", ":"), ensure_ascii=False)
    return f"  ← {response.name} {text[:160]}{'…' if len(text) > 160 else ''}"


def _health(
    home: SimulatedHome, gateway: Gateway, device_id: str, medium: dict[str, Any]
) -> Callable[[], dict[str, Any]]:
    def health() -> dict[str, Any]:
        info = home.node.info()
        return {
            "role": home.config.role.value,
            "device_id": device_id,
            "network": info.state.name,
            "devices": len(home.app.devices.devices),
            "queued_responses": len(gateway.responses),
            **medium,  # where the medium is served (--medium), as in gateway.json
        }

    return health


async def serve(options: RunOptions, out: TextIO) -> int:
    """Run the gateway until ``duration`` (virtual-clock independent: wall seconds) or a signal."""
    data_dir = options.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    token, created = load_or_create_token(data_dir)
    store = Store(data_dir / STORE_FILE)
    try:
        config = resolve_role(
            options.config, store.get_setting(ROLE_SETTING), new_device=options.new_device
        )
    except ConfigError as exc:
        store.close()
        print(f"segateway: error: {exc}", file=out)
        return 1
    home = SimulatedHome(
        config,
        store,
        gateway_ieee=_gateway_ieee(store, config),
        host_time=time.time,
        capture=options.pcap,
    )
    gateway = Gateway(home.app, home.node, host_time=time.time)
    dispatcher = Dispatcher(gateway)
    device_id = device_id_of(home.node.ieee)
    listener = _listen(options.host, options.port)
    host, port = listener.getsockname()[:2]
    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{shown_host}:{port}"
    loop = asyncio.get_running_loop()
    stopped = asyncio.Event()
    handled: list[signal.Signals] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stopped.set)
            handled.append(sig)
        except (ValueError, RuntimeError, NotImplementedError):  # not the main thread
            pass
    unsubscribe: Callable[[], None] = lambda: None  # noqa: E731
    started = False
    medium_server: MediumServer | None = None
    clock_task = loop.create_task(pace(home.sim, options.speed), name="segateway-sim-clock")
    try:
        joined: asyncio.Future[bool] = loop.create_future()
        home.join_gateway(lambda ok: None if joined.done() else joined.set_result(ok))
        timer = home.clock.call_later(
            _JOIN_WAIT, lambda: None if joined.done() else joined.set_result(False)
        )
        if not await joined:
            print("segateway: the gateway did not join the simulated network", file=out)
            return 1
        timer.cancel()
        home.app.start()
        dispatcher.start()
        started = True
        if config.simulated_devices:
            home.register(lambda ieee, code: gateway.add_device(ieee, install_code=code))
            home.start_devices()
        new_device = home.start_new_device() if options.new_device else None
        if not options.quiet:
            unsubscribe = gateway.responses.subscribe(
                lambda r: print(_summary(r), file=out, flush=True)
            )
        bridge = RpcBridge(dispatcher, device_id=device_id)
        medium: dict[str, Any] = {}
        app = create_app(bridge, token, health=_health(home, gateway, device_id, medium))
        server = _Server(
            uvicorn.Config(
                app,
                log_level="warning",
                lifespan="off",
                access_log=False,
                # an open /events stream never ends by itself: stopping must not wait for it
                timeout_graceful_shutdown=SHUTDOWN_GRACE,
            )
        )
        if options.medium is not None:
            # no authentication on the medium: a non-loopback address is served only because
            # the user gave it explicitly (--medium)
            medium_server = MediumServer(
                home.sim.medium,
                home.clock,
                host=options.medium[0],
                port=options.medium[1],
                allow_remote=True,
            )
            await medium_server.start()
            medium.update(_medium_info(home, medium_server))
        write_gateway_file(data_dir, url, device_id, medium=medium or None)
        lines = [
            f"segateway: {_ROLE_NAMES[config.role]} on a simulated network "
            f"(IEEE {home.node.ieee:016X}, device id {device_id})",
            f"  data      {data_dir} (store {STORE_FILE})",
            f"  HTTP API  {url}  (POST /UE/rci, /ws/sci, /rpc; GET /events, /openapi.json)",
            f"  token     {token}  ({'new, ' if created else ''}in {data_dir / TOKEN_FILE})",
            f"  console   {url}/console/  (sign in with the token)",
        ]
        if config.simulated_devices:
            lines.append(
                "  devices   a meter, an IPD and a thermostat are joining"
                if home.node is home.coordinator
                else "  devices   the meter is the ESI (its network); an IPD and a thermostat join"
            )
        if medium:
            lines.append(
                f"  medium    {medium['medium']}  (attach devices: segateway simulate SCENARIO "
                f"--attach --data-dir {data_dir})"
            )
        if new_device is not None:
            address = MAC(NEW_DEVICE_IEEE)
            code = str(new_device)  # with its CRC
            lines += [
                f"  new device  an IPD, not registered, trying to join: IEEE {address}",
                f"              install code {code} (with its CRC); register it with",
                f"              segateway rpc add_device device_address:MAC={address} "
                f"installation_code={code} join_time=120",
            ]
        if options.pcap is not None:
            lines.append(f"  capture   {options.pcap} (keys: {options.pcap.with_suffix('.keys')})")
        lines.append(
            "  stop      Ctrl-C"
            if options.duration is None
            else f"  stop      after {options.duration:g} s"
        )
        print("\n".join(lines), file=out, flush=True)

        async def stop_when_told() -> None:
            if options.duration is None:
                await stopped.wait()
            else:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopped.wait(), options.duration)
            server.should_exit = True

        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(server.serve(sockets=[listener]), name="segateway-http")
            tasks.create_task(stop_when_told(), name="segateway-stop")
        print("segateway: stopped", file=out, flush=True)
        return 0
    finally:
        for sig in handled:
            loop.remove_signal_handler(sig)
        unsubscribe()
        (data_dir / GATEWAY_FILE).unlink(missing_ok=True)
        if medium_server is not None:
            await medium_server.close()
        if started:
            dispatcher.close()
            home.app.close()
        clock_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await clock_task
        if options.pcap is not None:
            home.sim.write_keys(options.pcap.with_suffix(".keys"))
        home.close()
        store.close()
        listener.close()

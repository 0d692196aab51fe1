"""The gateway's commands of ``segateway``: ``run`` and the clients of a running gateway.

segateway run [--data-dir DIR] [--http HOST:PORT] [--config FILE] [--pcap FILE] [--speed X]
              [--duration SECONDS] [--quiet] [--new-device] [--medium HOST:PORT]
segateway rpc NAME [key=value | key:type=value ...] [--async]    (JSON request)
segateway rpc --xml FILE                                          (XML request, "-" for stdin)
segateway events [--count N]
segateway devices
segateway convert ROLE [--force]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from .client import ClientError, GatewayClient, parse_params
from .runtime.config import (
    DEFAULT_HTTP,
    STORE_FILE,
    ConfigError,
    RunConfig,
    default_data_dir,
    parse_http,
)
from .se.app import Role

__all__ = ["COMMANDS", "add_commands", "run_command"]

_NODE_TYPES = {0: "coordinator", 1: "router", 2: "end device"}


def _data_dir_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="the gateway's data directory (default: $SEGATEWAY_DATA_DIR, else "
        "$XDG_DATA_HOME/segateway, else ~/.local/share/segateway)",
    )


def _client_options(parser: argparse.ArgumentParser) -> None:
    _data_dir_option(parser)
    parser.add_argument("--url", help="the gateway's URL (default: from the data directory)")
    parser.add_argument("--token", help="the token (default: from the data directory)")


def add_commands(sub: Any) -> None:
    """Add ``run``, ``rpc``, ``events``, ``devices`` and ``convert`` to ``segateway``."""
    run = sub.add_parser("run", help="run the gateway on a simulated network with its HTTP API")
    _data_dir_option(run)
    run.add_argument(
        "--http",
        default=DEFAULT_HTTP,
        metavar="HOST:PORT",
        help=f"where the HTTP API listens (default {DEFAULT_HTTP}; port 0: any free port)",
    )
    run.add_argument("--config", type=Path, help="a TOML file: role, endpoint_id, time_zone …")
    run.add_argument("--pcap", type=Path, help="capture the simulated channel to this pcap file")
    run.add_argument(
        "--speed", type=float, default=1.0, help="virtual time per real second (default 1.0)"
    )
    run.add_argument("--duration", type=float, help="stop after this many seconds")
    run.add_argument("--quiet", action="store_true", help="do not print the asynchronous responses")
    run.add_argument(
        "--new-device",
        action="store_true",
        help="also start an IPD that is not registered and keeps trying to join (its address "
        "and install code are printed: register it with add_device; ESI Coordinator only)",
    )

    run.add_argument(
        "--medium",
        metavar="HOST:PORT",
        help="also serve the simulated medium there (e.g. 127.0.0.1:0), for devices simulated "
        "by another program (segateway simulate SCENARIO --attach); no authentication: give a "
        "loopback address unless the network is trusted",
    )

    rpc = sub.add_parser("rpc", help="send one request to a running gateway")
    rpc.add_argument("name", nargs="?", help="request name, e.g. get_time")
    rpc.add_argument(
        "params",
        nargs="*",
        metavar="key=value",
        help="parameters: key=value (bool, int, float or text) or key:type=value "
        "(int, bool, float, string, MAC, base16, none, json for records and lists)",
    )
    rpc.add_argument("--xml", metavar="FILE", help="send this XML request document ('-': stdin)")
    rpc.add_argument(
        "--async",
        dest="asynchronous",
        action="store_true",
        help="queue the response instead of waiting for it",
    )
    _client_options(rpc)

    events = sub.add_parser("events", help="print the asynchronous responses as they come")
    events.add_argument("--count", type=int, help="stop after this many (of those shown)")
    events.add_argument(
        "--name",
        action="append",
        metavar="RESPONSE",
        help="show only these responses, e.g. received_report_event_status (repeatable)",
    )
    events.add_argument("--json", action="store_true", help="one JSON document per line")
    _client_options(events)

    devices = sub.add_parser("devices", help="list the devices the running gateway knows")
    _client_options(devices)

    convert = sub.add_parser(
        "convert", help="convert the (stopped) gateway's data to another configuration"
    )
    convert.add_argument("role", choices=[role.value for role in Role])
    convert.add_argument(
        "--force", action="store_true", help="also when events of the old role are dropped"
    )
    _data_dir_option(convert)


def _data_dir(args: argparse.Namespace) -> Path:
    return args.data_dir if args.data_dir is not None else default_data_dir()


def _client(args: argparse.Namespace) -> GatewayClient:
    return GatewayClient.locate(_data_dir(args), url=args.url, token=args.token)


def _run(args: argparse.Namespace, out: TextIO) -> int:
    from .runtime.loop import event_loop_factory  # noqa: PLC0415
    from .runtime.server import RunOptions, serve  # noqa: PLC0415 - uvicorn only when serving

    host, port = parse_http(args.http)
    if args.speed <= 0:
        raise ConfigError("--speed must be positive")
    if args.duration is not None and args.duration < 0:
        raise ConfigError("--duration must not be negative")
    config = RunConfig.load(args.config)
    options = RunOptions(
        data_dir=_data_dir(args),
        host=host,
        port=port,
        config=config,
        pcap=args.pcap,
        speed=args.speed,
        duration=args.duration,
        quiet=args.quiet,
        new_device=args.new_device,
        medium=None if args.medium is None else parse_http(args.medium, "--medium"),
    )
    try:
        with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
            return runner.run(serve(options, out))
    except KeyboardInterrupt:
        return 0


def _rpc(args: argparse.Namespace, out: TextIO) -> int:
    client = _client(args)
    if args.xml is not None:
        if args.name is not None:
            raise ConfigError("give a request name or --xml, not both")
        text = sys.stdin.buffer.read() if args.xml == "-" else Path(args.xml).read_bytes()
        status, reply = client.xml(text)
        print(reply, file=out)
        return 0 if status == 200 and "<error" not in reply else 1
    if args.name is None:
        raise ConfigError("give a request name (e.g. get_time) or --xml FILE")
    status, document = client.rpc(
        args.name, parse_params(args.params), synchronous=not args.asynchronous
    )
    print(json.dumps(document, indent=2, ensure_ascii=False), file=out)
    return 0 if status in (200, 202) and "error" not in document else 1


def _when(timestamp: Any) -> str:
    if not isinstance(timestamp, int | float):
        return "-"
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _events(args: argparse.Namespace, out: TextIO) -> int:
    client = _client(args)
    wanted = set(args.name or ())
    # with --name the stream is filtered here, so the server must not stop it at --count
    shown_count = 0
    with contextlib.closing(client.events(None if wanted else args.count)) as stream:
        for name, document in stream:
            if wanted and name not in wanted:
                continue
            shown_count += 1
            if args.json:
                print(json.dumps(document, ensure_ascii=False), file=out, flush=True)
            else:
                _print_event(name, document, out)
            if args.count is not None and shown_count >= args.count:
                break
    return 0


def _print_event(name: str, document: dict[str, Any], out: TextIO) -> None:
    params = document.get("params", document.get("error", document))
    shown = " ".join(
        f"{k}={json.dumps(v, ensure_ascii=False, separators=(',', ':'))}" for k, v in params.items()
    )
    print(f"{_when(document.get('timestamp'))}  {name}  {shown}", file=out, flush=True)


def _short_address(value: Any) -> str:
    """The NWK address as ``0xA00E`` (the gateway gives it as a MAC string, ``A0:0E``)."""
    if isinstance(value, int):
        return f"0x{value:04X}"
    if isinstance(value, str) and value:
        return "0x" + value.replace(":", "").upper()
    return "-"


def _devices(args: argparse.Namespace, out: TextIO) -> int:
    status, document = _client(args).rpc("get_device_information", {})
    if status != 200 or "params" not in document:
        print(json.dumps(document, indent=2), file=out)
        return 1
    records = document["params"].get("record_list", [])
    print(f"{'address':<23}  {'nwk':<6}  {'type':<11}  {'active':<6}  endpoints", file=out)
    for record in records:
        endpoints = record.get("active_endpoints") or []
        shown = ", ".join(
            f"0x{e:02X}" if isinstance(e, int) else str(e.get("endpoint_id", e))
            for e in (endpoints.values() if isinstance(endpoints, dict) else endpoints)
        )
        print(
            f"{record.get('addr_extended', '?'):<23}  "
            f"{_short_address(record.get('addr_short')):<6}  "
            f"{_NODE_TYPES.get(record.get('node_type', -1), 'unknown'):<11}  "
            f"{('yes' if record.get('active') else 'no'):<6}  {shown or '-'}",
            file=out,
        )
    return 0


def _convert(args: argparse.Namespace, out: TextIO) -> int:
    from .se.convert import ConversionError, convert  # noqa: PLC0415
    from .store import Store  # noqa: PLC0415

    data_dir = _data_dir(args)
    path = data_dir / STORE_FILE
    if not path.exists():
        raise ConfigError(f"no gateway data in {data_dir} ({STORE_FILE} is missing)")
    with Store(path) as store:
        try:
            report = convert(store, Role(args.role), force=args.force)
        except ConversionError as exc:
            print(f"segateway: {exc}", file=sys.stderr)
            return 1
    print("\n".join(report.lines()), file=out)
    return 0


_HANDLERS: dict[str, Callable[[argparse.Namespace, TextIO], int]] = {
    "run": _run,
    "rpc": _rpc,
    "events": _events,
    "devices": _devices,
    "convert": _convert,
}
COMMANDS = frozenset(_HANDLERS)


def run_command(args: argparse.Namespace, out: TextIO) -> int:
    """Run one of :data:`COMMANDS`; errors are printed, the exit status returned."""
    try:
        return _HANDLERS[args.command](args, out)
    except (ClientError, ConfigError, ValueError, OSError) as exc:
        print(f"segateway: error: {exc}", file=sys.stderr)
        return 1

"""The ``segateway`` command.

segateway zcl decode HEX [--cluster 0x0702] [--profile 0x0109] [--json]
segateway zcl encode --cluster 0x0702 --command NAME [--json FIELDS] [--tsn N] ...
segateway zcl clusters [--cluster 0x0700]
segateway keys install-code HEX [--json]
segateway run [--data-dir DIR] [--http HOST:PORT] [--config FILE] [--pcap FILE] [--duration S]
              [--medium HOST:PORT]
segateway rpc NAME [key=value ...] | --xml FILE;  segateway events;  segateway devices
segateway convert ROLE [--force]
segateway simulate SCENARIO [--out DIR] [--quiet] [--no-per-device] [--no-plot] [--workers N]
segateway simulate SCENARIO --attach [--data-dir DIR | --url URL --token T] [--out DIR]
"""

from __future__ import annotations

import argparse
import enum
import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from . import __version__
from .cli_gateway import COMMANDS as GATEWAY_COMMANDS
from .cli_gateway import add_commands, run_command
from .cli_simulate import COMMAND as SIMULATE
from .cli_simulate import add_command as add_simulate
from .cli_simulate import run_simulate
from .sim.pcap import wireshark_key_record
from .zcl.cluster import Cluster, Command, Side
from .zcl.errors import ZclError
from .zcl.formatting import FormattingError, MeteringFormat, engineering_kind
from .zcl.frame import SE_PROFILE, ZclFrame, decode_frame, encode_frame, find_command
from .zcl.header import Direction
from .zcl.registry import CLUSTERS, get_cluster
from .zcl.schema import Field, ListOf, Schema, Typed
from .zcl.types import BitStruct, datetime_from_utc
from .zcl.types import utc_time as UTC_TIME  # noqa: N812 - a constant here
from .zigbee.install_code import CODE_LENGTHS, InstallCode, InstallCodeError

__all__ = ["main"]

METERING_CLUSTER = 0x0702
UNIT_OF_MEASURE = 0x0300


def _int(text: str) -> int:
    """An integer in decimal or with a 0x / 0b prefix."""
    try:
        return int(text, 0)
    except ValueError:
        msg = f"not an integer: {text!r}"
        raise argparse.ArgumentTypeError(msg) from None


def _hex_bytes(text: str) -> bytes:
    cleaned = "".join(text.split()).replace(":", "").replace("-", "")
    if cleaned.lower().startswith("0x"):
        cleaned = cleaned[2:]
    try:
        return bytes.fromhex(cleaned)
    except ValueError:
        msg = f"not hex bytes: {text!r}"
        raise argparse.ArgumentTypeError(msg) from None


def _direction(text: str) -> Direction:
    aliases = {
        "c2s": Direction.client_to_server,
        "client_to_server": Direction.client_to_server,
        "0": Direction.client_to_server,
        "s2c": Direction.server_to_client,
        "server_to_client": Direction.server_to_client,
        "1": Direction.server_to_client,
    }
    try:
        return aliases[text.lower()]
    except KeyError:
        msg = f"direction is c2s or s2c, not {text!r}"
        raise argparse.ArgumentTypeError(msg) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="segateway", description="Open ZigBee Smart Energy gateway."
    )
    parser.add_argument("--version", action="version", version=f"segateway {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    zcl = sub.add_parser("zcl", help="decode and encode ZigBee Cluster Library frames")
    zsub = zcl.add_subparsers(dest="zcl_command", required=True)

    dec = zsub.add_parser("decode", help="decode a ZCL frame (an APS payload) given in hex")
    dec.add_argument("hex", nargs="+", help="frame bytes in hex; spaces and colons are ignored")
    dec.add_argument("--cluster", type=_int, help="cluster id, e.g. 0x0702")
    dec.add_argument(
        "--profile", type=_int, default=SE_PROFILE, help="profile id (default 0x0109, SE)"
    )
    dec.add_argument("--json", action="store_true", help="print one JSON object")

    enc = zsub.add_parser("encode", help="encode a ZCL command and print its hex")
    enc.add_argument("--cluster", type=_int, help="cluster id (not needed for foundation)")
    enc.add_argument("--command", required=True, help="command name, e.g. load_control_event")
    enc.add_argument(
        "--json", dest="fields", default="{}", help="the fields as a JSON object, e.g. '{\"a\": 1}'"
    )
    enc.add_argument("--tsn", type=_int, default=0, help="transaction sequence number")
    enc.add_argument(
        "--direction", type=_direction, help="c2s or s2c (foundation commands need it)"
    )
    enc.add_argument("--manufacturer", type=_int, help="manufacturer code (sets bit 2)")
    enc.add_argument("--disable-default-response", action="store_true")

    lst = zsub.add_parser("clusters", help="list the clusters, commands and attributes we define")
    lst.add_argument("--cluster", type=_int, help="show one cluster in full")

    keys = sub.add_parser("keys", help="install codes and link keys")
    ksub = keys.add_subparsers(dest="keys_command", required=True)
    code = ksub.add_parser(
        "install-code", help="check an install code's CRC and derive its link key"
    )
    code.add_argument(
        "hex",
        nargs="+",
        help="install code and CRC in hex as printed (6, 8, 12 or 16 bytes + 2); "
        "spaces, '-' and ':' are ignored",
    )
    code.add_argument("--json", action="store_true", help="print one JSON object")
    add_commands(sub)
    add_simulate(sub)
    return parser


# --- rendering -----------------------------------------------------------------------------


def _scalar(value: Any) -> str:
    if isinstance(value, BitStruct):
        parts = ", ".join(f"{k}={_scalar(v)}" for k, v in value.parts().items())
        return f"0x{int(value):02x} ({parts})"
    if isinstance(value, enum.Enum):
        return f"{value.name} (0x{int(value.value):02x})"
    if isinstance(value, bytes):
        if not value:
            return "(empty)"
        text = value.decode("ascii", "replace")
        shown = f' "{text}"' if text.isprintable() and "\ufffd" not in text else ""
        return value.hex(" ") + shown
    if value is None:
        return "(absent)"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value} (0x{value:x})" if value >= 0 else str(value)
    return repr(value) if isinstance(value, str) else str(value)


def _utc_note(value: Any) -> str:
    if not isinstance(value, int) or isinstance(value, bool):
        return ""
    if value == 0:
        return "  [0: now]"
    moment = datetime_from_utc(value)
    return "  [invalid]" if moment is None else f"  [{moment.isoformat()}]"


def _is_non_value(f: Field, value: Any) -> bool:
    """The field holds its type's invalid value (SE uses it for "not used")."""
    if isinstance(f.kind, Typed | ListOf | Schema) or isinstance(value, bool | enum.Enum):
        return False
    invalid = f.wire.invalid if f.wire is not None else None
    return isinstance(value, int) and isinstance(invalid, int) and value == invalid


def _render(
    record: Any, schema: Schema, indent: int, out: list[str], names: dict[int, str] | None
) -> None:
    pad = "  " * indent
    values = dict(zip(schema.field_names, record, strict=True))
    for f in schema.fields:
        key, value = f.name, values[f.name]
        if isinstance(value, list):
            item_kind = f.kind.item if isinstance(f.kind, ListOf) else None
            out.append(f"{pad}{key}: [{len(value)}]")
            for item in value:
                if isinstance(item_kind, Schema):
                    out.append(f"{pad}  -")
                    _render(item, item_kind, indent + 2, out, names)
                else:
                    out.append(f"{pad}  - {_scalar(item)}")
        elif isinstance(f.kind, Schema) and value is not None:
            out.append(f"{pad}{key}:")
            _render(value, f.kind, indent + 1, out, names)
        elif key == "attribute_id" and isinstance(value, int):
            name = names.get(value, "") if names else ""
            out.append(f"{pad}{key}: 0x{value:04x} {name}".rstrip())
        else:
            note = ""
            is_utc = f.wire is UTC_TIME or (
                isinstance(f.kind, Typed) and values.get(f.kind.type_field) == UTC_TIME.type_id
            )
            if is_utc:
                note = _utc_note(value)
            elif _is_non_value(f, value):
                note = f"  [non-value: {f.note}]" if f.note else "  [non-value]"
            out.append(f"{pad}{key}: {_scalar(value)}{note}")


def _attribute_names(frame: ZclFrame) -> dict[int, str] | None:
    cluster = frame.cluster
    if cluster is None:
        return None
    names = {a.id: a.name for a in cluster.attributes_by_side[Side.client].values()}
    names.update({a.id: a.name for a in cluster.attributes_by_side[Side.server].values()})
    return names


def _engineering_values(frame: ZclFrame) -> list[str]:
    """Metered attributes in engineering units, when the frame also carries the unit."""
    if frame.cluster is None or frame.cluster.id != METERING_CLUSTER:
        return []
    records = getattr(frame.payload, "records", None)
    if not records or not hasattr(records[0], "value"):
        return []
    values = {r.attribute_id: r.value for r in records if r.value is not None}
    if UNIT_OF_MEASURE not in values:
        return []
    try:
        fmt = MeteringFormat.from_attributes(values)
        shown = [
            f"    0x{attr:04x}: {fmt.attribute(attr, raw)}"
            for attr, raw in values.items()
            if engineering_kind(attr) is not None and isinstance(raw, int)
        ]
    except FormattingError as exc:
        return [f"  engineering values: cannot convert ({exc})"]
    if not shown:
        return []
    note = []
    if fmt.multiplier is None or fmt.divisor is None:
        note = ["    (multiplier or divisor not in this frame: taken as 1)"]
    return ["  engineering values (raw × multiplier ÷ divisor):", *shown, *note]


def _describe(frame: ZclFrame, cluster_id: int | None, profile: int) -> str:
    h = frame.header
    cluster = frame.cluster
    where = "no cluster given"
    if cluster_id is not None:
        where = f"cluster 0x{cluster_id:04X} " + (cluster.name if cluster else "(not defined here)")
    lines = [f"ZCL frame, {where}, profile 0x{profile:04X}"]
    fc = h.frame_control
    flags = [h.frame_type.name, h.direction.name]
    if h.disable_default_response:
        flags.append("default response disabled")
    if fc.reserved:
        flags.append(f"reserved bits 0b{fc.reserved:03b}")
    lines.append(f"  frame control 0x{int(fc):02x}: {', '.join(flags)}")
    if h.manufacturer is not None:
        lines.append(f"  manufacturer 0x{h.manufacturer:04x}")
    name = frame.command.name if frame.command else "unknown command (payload kept as bytes)"
    lines.append(f"  tsn {h.tsn}, command 0x{h.command_id:02x} {name}")
    if frame.command is None:
        lines.append(f"  payload: {bytes(frame.payload).hex(' ') or '(empty)'}")
    else:
        out: list[str] = []
        _render(frame.payload, frame.command.schema, 2, out, _attribute_names(frame))
        lines.extend(out or ["    (no fields)"])
        lines.extend(_engineering_values(frame))
    if frame.rest:
        lines.append(f"  trailing bytes after the payload: {frame.rest.hex(' ')}")
    return "\n".join(lines)


def _list_clusters(cluster_id: int | None, out: TextIO) -> None:
    chosen: list[type[Cluster]]
    if cluster_id is None:
        chosen = list(CLUSTERS.values())
    else:
        found = get_cluster(cluster_id)
        if found is None:
            msg = f"cluster 0x{cluster_id:04X} is not defined here"
            raise ZclError(msg)
        chosen = [found]
    for cluster in chosen:
        print(f"0x{cluster.id:04X} {cluster.name} — {cluster.label}", file=out)
        for direction in Direction:
            for cmd in cluster.by_direction[direction].values():
                fields = ", ".join(cmd.schema.field_names) or "no payload"
                print(f"  {direction.name} 0x{cmd.id:02X} {cmd.name} ({fields})", file=out)
        if cluster_id is not None:
            for side in Side:
                for attr in cluster.attributes_by_side[side].values():
                    print(
                        f"  {side.name} attribute 0x{attr.id:04X} {attr.name}: {attr.wire.name}",
                        file=out,
                    )


def _encode(args: argparse.Namespace) -> str:
    cluster = None
    if args.cluster is not None:
        cluster = get_cluster(args.cluster)
        if cluster is None:
            msg = f"cluster 0x{args.cluster:04X} is not defined here"
            raise ZclError(msg)
    try:
        fields = json.loads(args.fields)
    except json.JSONDecodeError as exc:
        msg = f"--json is not valid JSON: {exc}"
        raise ZclError(msg) from None
    if not isinstance(fields, dict):
        msg = "--json must be a JSON object of field names to values"
        raise ZclError(msg)
    try:
        command: Command = find_command(cluster, args.command, args.direction)
    except KeyError as exc:
        raise ZclError(str(exc.args[0])) from None
    data = encode_frame(
        command,
        fields,
        tsn=args.tsn,
        direction=args.direction,
        manufacturer=args.manufacturer,
        disable_default_response=args.disable_default_response,
        cluster=cluster,
    )
    return data.hex()


def _install_code(text: str, *, as_json: bool, out: TextIO) -> int:
    """``keys install-code``: 0 when the CRC matches (link key printed), 1 when it does not."""
    ic = InstallCode.parse(text, verify=False)
    code, given, expected = (
        ic.code.hex().upper(),
        ic.crc.hex().upper(),
        ic.expected_crc.hex().upper(),
    )
    key = ic.link_key.hex().upper() if ic.crc_ok else None
    if as_json:
        obj = {"code": code, "crc": given, "expected_crc": expected, "crc_ok": ic.crc_ok}
        print(json.dumps({**obj, "link_key": key}), file=out)
        return 0 if ic.crc_ok else 1
    lines = [
        f"install code  {code} ({len(ic.code)} bytes + 2-byte CRC)",
        f"CRC given     {given}",
    ]
    if key is None:
        lines.append(f"CRC expected  {expected}  MISMATCH: check the code for a typo")
        if ic.crc[::-1] == ic.expected_crc:
            lines.append(
                "              the CRC bytes look swapped: they go low byte first, "
                f"as transmitted: {code}{expected}"
            )
        whole = ic.code + ic.crc
        if len(whole) in CODE_LENGTHS:
            lines.append(
                "              if the CRC was left out, the code with its CRC is "
                f"{InstallCode.from_code(whole)}"
            )
        lines.append("link key      not derived (fix the code or its CRC first)")
    else:
        lines += [
            f"CRC expected  {expected}  (matches)",
            f"link key      {key}",
            f"  colons      {ic.link_key.hex(':').upper()}",
            f'  Digi RPC    <link_key type="base16">{key}</link_key>',
            f"  Wireshark   {wireshark_key_record(ic.link_key, f'install code {ic}')}",
        ]
    print("\n".join(lines), file=out)
    return 0 if ic.crc_ok else 1


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 bad frame or fields, 2 usage)."""
    stdout = out or sys.stdout
    args = _parser().parse_args(argv)
    if args.command in GATEWAY_COMMANDS:
        return run_command(args, stdout)
    if args.command == SIMULATE:
        return run_simulate(args, stdout)
    try:
        if args.command == "keys":
            return _install_code(" ".join(args.hex), as_json=args.json, out=stdout)
        if args.zcl_command == "decode":
            data = _hex_bytes("".join(args.hex))
            frame = decode_frame(data, args.cluster, profile=args.profile)
            if args.json:
                print(json.dumps(frame.to_json(), ensure_ascii=False), file=stdout)
            else:
                print(_describe(frame, args.cluster, args.profile), file=stdout)
        elif args.zcl_command == "encode":
            print(_encode(args), file=stdout)
        else:
            _list_clusters(args.cluster, stdout)
    except (ZclError, InstallCodeError, argparse.ArgumentTypeError) as exc:
        print(f"segateway: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # output piped into head & co.
        return 0
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

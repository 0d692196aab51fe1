"""``docs/rpc.md``, generated from the catalog.

``python -m segateway.rpc.docs`` writes it (default path ``docs/rpc.md``); ``--check`` only
compares and exits 1 when the file is stale (the test suite does the same).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from .catalog import API_VERSION, CATALOG, INTERFACES, Catalog, Completion, MessageSpec
from .gateway import REGISTRY
from .records import FieldSpec, RecordSpec
from .types import Kind, RpcType

__all__ = ["DEFAULT_PATH", "main", "render"]

DEFAULT_PATH = Path("docs/rpc.md")
_COMPLETION = {
    Completion.immediate: "answered at once",
    Completion.network: "answered when the network work completes",
    Completion.none: "no response",
}
_GROUPS = ("ZDO", "ZCL", "SE", "Metering")


def _tags(provenance: str, added: bool = False) -> str:
    tags = "".join(f"[{letter}]" for letter in provenance)
    return f"{tags} *(segateway)*" if added else tags


def _type(t: RpcType) -> str:
    if t.kind is Kind.RECORD:
        return f"[{t.label}](#{t.label.lower()})"
    if t.kind is Kind.LIST and t.item is not None:
        return f"list of {_type(t.item)}"
    if t.kind is Kind.DICT and t.item is not None:
        return f"dict of {_type(t.item)}"
    if t.kind is Kind.UNION:
        return " \\| ".join(_type(o) for o in t.options)
    return t.label


def _default(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        if -10 < value < 10:
            return str(value)
        return f"-0x{-value:X}" if value < 0 else f"0x{value:X}"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _fields(fields: Sequence[FieldSpec], *, request: bool) -> list[str]:
    if not fields:
        return ["No parameters.", ""]
    head = "| name | type | | default | description | source |"
    rows = [head, "|---|---|---|---|---|---|"]
    for spec in fields:
        if request:
            need = (
                "response only"
                if spec.response_only
                else ("required" if spec.required else "optional")
            )
        else:
            need = "always" if spec.required else "sometimes"
        rows.append(
            f"| `{spec.name}` | {_type(spec.type)} | {need} | {_default(spec.default)} | "
            f"{_cell(spec.doc)} | {_tags(spec.provenance)} |"
        )
    rows.append("")
    return rows


def _extra(extra: RpcType | None) -> list[str]:
    if extra is None:
        return []
    return [f"Further parameters of any name, of type {_type(extra)}.", ""]


def _message(spec: MessageSpec, level: str) -> list[str]:
    lines = [f"{level} `{spec.name}` {_tags(spec.provenance, spec.added)}", "", spec.doc, ""]
    lines += _fields(spec.params, request=False)
    lines += _extra(spec.extra)
    return lines


def _record(spec: RecordSpec) -> list[str]:
    lines = [f"### {spec.name}", "", f"{_tags(spec.provenance, spec.added)} {spec.doc}", ""]
    return lines + _fields(spec.fields, request=True)


def render(catalog: Catalog = CATALOG) -> str:
    """The whole of docs/rpc.md."""
    requests = catalog.requests
    lines = [
        "# The RPC API",
        "",
        "<!-- Generated from segateway.rpc.catalog by `python -m segateway.rpc.docs`; "
        "do not edit by hand. -->",
        "",
        f"The requests, responses, asynchronous messages and records of the Digi SE Framework RPC "
        f"API (API level {API_VERSION}), as segateway implements them, in XML (RCI) and JSON. "
        f"{len(requests)} requests, {len(catalog.answers) - len(catalog.messages)} responses, "
        f"{len(catalog.messages)} asynchronous messages, {len(catalog.records)} records.",
        "",
        "Sources: [N] the X2e documentation, [O] the old ConnectPort X2 user's manual, [C] a real "
        "client, [I] inferred or designed by segateway where the reference is silent; "
        "*(segateway)* marks what the reference does not have (docs/decisions.md).",
        "",
        "Every request accepts `request_identifier` (any simple value): it is echoed in the "
        "response, in the messages published while the request runs or completes, and in the "
        "status reports, confirmations and acknowledgements devices send about the events it "
        "created. A request is answered asynchronously (the response is queued for "
        '`get_responses`) unless it is marked `synchronous="TRUE"` (JSON: '
        '`"synchronous": true`), up to RPC_Manager.synchronous_request_timeout.',
        "",
        'Errors (XML `<error id="N">`, JSON `{"error": {"code": N, …}}`): 1 request not '
        "valid (XML or JSON), 2 request not recognized (a parameter missing, unknown, of the wrong "
        "type or out of range), 3 unknown command (or one this configuration cannot serve), 4 "
        "internal error. An error leaves the gateway unchanged; what fails on the network later "
        "is a `status` in the response.",
        "",
        "## Contents",
        "",
    ]
    for interface in INTERFACES:
        names = [n for n, r in requests.items() if r.interface == interface]
        if names:
            lines.append(f"- {interface}: " + ", ".join(f"`{n}`" for n in names))
    lines += [
        "- Asynchronous messages: " + ", ".join(f"`{n}`" for n in catalog.messages),
        "- [Registry entries](#registry-entries), [Records](#records)",
        "",
    ]
    for interface in INTERFACES:
        names = [n for n, r in requests.items() if r.interface == interface]
        if not names:
            continue
        lines += [f"## {interface}", ""]
        for name in names:
            spec = requests[name]
            lines += [
                f"### `{name}` {_tags(spec.provenance, spec.added)}",
                "",
                f"{spec.doc} *({_COMPLETION[spec.completion]})*",
                "",
            ]
            lines += _fields(spec.params, request=True)
            lines += _extra(spec.extra)
            if spec.response is not None:
                lines += _message(spec.response, "####")
            if spec.causes:
                lines += ["May cause: " + ", ".join(f"`{c}`" for c in spec.causes) + ".", ""]
    lines += ["## Asynchronous messages", ""]
    for message in catalog.messages.values():
        lines += _message(message, "###")
    lines += [
        "## Registry entries",
        "",
        "Read and written with `registry_configuration`; written values persist; "
        "`registry_restore_defaults` resets them. A default of — is the gateway's configuration.",
        "",
        "| name | type | default | description |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| `{e.name}` | {e.kind.__name__} | "
        f"{_default(e.default) if isinstance(e.default, bool | None) else e.default} | "
        f"{_cell(e.doc)} |"
        for e in REGISTRY
    ]
    lines += ["", "## Records", ""]
    for group in _GROUPS:
        lines += [
            f"**{group}**: "
            + ", ".join(
                f"[{n}](#{n.lower()})" for n, r in catalog.records.items() if r.group == group
            ),
            "",
        ]
    for group in _GROUPS:
        for record_spec in catalog.records.values():
            if record_spec.group == group:
                lines += _record(record_spec)
    return "\n".join(_strip(lines)).rstrip() + "\n"


def _strip(lines: Iterable[str]) -> Iterable[str]:
    for line in lines:
        yield line.rstrip()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m segateway.rpc.docs", description=__doc__)
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    args = parser.parse_args(argv)
    text = render()
    path: Path = args.path
    current = path.read_text(encoding="utf-8") if path.exists() else None
    if args.check:
        if current != text:
            print(f"{path} is stale: run python -m segateway.rpc.docs", file=sys.stderr)
            return 1
        return 0
    if current != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""tshark as the independent oracle for 802.15.4 / ZigBee frame formats.

Frames are written to a classic pcap with LINKTYPE_IEEE802_15_4_WITHFCS (195) — every frame ends
with its 2-byte FCS, which tshark checks (``wpan.fcs_ok``) — and dissected with ``tshark -T pdml``;
:func:`dissect` returns, per frame, every named field with its displayed value, raw bytes, offset
and size.

What tshark 4.0 needs (checked with 4.0.17):

* nothing to recognise ZigBee: with link type 195 the ``wpan`` dissector hands data frames to the
  heuristic ZigBee NWK dissector (on by default), which accepts a NWK frame control of protocol
  version 2, and beacon payloads to the ZigBee beacon heuristic (protocol id 0). No ``-d`` /
  decode-as rule and no ``-o wpan.*`` preference is required (``wpan.fcs_format`` already defaults
  to "ITU-T CRC-16").
* we still pin the choice down with ``--enable-heuristic`` / ``--disable-heuristic``, which take the
  heuristics' *short names* — not the protocol names ``tshark -G heuristic-decodes`` lists
  (``--enable-heuristic zbee_nwk`` fails with "No such protocol"). In 4.0 they are
  ``zbee_nwk_wpan`` and ``zbee_wpan_beacon`` (enabled), and the competitors on the same tables
  ``zbee_nwk_gp_wlan``, ``6lowpan_wlan``, ``lwm_wlan``, ``zbip_wpan_beacon``,
  ``thread_wlan_beacon`` (disabled), so that a frame we get wrong shows up as malformed ZigBee
  rather than silently re-dissected as something else.
* ``-n``: no name resolution, so IEEE addresses print as ``aa:bb:…`` rather than vendor names.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

__all__ = [
    "TSHARK",
    "Dissection",
    "dissect",
    "dissect_layers",
    "read_pcap",
    "requires_tshark",
    "write_pcap",
]

TSHARK = shutil.which("tshark")
requires_tshark = pytest.mark.skipif(TSHARK is None, reason="tshark is not installed")

LINKTYPE_IEEE802_15_4_WITHFCS = 195
OPTIONS = (
    "-n",
    "--enable-heuristic",
    "zbee_nwk_wpan",
    "--enable-heuristic",
    "zbee_wpan_beacon",
    "--disable-heuristic",
    "zbee_nwk_gp_wlan",
    "--disable-heuristic",
    "6lowpan_wlan",
    "--disable-heuristic",
    "lwm_wlan",
    "--disable-heuristic",
    "zbip_wpan_beacon",
    "--disable-heuristic",
    "thread_wlan_beacon",
)


def write_pcap(path: Path, frames: Sequence[bytes]) -> None:
    """A classic little-endian pcap (magic a1b2c3d4, v2.4, µs timestamps) of ``frames``."""
    with path.open("wb") as out:
        # magic, version 2.4, thiszone, sigfigs, snaplen, link type
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 195))
        for number, frame in enumerate(frames):
            # seconds, microseconds, captured length, original length
            out.write(struct.pack("<IIII", number, 0, len(frame), len(frame)))
            out.write(frame)


@dataclass(frozen=True)
class Field:
    name: str
    show: str
    value: str  # the field's bytes in hex, as in the frame ("" when tshark gives none)
    pos: int
    size: int


@dataclass
class Dissection:
    """One frame as tshark sees it."""

    protocols: list[str]
    fields: dict[str, list[Field]] = field(default_factory=dict)

    def has(self, name: str) -> bool:
        return name in self.fields

    def all(self, name: str) -> list[str]:
        return [f.show for f in self.fields.get(name, [])]

    def one(self, name: str) -> Field:
        found = self.fields.get(name)
        assert found, f"tshark shows no {name}; it has {sorted(self.fields)}"
        assert len({(f.show, f.pos) for f in found}) == 1, f"{name} appears more than once"
        return found[0]

    def show(self, name: str) -> str:
        return self.one(name).show

    def int(self, name: str) -> int:
        """A number, boolean (0/1) or EUI-64 (``aa:bb:…``, most significant byte first)."""
        text = self.show(name)
        if ":" in text:
            return int(text.replace(":", ""), 16)
        return int(text, 0)

    def ints(self, name: str) -> list[int]:
        return [int(s, 0) for s in self.all(name)]

    def raw(self, name: str) -> bytes:
        return bytes.fromhex(self.one(name).value)


def dissect(frames: Sequence[bytes]) -> list[Dissection]:
    """Dissect ``frames`` (each with its FCS) in one tshark run."""
    assert TSHARK is not None
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "frames.pcap"
        write_pcap(path, frames)
        result = subprocess.run(  # noqa: S603 - fixed arguments, our own temporary file
            [TSHARK, *OPTIONS, "-r", str(path), "-T", "pdml"],
            capture_output=True,
            check=True,
            timeout=120,
        )
    root = ET.fromstring(result.stdout)  # noqa: S314 - tshark's output
    dissections = []
    for packet in root.iter("packet"):
        protocols: list[str] = []
        fields: dict[str, list[Field]] = {}
        for element in packet.iter():
            name = element.get("name")
            if not name:
                continue
            if element.tag == "proto":
                protocols.append(name)
                continue
            fields.setdefault(name, []).append(
                Field(
                    name,
                    element.get("show", ""),
                    element.get("value", ""),
                    int(element.get("pos", "0")),
                    int(element.get("size", "0")),
                )
            )
        dissections.append(Dissection(protocols, fields))
    assert len(dissections) == len(frames)
    return dissections


def read_pcap(path: Path) -> list[tuple[float, bytes]]:
    """The records of a classic pcap (either byte order, µs or ns timestamps): ``(time, frame)``.

    Read here with ``struct`` from the pcap format itself, so that a test can compare what is in a
    capture with what tshark makes of it without trusting the writer under test.
    """
    data = path.read_bytes()
    magic = data[:4]
    formats = {
        b"\xd4\xc3\xb2\xa1": ("<", 1e-6),
        b"\xa1\xb2\xc3\xd4": (">", 1e-6),
        b"\x4d\x3c\xb2\xa1": ("<", 1e-9),
        b"\xa1\xb2\x3c\x4d": (">", 1e-9),
    }
    assert magic in formats, f"not a classic pcap: magic {magic.hex()}"
    order, unit = formats[magic]
    record = struct.Struct(order + "IIII")
    records = []
    offset = 24
    while offset < len(data):
        seconds, fraction, kept, _ = record.unpack_from(data, offset)
        offset += record.size
        records.append((seconds + fraction * unit, data[offset : offset + kept]))
        offset += kept
    return records


def _layer(name: str, element: ET.Element) -> Dissection:
    layer = Dissection([name])
    layer.fields[name] = [
        Field(name, element.get("showname", ""), "", int(element.get("pos", "0")), _size(element))
    ]
    return layer


def _size(element: ET.Element) -> int:
    return int(element.get("size", "0"))


def _collect(element: ET.Element, layer: Dissection, layers: list[Dissection]) -> None:
    for child in element:
        name = child.get("name", "")
        if child.tag == "proto":
            inner = _layer(name, child)
            layers.append(inner)
            _collect(child, inner, layers)
            continue
        layer.fields.setdefault(name, []).append(
            Field(
                name,
                child.get("show", ""),
                child.get("value", ""),
                int(child.get("pos", "0")),
                _size(child),
            )
        )
        _collect(child, layer, layers)


def dissect_layers(path: Path, options: Sequence[str] = ()) -> list[list[Dissection]]:
    """Dissect the capture at ``path`` with tshark (``options`` added: key tables, say), layer by
    layer.

    Per frame, one :class:`Dissection` per protocol layer in tshark's order (``frame``, ``wpan``,
    ``zbee_nwk``, ``zbee_aps``, …; a layer may appear twice, as ``zbee_aps`` does in a Tunnel
    command). A layer holds the fields nested in it, the ZigBee security header's included (the
    NWK auxiliary header's fields are in ``zbee_nwk``, the APS one's in ``zbee_aps``), expert
    infos, unnamed fields under ``""``, and itself under its own name (its ``pos`` and ``size``).
    ``protocols`` is ``[layer name]``.

    tshark runs with an empty personal configuration directory (``WIRESHARK_CONFIG_DIR``), so
    that keys in the user's own ``zigbee_pc_keys`` file cannot decrypt what the test meant to
    leave encrypted.
    """
    assert TSHARK is not None
    with tempfile.TemporaryDirectory() as directory:
        result = subprocess.run(  # noqa: S603 - fixed arguments and the test's own capture
            [TSHARK, *OPTIONS, *options, "-r", str(path), "-T", "pdml"],
            capture_output=True,
            check=True,
            timeout=120,
            env={**os.environ, "WIRESHARK_CONFIG_DIR": directory},
        )
    root = ET.fromstring(result.stdout)  # noqa: S314 - tshark's output
    frames = []
    for packet in root.iter("packet"):
        layers: list[Dissection] = []
        for proto in packet:
            if proto.tag != "proto":
                continue
            layer = _layer(proto.get("name", ""), proto)
            layers.append(layer)
            _collect(proto, layer, layers)
        frames.append(layers)
    return frames

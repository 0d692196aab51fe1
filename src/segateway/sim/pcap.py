"""Captures of the simulated air in classic pcap, and the keys Wireshark needs to read them.

``PcapWriter`` writes 802.15.4 frames (LINKTYPE_IEEE802_15_4_WITHFCS, 195, by default; or 230,
NOFCS) with microsecond timestamps taken from virtual time plus an epoch, so a capture opened in
Wireshark shows plausible dates. ``write_wireshark_keys`` writes the ``zigbee_pc_keys`` table
(Preferences, Protocols, ZigBee, Pre-configured Keys) and ``tshark_key_options`` gives
the same keys as tshark ``-o`` arguments::

    tshark -r air.pcap -o 'uat:zigbee_pc_keys:"5A6967426565416C6C69616E63653039","Normal","tc"'
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Self

__all__ = [
    "DEFAULT_EPOCH",
    "LINKTYPE_IEEE802_15_4_NOFCS",
    "LINKTYPE_IEEE802_15_4_WITHFCS",
    "PcapWriter",
    "fcs",
    "tshark_key_options",
    "wireshark_key_record",
    "write_wireshark_keys",
]

LINKTYPE_IEEE802_15_4_WITHFCS = 195
"""802.15.4 MPDUs ending in their 2-byte FCS."""

LINKTYPE_IEEE802_15_4_NOFCS = 230
"""802.15.4 MPDUs without FCS."""

DEFAULT_EPOCH = 1_700_000_000
"""Unix time that virtual time 0 is shown as (2023-11-14T22:13:20Z)."""

_SNAPLEN = 65535
_GLOBAL_HEADER = struct.Struct("<IHHiIII")
_RECORD_HEADER = struct.Struct("<IIII")
_MAGIC = 0xA1B2C3D4
_KEY_SIZE = 16


def _kermit_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_KERMIT = _kermit_table()


def fcs(mpdu: bytes) -> bytes:
    """The 802.15.4 FCS of an MPDU: CRC-16/KERMIT (ITU-T, reflected, init 0), little-endian."""
    crc = 0
    table = _KERMIT
    for byte in mpdu:
        crc = (crc >> 8) ^ table[(crc ^ byte) & 0xFF]
    return crc.to_bytes(2, "little")


class PcapWriter:
    """Writes 802.15.4 frames to a classic pcap file (version 2.4, microsecond timestamps).

    ``target`` is a path (the writer opens and closes the file) or a binary file object (the
    writer only flushes it). ``time_seconds`` passed to ``write`` is virtual time; the record
    shows ``epoch + time_seconds``. With ``append_fcs=True`` frames are given without FCS and
    the writer appends it (linktype 195 only).
    """

    def __init__(
        self,
        target: str | os.PathLike[str] | BinaryIO,
        linktype: int = LINKTYPE_IEEE802_15_4_WITHFCS,
        *,
        epoch: int = DEFAULT_EPOCH,
        append_fcs: bool = False,
    ) -> None:
        if linktype not in (LINKTYPE_IEEE802_15_4_WITHFCS, LINKTYPE_IEEE802_15_4_NOFCS):
            msg = f"linktype {linktype} is not 802.15.4 (195 with FCS or 230 without)"
            raise ValueError(msg)
        if append_fcs and linktype != LINKTYPE_IEEE802_15_4_WITHFCS:
            msg = "append_fcs needs linktype 195 (frames with FCS)"
            raise ValueError(msg)
        if isinstance(target, str | os.PathLike):
            self._file: BinaryIO = Path(target).open("wb")  # noqa: SIM115 - closed by close()
            self._owned = True
        else:
            self._file = target
            self._owned = False
        self.linktype = linktype
        self._epoch_us = int(epoch) * 1_000_000
        self._append_fcs = append_fcs
        self._file.write(_GLOBAL_HEADER.pack(_MAGIC, 2, 4, 0, 0, _SNAPLEN, linktype))

    def write(self, time_seconds: float, frame: bytes) -> None:
        """Append one frame heard at virtual time ``time_seconds`` (≥ 0)."""
        if time_seconds < 0:
            msg = f"capture time must not be negative, not {time_seconds}"
            raise ValueError(msg)
        if self._append_fcs:
            frame = frame + fcs(frame)
        stamp = self._epoch_us + round(time_seconds * 1_000_000)
        seconds, micros = divmod(stamp, 1_000_000)
        length = len(frame)
        kept = min(length, _SNAPLEN)
        self._file.write(_RECORD_HEADER.pack(seconds, micros, kept, length) + frame[:kept])

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        """Flush; close the file if the writer opened it."""
        if self._owned:
            self._file.close()
        else:
            self._file.flush()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _uat_string(text: str) -> str:
    """A UAT string field: quoted, with quotes, backslashes and non-printables as \\xNN."""
    escaped = "".join(
        c if " " <= c <= "~" and c not in '"\\' else "".join(f"\\x{b:02x}" for b in c.encode())
        for c in text
    )
    return f'"{escaped}"'


def wireshark_key_record(key: bytes, label: str) -> str:
    """One ``zigbee_pc_keys`` record: ``"<32 hex digits>","Normal","<label>"``."""
    if len(key) != _KEY_SIZE:
        msg = f"a ZigBee key is 16 bytes, not {len(key)}"
        raise ValueError(msg)
    return f'"{key.hex().upper()}","Normal",{_uat_string(label)}'


def write_wireshark_keys(path: str | os.PathLike[str], keys: Iterable[tuple[bytes, str]]) -> None:
    """Write a Wireshark ``zigbee_pc_keys`` file (put it in the profile or personal config dir)."""
    lines = ["# ZigBee pre-configured keys written by segateway", "# key, byte order, label"]
    lines.extend(wireshark_key_record(key, label) for key, label in keys)
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


def tshark_key_options(keys: Iterable[tuple[bytes, str]]) -> list[str]:
    """tshark arguments that load ``keys`` into the ZigBee key table: ``["-o", "uat:…", …]``."""
    options: list[str] = []
    for key, label in keys:
        options += ["-o", f"uat:zigbee_pc_keys:{wireshark_key_record(key, label)}"]
    return options

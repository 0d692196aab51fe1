"""Install codes, their CRC and the AES-MMO hash that turns them into link keys.

An install code is 6, 8, 12 or 16 random bytes printed on a device, followed by a CRC-16/X-25 of
those bytes sent least-significant byte first (se-spec.md §4.1). The device and the trust centre
both derive the preconfigured link key as ``MMO(code ‖ CRC)`` — the two CRC bytes are hashed too
(se-spec.md §4.2).

The MMO hash is the ZigBee cryptographic hash of ZigBee spec 05-3474 Annex B.6: Matyas-Meyer-Oseas
over AES-128, ``H0 = 0¹²⁸``, ``Hj = E(Hj-1, Mj) ⊕ Mj``. Padding: a 1 bit, then zeros, then the
message length in bits. Messages shorter than 2¹⁶ bits (8192 bytes) carry a 16-bit length in the
last two bytes of the final block; longer ones (up to 2³² bits) carry a 32-bit length followed by
16 zero bits — the rule Annex C.5.4–C.5.6 test (8192, 8201 and 8202-byte messages).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

__all__ = [
    "CODE_LENGTHS",
    "InstallCode",
    "InstallCodeError",
    "crc16_x25",
    "mmo_hash",
]

CODE_LENGTHS = (6, 8, 12, 16)
"""Install-code lengths in bytes, without the 2-byte CRC (48, 64, 96 and 128 bits)."""

_BLOCK = 16
_SHORT_LIMIT = 8192  # bytes: 2**16 bits, where the 16-bit length field no longer fits
_MMO_LIMIT = 1 << 29  # bytes: 2**32 bits, the most the 32-bit length field can express


def _reflected_table(poly: int) -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_X25_TABLE = _reflected_table(0x8408)  # x¹⁶ + x¹² + x⁵ + 1, bit-reversed


def crc16_x25(data: bytes) -> int:
    """CRC-16/X-25: reflected polynomial 0x8408, init 0xFFFF, final XOR 0xFFFF.

    ``crc16_x25(b"123456789") == 0x906E``. An install code carries it least-significant byte first.
    """
    crc = 0xFFFF
    table = _X25_TABLE
    for byte in data:
        crc = (crc >> 8) ^ table[(crc ^ byte) & 0xFF]
    return crc ^ 0xFFFF


def _mmo_padding(length: int) -> bytes:
    """The bytes appended to a message of ``length`` bytes before hashing (Annex B.6 step 1)."""
    if length < _SHORT_LIMIT:
        zeros = (14 - (length + 1)) % _BLOCK
        return b"\x80" + bytes(zeros) + (length * 8).to_bytes(2, "big")
    zeros = (10 - (length + 1)) % _BLOCK
    return b"\x80" + bytes(zeros) + (length * 8).to_bytes(4, "big") + b"\x00\x00"


def mmo_hash(data: bytes) -> bytes:
    """The ZigBee AES-128 Matyas-Meyer-Oseas hash of ``data`` (16 bytes).

    Raises ValueError for messages of 2³² bits or more, which the padding cannot express.
    """
    length = len(data)
    if length >= _MMO_LIMIT:
        msg = f"the MMO hash takes messages shorter than 2**32 bits, not {length} bytes"
        raise ValueError(msg)
    message = bytes(data) + _mmo_padding(length)
    digest = bytes(_BLOCK)
    for start in range(0, len(message), _BLOCK):
        block = message[start : start + _BLOCK]
        encrypted = Cipher(algorithms.AES(digest), modes.ECB()).encryptor().update(block)  # noqa: S305 - MMO is defined on the raw block cipher
        digest = (int.from_bytes(encrypted) ^ int.from_bytes(block)).to_bytes(_BLOCK)
    return digest


class InstallCodeError(ValueError):
    """Text or bytes that are not an install code (length, hex digits, CRC when verified)."""


_SEPARATORS = re.compile(r"[\s:\-]+")


@dataclass(frozen=True, slots=True)
class InstallCode:
    """An install code and the CRC that came with it (which may be wrong: see ``crc_ok``)."""

    code: bytes
    crc: bytes

    def __post_init__(self) -> None:
        if len(self.code) not in CODE_LENGTHS:
            msg = (
                f"an install code is 6, 8, 12 or 16 bytes before its 2-byte CRC "
                f"(8, 10, 14 or 18 in all), not {len(self.code)}"
            )
            raise InstallCodeError(msg)
        if len(self.crc) != 2:
            msg = f"the install-code CRC is 2 bytes, not {len(self.crc)}"
            raise InstallCodeError(msg)

    @classmethod
    def from_bytes(cls, data: bytes, *, verify: bool = True) -> InstallCode:
        """Code and CRC as transmitted (8, 10, 14 or 18 bytes, CRC last, low byte first)."""
        if len(data) - 2 not in CODE_LENGTHS:
            msg = (
                f"an install code with its CRC is 8, 10, 14 or 18 bytes, not {len(data)}"
                if data
                else "empty install code"
            )
            raise InstallCodeError(msg)
        result = cls(bytes(data[:-2]), bytes(data[-2:]))
        if verify and not result.crc_ok:
            msg = (
                f"install code CRC mismatch: given {result.crc.hex().upper()}, expected "
                f"{result.expected_crc.hex().upper()} for code {result.code.hex().upper()}"
            )
            raise InstallCodeError(msg)
        return result

    @classmethod
    def parse(cls, text: str, *, verify: bool = True) -> InstallCode:
        """Hex as printed on a label, ``83FE D340 7A93 9738 C552`` (spaces, ``-``, ``:`` ok)."""
        digits = _SEPARATORS.sub("", text)
        if digits[:2].lower() == "0x":
            digits = digits[2:]
        if not digits:
            msg = "empty install code"
            raise InstallCodeError(msg)
        if len(digits) % 2 or not all(c in "0123456789abcdefABCDEF" for c in digits):
            msg = f"an install code is hex digits (spaces, '-' and ':' allowed), not {text!r}"
            raise InstallCodeError(msg)
        return cls.from_bytes(bytes.fromhex(digits), verify=verify)

    @classmethod
    def from_code(cls, code: bytes) -> InstallCode:
        """The code without CRC; the right CRC is appended."""
        return cls(bytes(code), crc16_x25(code).to_bytes(2, "little"))

    @property
    def expected_crc(self) -> bytes:
        """The CRC the code should carry, in transmission order (low byte first)."""
        return crc16_x25(self.code).to_bytes(2, "little")

    @property
    def crc_ok(self) -> bool:
        return self.crc == self.expected_crc

    @property
    def link_key(self) -> bytes:
        """The preconfigured link key: MMO(code ‖ CRC as given)."""
        return mmo_hash(self.code + self.crc)

    def __str__(self) -> str:
        return (self.code + self.crc).hex().upper()

"""ZigBee frame security: CCM* with a 32-bit MIC, nonces, the keyed hash, frame counters.

Securing a NWK or APS frame (ZigBee spec 05-3474 §4.3.1, §4.4.1, §4.5.2)::

    on the air:     header ‖ aux header (level bits 0) ‖ E(payload) ‖ MIC(4)
    authenticated:  header ‖ aux header with the level bits set to 5 (ENC-MIC-32)
    nonce (13):     sender IEEE address (8, little-endian) ‖ frame counter (4, little-endian)
                    ‖ security control with level 5 (1)

The byte order inside the nonce is the on-air order of those fields (Wireshark's
packet-zbee-security.c builds it the same way); tests/sim/test_pcap.py proves it by having tshark
decrypt frames this module secured. CCM* with a MIC is plain CCM (M = 4, L = 2), so
``cryptography``'s AESCCM does the work; one AESCCM object is kept per key.

``unsecure`` authenticates only; replay protection is the caller's job, after the MIC checks:
``IncomingCounters.accept`` (remember the counter only for frames that were authentic).
"""

from __future__ import annotations

import functools
import struct
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESCCM

from .auxiliary import LEVEL_ENC_MIC_32, AuxHeader, KeyId, decode_aux
from .errors import FrameError, SecurityError
from .install_code import mmo_hash

__all__ = [
    "KEY_LOAD_INPUT",
    "KEY_TRANSPORT_INPUT",
    "MAX_FRAME_COUNTER",
    "MIC_LENGTH",
    "CounterStore",
    "IncomingCounters",
    "MemoryCounterStore",
    "OutgoingCounter",
    "aps_key",
    "ccm_decrypt",
    "ccm_encrypt",
    "hashed_key",
    "key_load_key",
    "key_transport_key",
    "keyed_hash",
    "mmo_hash",
    "nonce",
    "secure",
    "unsecure",
]

MIC_LENGTH = 4
"""Bytes of message integrity code at ENC-MIC-32, the level ZigBee PRO uses."""

KEY_TRANSPORT_INPUT = 0x00
"""Keyed-hash input byte for the key-transport key (ZigBee spec §4.5.3)."""

KEY_LOAD_INPUT = 0x02
"""Keyed-hash input byte for the key-load key (ZigBee spec §4.5.3)."""

MAX_FRAME_COUNTER = 0xFFFF_FFFE
"""The last usable frame counter: a frame counted 0xFFFFFFFF is never sent nor accepted."""

_KEY_SIZE = 16
_BLOCK = 16
_NONCE = struct.Struct("<QIB")
_LEVEL_MASK = 0x07

# --- CCM* -----------------------------------------------------------------------------------

_CACHE_SIZE = 4096
_ciphers: dict[bytes, AESCCM] = {}


def _cipher(key: bytes) -> AESCCM:
    """The AESCCM object for ``key``; the cache drops its oldest key when full."""
    cipher = _ciphers.get(key)
    if cipher is None:
        if len(key) != _KEY_SIZE:
            msg = f"a ZigBee key is 16 bytes, not {len(key)}"
            raise ValueError(msg)
        if len(_ciphers) >= _CACHE_SIZE:
            del _ciphers[next(iter(_ciphers))]
        cipher = _ciphers[bytes(key)] = AESCCM(key, tag_length=MIC_LENGTH)
    return cipher


def nonce(source: int, frame_counter: int, security_control: int) -> bytes:
    """The 13-byte CCM* nonce: source IEEE address and frame counter little-endian, control."""
    return _NONCE.pack(source, frame_counter, security_control)


def ccm_encrypt(key: bytes, nonce: bytes, aad: bytes, plaintext: bytes) -> bytes:
    """Encrypt and authenticate: ciphertext ‖ 4-byte MIC."""
    return _cipher(key).encrypt(nonce, plaintext, aad)


def ccm_decrypt(key: bytes, nonce: bytes, aad: bytes, data: bytes) -> bytes:
    """Check the MIC at the end of ``data`` and decrypt; SecurityError if it does not match."""
    if len(data) < MIC_LENGTH:
        msg = f"secured payload shorter than its {MIC_LENGTH}-byte MIC"
        raise SecurityError(msg)
    try:
        return _cipher(key).decrypt(nonce, data, aad)
    except InvalidTag:
        msg = "MIC check failed (wrong key, nonce or altered frame)"
        raise SecurityError(msg) from None


def secure(
    header: bytes, aux: AuxHeader, payload: bytes, key: bytes, source: int | None = None
) -> bytes:
    """The secured frame: ``header ‖ aux (on-air form) ‖ E(payload) ‖ MIC``.

    ``header`` is the NWK or APS header of the frame (its security bit already set). The nonce
    uses the sender's IEEE address: ``aux.source`` when the aux header carries it, otherwise
    ``source``, which the caller must then give.
    """
    if aux.source is not None:
        if source is not None and source != aux.source:
            msg = "source differs from the address in the auxiliary header"
            raise ValueError(msg)
        source = aux.source
    elif source is None:
        msg = "the nonce needs the sender's IEEE address: put it in the aux header or pass it"
        raise ValueError(msg)
    covered = aux.encode(on_air=False)
    sealed = _cipher(key).encrypt(
        _NONCE.pack(source, aux.frame_counter, covered[0]), payload, header + covered
    )
    return header + bytes((covered[0] & ~_LEVEL_MASK,)) + covered[1:] + sealed


_NWK_AUX = struct.Struct("<BIQB")  # control, frame counter, source, key sequence number
_NWK_CONTROL = LEVEL_ENC_MIC_32 | (KeyId.network << 3) | 0x20  # network key, extended nonce


def secure_nwk(
    header: bytes, counter: int, source: int, key_seq: int, payload: bytes, *, key: bytes
) -> bytes:
    """:func:`secure` for a NWK frame (network key, extended nonce): the same bytes as
    ``secure(header, AuxHeader(KeyId.network, counter, source, key_seq), payload, key)``, without
    the intermediate objects — every frame a node sends goes through here."""
    covered = _NWK_AUX.pack(_NWK_CONTROL, counter, source, key_seq)
    sealed = _cipher(key).encrypt(
        _NONCE.pack(source, counter, _NWK_CONTROL), payload, header + covered
    )
    return header + _NWK_AUX.pack(_NWK_CONTROL & ~_LEVEL_MASK, counter, source, key_seq) + sealed


def unsecure(
    frame: bytes, header_len: int, key: bytes, source: int | None = None
) -> tuple[AuxHeader, bytes]:
    """Authenticate and decrypt a frame whose aux header starts at ``header_len``.

    Returns the aux header and the plaintext payload. ``source`` is the sender's IEEE address
    when the aux header does not carry it (None: it must). Raises SecurityError for anything
    that cannot be authenticated, including a truncated aux header. The level bits received
    are replaced by ENC-MIC-32 before the check, as the spec prescribes, so they are not
    covered by the MIC; every other bit is.
    """
    if (
        len(frame) >= header_len + _NWK_AUX.size + MIC_LENGTH
        and frame[header_len] & 0x38 == _NWK_CONTROL & 0x38
    ):
        # the usual case, a NWK frame: the aux header is one struct
        air, counter, nwk_source, key_seq = _NWK_AUX.unpack_from(frame, header_len)
        control = (air & ~_LEVEL_MASK) | LEVEL_ENC_MIC_32
        start = header_len + _NWK_AUX.size
        aad = frame[:header_len] + bytes((control,)) + frame[header_len + 1 : start]
        try:
            plaintext = _cipher(key).decrypt(
                _NONCE.pack(nwk_source, counter, control), frame[start:], aad
            )
        except InvalidTag:
            msg = "MIC check failed (wrong key, nonce or altered frame)"
            raise SecurityError(msg) from None
        return AuxHeader(KeyId.network, counter, nwk_source, key_seq), plaintext
    try:
        aux, start = decode_aux(frame, header_len)
    except FrameError as exc:
        raise SecurityError(str(exc)) from None
    if aux.source is not None:
        source = aux.source
    elif source is None:
        msg = "no source address: the aux header has none and none was given"
        raise SecurityError(msg)
    control = (frame[header_len] & ~_LEVEL_MASK) | LEVEL_ENC_MIC_32
    aad = b"".join((frame[:header_len], bytes((control,)), frame[header_len + 1 : start]))
    data = frame[start:]
    if len(data) < MIC_LENGTH:
        msg = f"secured payload shorter than its {MIC_LENGTH}-byte MIC"
        raise SecurityError(msg)
    try:
        plaintext = _cipher(key).decrypt(_NONCE.pack(source, aux.frame_counter, control), data, aad)
    except InvalidTag:
        msg = "MIC check failed (wrong key, nonce or altered frame)"
        raise SecurityError(msg) from None
    return aux, plaintext


# --- keyed hash and derived keys --------------------------------------------------------------

_IPAD = 0x36363636_36363636_36363636_36363636
_OPAD = 0x5C5C5C5C_5C5C5C5C_5C5C5C5C_5C5C5C5C


def keyed_hash(key: bytes, message: bytes) -> bytes:
    """The ZigBee keyed hash (HMAC over the MMO hash, 16-byte block, ZigBee spec Annex B.1.4).

    ``MAC_K(M) = MMO((K ⊕ opad) ‖ MMO((K ⊕ ipad) ‖ M))`` with ipad 0x36…, opad 0x5C…. As in
    HMAC, a key longer than the block is hashed first and a shorter one padded with zeros.
    """
    if len(key) > _BLOCK:
        key = mmo_hash(key)
    k = int.from_bytes(key.ljust(_BLOCK, b"\x00"))
    inner = mmo_hash((k ^ _IPAD).to_bytes(_BLOCK) + message)
    return mmo_hash((k ^ _OPAD).to_bytes(_BLOCK) + inner)


@functools.lru_cache(maxsize=1024)
def hashed_key(key: bytes, input_byte: int) -> bytes:
    """The keyed hash of one byte under ``key`` (how key-transport and key-load keys are made)."""
    if len(key) != _KEY_SIZE:
        msg = f"a ZigBee key is 16 bytes, not {len(key)}"
        raise ValueError(msg)
    return keyed_hash(key, bytes((input_byte,)))


def key_transport_key(link_key: bytes) -> bytes:
    """The key securing APS Transport Key commands that carry a network key."""
    return hashed_key(link_key, KEY_TRANSPORT_INPUT)


def key_load_key(link_key: bytes) -> bytes:
    """The key securing APS Transport Key commands that carry a link key."""
    return hashed_key(link_key, KEY_LOAD_INPUT)


def aps_key(link_key: bytes, key_id: KeyId) -> bytes:
    """The key an APS frame with ``key_id`` is secured with, given the link key it stems from."""
    if key_id == KeyId.data:
        return link_key
    if key_id == KeyId.key_transport:
        return key_transport_key(link_key)
    if key_id == KeyId.key_load:
        return key_load_key(link_key)
    msg = "the network key is not derived from a link key"
    raise ValueError(msg)


# --- frame counters ---------------------------------------------------------------------------


class CounterStore(Protocol):
    """Where outgoing frame counters survive a restart (a file, a database row …)."""

    def load(self, name: str) -> int | None: ...

    def save(self, name: str, value: int) -> None: ...


class MemoryCounterStore:
    """A CounterStore in a dict: for tests and the simulator."""

    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def load(self, name: str) -> int | None:
        return self.values.get(name)

    def save(self, name: str, value: int) -> None:
        self.values[name] = value


class OutgoingCounter:
    """A frame counter that never repeats a value, even across crashes.

    The store holds a high-water mark: every value handed out is below it. Before passing the
    mark, ``next()`` saves ``mark + reserve``; a restart resumes at the saved mark, so up to
    ``reserve`` values may be skipped but none is reused.
    """

    __slots__ = ("_mark", "_name", "_next", "_reserve", "_store")

    def __init__(self, store: CounterStore, name: str, reserve: int = 1024) -> None:
        if reserve < 1:
            msg = f"reserve must be at least 1, not {reserve}"
            raise ValueError(msg)
        saved = store.load(name)
        if saved is not None and not 0 <= saved <= MAX_FRAME_COUNTER + 1:
            msg = f"stored frame counter mark {saved!r} for {name!r} is out of range"
            raise ValueError(msg)
        self._store = store
        self._name = name
        self._reserve = reserve
        self._next = saved or 0
        self._mark = self._next

    def next(self) -> int:
        """The next counter value; SecurityError once 0xFFFFFFFE has been used."""
        value = self._next
        if value > MAX_FRAME_COUNTER:
            msg = f"outgoing frame counter {self._name!r} exhausted: a new key is needed"
            raise SecurityError(msg)
        if value >= self._mark:
            mark = min(value + self._reserve, MAX_FRAME_COUNTER + 1)
            self._store.save(self._name, mark)
            self._mark = mark
        self._next = value + 1
        return value

    def __repr__(self) -> str:
        return f"OutgoingCounter({self._name!r}, next={self._next}, mark={self._mark})"


class IncomingCounters:
    """The last frame counter accepted per (sender, key), to drop replayed frames.

    Memory is bounded: at most ``max_sources`` senders (the least recently heard is forgotten
    first) and ``max_keys`` key tags per sender. A forgotten sender's next frame counts as
    first sight, so size ``max_sources`` above the number of devices in the network.
    """

    __slots__ = ("_max_keys", "_max_sources", "_sources")

    def __init__(self, max_sources: int = 4096, max_keys: int = 8) -> None:
        if max_sources < 1 or max_keys < 1:
            msg = "max_sources and max_keys must be at least 1"
            raise ValueError(msg)
        self._max_sources = max_sources
        self._max_keys = max_keys
        self._sources: dict[int, dict[object, int]] = {}

    def accept(self, source: int, key_tag: object, counter: int) -> bool:
        """True (and remembered) if ``counter`` is above the last one accepted for the pair.

        Call it only for frames whose MIC checked. 0xFFFFFFFF is never accepted.
        """
        if counter > MAX_FRAME_COUNTER:
            return False
        sources = self._sources
        keys = sources.pop(source, None)
        if keys is None:
            if len(sources) >= self._max_sources:
                del sources[next(iter(sources))]
            keys = {}
        sources[source] = keys  # most recently heard last
        last = keys.get(key_tag)
        if last is not None and counter <= last:
            return False
        if last is None and len(keys) >= self._max_keys:
            del keys[next(iter(keys))]
        keys[key_tag] = counter
        return True

    def last(self, source: int, key_tag: object) -> int | None:
        """The last counter accepted for the pair, if it is remembered."""
        keys = self._sources.get(source)
        return None if keys is None else keys.get(key_tag)

    def forget(self, source: int) -> None:
        """Drop everything about ``source`` (a device that left and may rejoin from 0)."""
        self._sources.pop(source, None)

    def __len__(self) -> int:
        return len(self._sources)

"""ZigBee frame security: CCM*, nonces, secure/unsecure, keyed hash, frame counters.

Expected values come from the ZigBee specification's Annex C vectors, frames captured from real
devices (published in zigbee-rs/zigbee-rs, zigbee/src/security/mod.rs tests) and Wireshark's
nonce layout; tests/sim/test_pcap.py has tshark decrypt what ``secure`` produces.
"""

from __future__ import annotations

import struct

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESCCM
from hypothesis import assume, given
from hypothesis import strategies as st

from segateway.zigbee import security
from segateway.zigbee.auxiliary import AuxHeader, KeyId
from segateway.zigbee.errors import SecurityError
from segateway.zigbee.install_code import mmo_hash as install_code_mmo_hash
from segateway.zigbee.security import (
    IncomingCounters,
    MemoryCounterStore,
    OutgoingCounter,
    aps_key,
    ccm_decrypt,
    ccm_encrypt,
    hashed_key,
    key_load_key,
    key_transport_key,
    keyed_hash,
    mmo_hash,
    nonce,
    secure,
    unsecure,
)

TC_LINK_KEY = b"ZigBeeAlliance09"  # the well-known default trust-centre link key

# --- frames captured from devices: zigbee-rs/zigbee-rs, zigbee/src/security/mod.rs -------------
# The tests there name the keys: network key ABCDEF01234567890000000000000000 and the trust-centre
# link key "ZigBeeAlliance09" (hashed for key-transport / key-load frames).

CAPTURED_NWK_KEY = bytes.fromhex("ABCDEF01234567890000000000000000")

# decrypt_nwk_frame: a NWK command frame (frame control 0x1A09: command, version 2, security,
# destination and source IEEE present), secured with the network key.
CAPTURED_NWK = bytes.fromhex(
    "091a"  # NWK frame control
    "0000 e1cd 01 93"  # destination, source, radius, sequence
    "e152387dc136cef4"  # destination IEEE
    "e50130389c38c1a4"  # source IEEE
    "28 01000000 e50130389c38c1a4 00"  # aux: control (network key, ext. nonce), counter, src, seq
    "a6ac13"  # encrypted NWK command
    "f8057f53"  # MIC
)
CAPTURED_NWK_HEADER_LEN = 24

# decrypt_aps_frame_key_transport: APS Transport Key command secured with the key-transport key.
CAPTURED_TRANSPORT_KEY = bytes.fromhex(
    "2195"  # APS frame control (command, security), APS counter
    "30 00000000 e152387dc136cef4"  # aux: key-transport key, ext. nonce; counter; source
    "cc56505e072dc5c1e840f2d5ce0ca92d6423cc0c56ccc4cc0f18a2e48288584a903e00"
    "4760f25d"  # MIC
)

# decrypt_aps_frame_key_load: APS Transport Key command secured with the key-load key.
CAPTURED_KEY_LOAD = bytes.fromhex(
    "2197"
    "38 01000000 e152387dc136cef4"  # aux: key-load key, ext. nonce; counter 1; source
    "e04b37db35c7134171f0dfdb22a5a165bffe415ab25fd98579925ad4e648fa06fb11"
    "b7c9043e"
)

# decrypt_aps_frame_data: an APS command secured with the link key itself (key id "data").
CAPTURED_APS_DATA = bytes.fromhex(
    "2166"
    "20 04000000 e50130389c38c1a4"  # aux: data key, ext. nonce; counter 4; source
    "1a31"
    "a4d7f4d7"
)


def test_captured_nwk_frame_authenticates_and_decrypts() -> None:
    aux, plaintext = unsecure(CAPTURED_NWK, CAPTURED_NWK_HEADER_LEN, CAPTURED_NWK_KEY)
    assert aux == AuxHeader(KeyId.network, 1, 0xA4C1389C383001E5, 0)
    # 0x0B End Device Timeout Request (ZigBee spec §3.4.11), timeout index 8, configuration 0
    assert plaintext == bytes.fromhex("0b0800")


def test_captured_transport_key_carries_the_captured_network_key() -> None:
    """The key-transport key is the keyed hash of the link key with 0x00 (§4.5.3).

    Its plaintext is a Transport Key command whose key is the one that secures the captured NWK
    frame — an end-to-end check with no value taken from our own output.
    """
    aux, plaintext = unsecure(CAPTURED_TRANSPORT_KEY, 2, key_transport_key(TC_LINK_KEY))
    assert aux == AuxHeader(KeyId.key_transport, 0, 0xF4CE36C17D3852E1)
    command, key_type, key, seq, dst, src = struct.unpack("<BB16sBQQ", plaintext)
    assert (command, key_type) == (0x05, 0x01)  # Transport Key, standard network key
    assert key == CAPTURED_NWK_KEY
    assert seq == 0  # the key sequence number in the NWK frame's aux header
    assert dst == 0xA4C1389C383001E5  # the joiner: source IEEE of the NWK frame
    assert src == 0xF4CE36C17D3852E1  # the trust centre: source of this aux header


def test_captured_key_load_frame_authenticates() -> None:
    aux, plaintext = unsecure(CAPTURED_KEY_LOAD, 2, key_load_key(TC_LINK_KEY))
    assert aux == AuxHeader(KeyId.key_load, 1, 0xF4CE36C17D3852E1)
    assert plaintext[:2] == bytes([0x05, 0x04])  # Transport Key, trust-centre link key
    assert plaintext[-16:] == struct.pack("<QQ", 0xA4C1389C383001E5, 0xF4CE36C17D3852E1)


def test_captured_aps_data_key_frame_authenticates() -> None:
    aux, plaintext = unsecure(CAPTURED_APS_DATA, 2, TC_LINK_KEY)
    assert aux == AuxHeader(KeyId.data, 4, 0xA4C1389C383001E5)
    assert plaintext == bytes([0x08, 0x04])  # Request Key, trust-centre link key


@pytest.mark.parametrize(
    ("frame", "header_len", "key"),
    [
        (CAPTURED_NWK, CAPTURED_NWK_HEADER_LEN, CAPTURED_NWK_KEY),
        (CAPTURED_TRANSPORT_KEY, 2, key_transport_key(TC_LINK_KEY)),
        (CAPTURED_KEY_LOAD, 2, key_load_key(TC_LINK_KEY)),
        (CAPTURED_APS_DATA, 2, TC_LINK_KEY),
    ],
    ids=["nwk", "transport_key", "key_load", "aps_data"],
)
def test_secure_reproduces_captured_frames(frame: bytes, header_len: int, key: bytes) -> None:
    """CCM* is deterministic: securing the same plaintext gives the captured bytes exactly."""
    aux, plaintext = unsecure(frame, header_len, key)
    assert secure(frame[:header_len], aux, plaintext, key) == frame


@pytest.mark.parametrize(
    ("frame", "header_len"),
    [(CAPTURED_NWK, CAPTURED_NWK_HEADER_LEN), (CAPTURED_TRANSPORT_KEY, 2)],
    ids=["nwk", "transport_key"],
)
def test_captured_frames_fail_with_another_key(frame: bytes, header_len: int) -> None:
    with pytest.raises(SecurityError, match="MIC"):
        unsecure(frame, header_len, TC_LINK_KEY[::-1])


# --- nonce and CCM* ----------------------------------------------------------------------------


def test_nonce_layout() -> None:
    """Source and counter little-endian, then the control byte.

    Vector: zigbee-rs/zigbee-rs security/mod.rs test_create_nonce (address 0xAAAABBBBCCCCDDDD,
    counter 0, control 0x40); Wireshark's zbee_sec_make_nonce builds the same layout.
    """
    assert nonce(0xAAAA_BBBB_CCCC_DDDD, 0, 0x40) == bytes.fromhex("ddddccccbbbbaaaa0000000040")
    assert nonce(0x0102030405060708, 0x0A0B0C0D, 0x2D) == bytes.fromhex(
        "08070605040302010d0c0b0a2d"
    )


def test_ccm_star_with_a_mic_is_standard_ccm() -> None:
    """ZigBee spec 05-3474 Annex C.2.1 (ENC-MIC-64; reproduced in blueluna/psila's tests).

    Checks the premise this module rests on: AES-CCM from ``cryptography`` is CCM* whenever the
    MIC is not empty. Key C0…CF, nonce A0…A7 03 02 01 00 06, a = 00…07, m = 08…1E.
    """
    key = bytes(range(0xC0, 0xD0))
    n = bytes.fromhex("A0A1A2A3A4A5A6A70302010006")
    a = bytes(range(8))
    m = bytes(range(0x08, 0x1F))
    c = bytes.fromhex("1A55A36ABB6C610D066B3375649CEF10D4664ECAD854A80A895CC1D8FF9469")
    assert AESCCM(key, tag_length=8).encrypt(n, m, a) == c
    # The same nonce is what ours builds for source A7…A0, counter 0x00010203, level 6:
    assert nonce(0xA7A6A5A4A3A2A1A0, 0x00010203, 0x06) == n


@given(
    st.binary(min_size=16, max_size=16),
    st.binary(min_size=13, max_size=13),
    st.binary(max_size=40),
    st.binary(max_size=100),
)
def test_ccm_round_trip_and_mic_size(key: bytes, n: bytes, aad: bytes, plaintext: bytes) -> None:
    sealed = ccm_encrypt(key, n, aad, plaintext)
    assert len(sealed) == len(plaintext) + 4
    assert sealed == AESCCM(key, tag_length=4).encrypt(n, plaintext, aad)
    assert ccm_decrypt(key, n, aad, sealed) == plaintext


def test_ccm_decrypt_rejects_short_data_and_bad_mic() -> None:
    key, n = bytes(16), bytes(13)
    with pytest.raises(SecurityError, match="shorter"):
        ccm_decrypt(key, n, b"", b"abc")
    sealed = ccm_encrypt(key, n, b"hdr", b"payload")
    with pytest.raises(SecurityError, match="MIC"):
        ccm_decrypt(key, n, b"hdR", sealed)


@pytest.mark.parametrize("size", [0, 15, 17, 32])
def test_keys_must_be_16_bytes(size: int) -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        ccm_encrypt(bytes(size), bytes(13), b"", b"x")


def test_cipher_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    cache: dict[bytes, AESCCM] = {}
    monkeypatch.setattr(security, "_ciphers", cache)
    monkeypatch.setattr(security, "_CACHE_SIZE", 3)
    keys = [bytes([i]) * 16 for i in range(10)]
    for key in keys:
        ccm_encrypt(key, bytes(13), b"", b"x")
        assert len(cache) <= 3
    assert list(cache) == keys[-3:]


# --- secure / unsecure -------------------------------------------------------------------------

ieee = st.integers(0, 2**64 - 1)
counters = st.integers(0, 2**32 - 1)


@st.composite
def aux_headers(draw: st.DrawFn) -> AuxHeader:
    key_id = draw(st.sampled_from(KeyId))
    source = draw(st.none() | ieee)
    key_seq = draw(st.integers(0, 255)) if key_id == KeyId.network else None
    return AuxHeader(key_id, draw(counters), source, key_seq)


@given(
    st.binary(min_size=2, max_size=30),
    aux_headers(),
    st.binary(max_size=80),
    st.binary(min_size=16, max_size=16),
    ieee,
)
def test_secure_unsecure_round_trip(
    header: bytes, aux: AuxHeader, payload: bytes, key: bytes, sender: int
) -> None:
    source = None if aux.source is not None else sender
    frame = secure(header, aux, payload, key, source)
    assert frame.startswith(header + aux.encode(on_air=True))
    assert len(frame) == len(header) + aux.size + len(payload) + 4
    got_aux, plaintext = unsecure(frame, len(header), key, source)
    assert got_aux == aux
    assert plaintext == payload


@given(
    st.binary(min_size=2, max_size=30),
    counters,
    ieee,
    st.integers(0, 255),
    st.binary(max_size=80),
    st.binary(min_size=16, max_size=16),
)
def test_secure_nwk_is_secure_for_the_network_key(  # noqa: PLR0917 - hypothesis arguments
    header: bytes, counter: int, source: int, key_seq: int, payload: bytes, key: bytes
) -> None:
    """The NWK fast path produces the general function's bytes, and both decoders agree."""
    aux = AuxHeader(KeyId.network, counter, source, key_seq)
    frame = security.secure_nwk(header, counter, source, key_seq, payload, key=key)
    assert frame == secure(header, aux, payload, key)
    assert unsecure(frame, len(header), key) == (aux, payload)


@given(
    header=st.binary(min_size=2, max_size=12),
    aux=aux_headers(),
    payload=st.binary(max_size=40),
    key=st.binary(min_size=16, max_size=16),
    sender=ieee,
    data=st.data(),
)
def test_any_flipped_bit_is_detected(
    *, header: bytes, aux: AuxHeader, payload: bytes, key: bytes, sender: int, data: st.DataObject
) -> None:
    """A flipped bit in header, aux header, ciphertext or MIC fails the check.

    Except the three level bits of the security-control byte: the receiver overwrites them
    with nwkSecurityLevel before checking (ZigBee spec §4.3.1.2), so they are not covered.
    """
    source = None if aux.source is not None else sender
    frame = secure(header, aux, payload, key, source)
    bit = data.draw(st.integers(0, len(frame) * 8 - 1))
    assume(not (bit // 8 == len(header) and bit % 8 < 3))
    altered = bytearray(frame)
    altered[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(SecurityError):
        unsecure(bytes(altered), len(header), key, source)


def test_level_bits_on_the_air_are_ignored() -> None:
    """§4.3.1.2: the receiver replaces the level sub-field with nwkSecurityLevel (5)."""
    aux = AuxHeader(KeyId.network, 7, 0x0011223344556677, 1)
    frame = bytearray(secure(b"\x08\x02", aux, b"payload", bytes(16)))
    assert frame[2] & 0x07 == 0  # sent as 0
    frame[2] |= 0x05  # an old stack sending the level
    assert unsecure(bytes(frame), 2, bytes(16)) == (aux, b"payload")


def test_on_air_and_authenticated_control_bytes() -> None:
    """The aux header is sent with level 0; the MIC covers it with level 5 (docs/network.md)."""
    key, header = bytes(range(16)), b"\x08\x02\x00\x00\x34\x12\x1e\x42"
    aux = AuxHeader(KeyId.network, 0x01020304, 0x0013A20040A1B2C3, 0)
    frame = secure(header, aux, b"\x00\x01", key)
    on_air = bytes.fromhex("2804030201c3b2a14000a2130000")
    assert frame[len(header) : len(header) + 14] == on_air
    covered = bytes.fromhex("2d") + on_air[1:]
    n = bytes.fromhex("c3b2a14000a21300040302012d")
    assert frame[len(header) + 14 :] == AESCCM(key, tag_length=4).encrypt(
        n, b"\x00\x01", header + covered
    )


def test_unsecure_needs_a_source_address() -> None:
    aux = AuxHeader(KeyId.data, 1)
    frame = secure(b"\x21\x01", aux, b"x", bytes(16), 0x1122)
    with pytest.raises(SecurityError, match="source"):
        unsecure(frame, 2, bytes(16))
    assert unsecure(frame, 2, bytes(16), 0x1122) == (aux, b"x")
    with pytest.raises(SecurityError, match="MIC"):
        unsecure(frame, 2, bytes(16), 0x1123)


def test_secure_needs_a_consistent_source_address() -> None:
    with pytest.raises(ValueError, match="IEEE address"):
        secure(b"\x21\x01", AuxHeader(KeyId.data, 1), b"x", bytes(16))
    with pytest.raises(ValueError, match="differs"):
        secure(b"\x21\x01", AuxHeader(KeyId.data, 1, 5), b"x", bytes(16), 6)
    assert secure(b"\x21\x01", AuxHeader(KeyId.data, 1, 5), b"x", bytes(16), 5)


@pytest.mark.parametrize("cut", range(2, 2 + 5 + 8 + 4))
def test_truncated_frames_raise_security_error(cut: int) -> None:
    frame = secure(b"\x21\x01", AuxHeader(KeyId.data, 1, 5), b"", bytes(16))
    assert len(frame) == 2 + 13 + 4
    with pytest.raises(SecurityError):
        unsecure(frame[:cut], 2, bytes(16))


# --- keyed hash and derived keys ---------------------------------------------------------------


def test_keyed_hash_annex_c6_1() -> None:
    """ZigBee spec Annex C.6.1: key 40…4F, message C0."""
    assert keyed_hash(bytes(range(0x40, 0x50)), bytes([0xC0])) == bytes.fromhex(
        "4512807BF94CB3400F0E2C25FB76E999"
    )
    assert hashed_key(bytes(range(0x40, 0x50)), 0xC0) == bytes.fromhex(
        "4512807BF94CB3400F0E2C25FB76E999"
    )


def test_keyed_hash_annex_c6_2() -> None:
    """ZigBee spec Annex C.6.2: a 32-byte key 40…5F (hashed first, as in HMAC), message C0…CF."""
    assert keyed_hash(bytes(range(0x40, 0x60)), bytes(range(0xC0, 0xD0))) == bytes.fromhex(
        "A3B0079984BF1557F74A0D6387E0A11A"
    )


def test_key_transport_key_of_the_default_link_key() -> None:
    """The hashed "ZigBeeAlliance09" key-transport key, a widely published value (blueluna/psila).

    The captured Transport Key frame above authenticates with it too.
    """
    assert key_transport_key(TC_LINK_KEY) == bytes.fromhex("4BAB0F173E1434A2D572E1C1EF478782")


def test_derived_keys_differ() -> None:
    assert len({TC_LINK_KEY, key_transport_key(TC_LINK_KEY), key_load_key(TC_LINK_KEY)}) == 3


def test_aps_key_selection() -> None:
    assert aps_key(TC_LINK_KEY, KeyId.data) == TC_LINK_KEY
    assert aps_key(TC_LINK_KEY, KeyId.key_transport) == key_transport_key(TC_LINK_KEY)
    assert aps_key(TC_LINK_KEY, KeyId.key_load) == key_load_key(TC_LINK_KEY)
    with pytest.raises(ValueError, match="network key"):
        aps_key(TC_LINK_KEY, KeyId.network)


def test_hashed_key_needs_a_16_byte_key() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        hashed_key(bytes(15), 0)


def test_one_mmo_implementation() -> None:
    assert mmo_hash is install_code_mmo_hash


# --- outgoing frame counters -------------------------------------------------------------------


def test_outgoing_counter_persists_the_mark_before_use() -> None:
    store = MemoryCounterStore()
    counter = OutgoingCounter(store, "nwk", reserve=4)
    assert store.load("nwk") is None
    assert counter.next() == 0
    assert store.load("nwk") == 4
    assert [counter.next() for _ in range(3)] == [1, 2, 3]
    assert store.load("nwk") == 4
    assert counter.next() == 4
    assert store.load("nwk") == 8


def test_outgoing_counter_resumes_at_the_mark_after_a_restart() -> None:
    store = MemoryCounterStore()
    first = OutgoingCounter(store, "nwk", reserve=10)
    assert [first.next() for _ in range(3)] == [0, 1, 2]
    again = OutgoingCounter(store, "nwk", reserve=10)  # crash: first's memory is lost
    assert again.next() == 10


def test_outgoing_counter_is_exhausted_before_0xffffffff() -> None:
    """§4.3.1.1: a frame counter of 0xFFFFFFFF is never used; a new key is needed."""
    store = MemoryCounterStore()
    store.save("nwk", 0xFFFF_FFFD)
    counter = OutgoingCounter(store, "nwk", reserve=1024)
    assert counter.next() == 0xFFFF_FFFD
    assert store.load("nwk") == 0xFFFF_FFFF
    assert counter.next() == 0xFFFF_FFFE
    with pytest.raises(SecurityError, match="exhausted"):
        counter.next()
    with pytest.raises(SecurityError, match="exhausted"):
        OutgoingCounter(store, "nwk").next()


def test_outgoing_counter_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="reserve"):
        OutgoingCounter(MemoryCounterStore(), "x", reserve=0)
    store = MemoryCounterStore()
    store.save("x", 2**32 + 1)
    with pytest.raises(ValueError, match="out of range"):
        OutgoingCounter(store, "x")


class FailingStore(MemoryCounterStore):
    """A store whose next save fails (disk full): no value may be handed out then."""

    def __init__(self) -> None:
        super().__init__()
        self.fail = False

    def save(self, name: str, value: int) -> None:
        if self.fail:
            msg = "disk full"
            raise OSError(msg)
        super().save(name, value)


@given(
    st.integers(1, 50),
    st.lists(st.tuples(st.integers(0, 120), st.booleans()), min_size=1, max_size=8),
)
def test_outgoing_counter_never_repeats_across_restarts(
    reserve: int, runs: list[tuple[int, bool]]
) -> None:
    """Any number of crashes, after any number of values, with saves failing at times."""
    store = FailingStore()
    handed_out: list[int] = []
    for calls, failing_save in runs:
        counter = OutgoingCounter(store, "aps", reserve=reserve)  # a (re)start
        for i in range(calls):
            store.fail = failing_save and i == calls // 2
            try:
                handed_out.append(counter.next())
            except OSError:
                break  # the process dies here
        store.fail = False
    assert handed_out == sorted(set(handed_out))  # strictly increasing: nothing reused


# --- incoming frame counters -------------------------------------------------------------------


def test_incoming_counters_reject_replays() -> None:
    seen = IncomingCounters()
    assert seen.accept(0xAA, "nwk", 5)  # first sight
    assert not seen.accept(0xAA, "nwk", 5)  # replay
    assert not seen.accept(0xAA, "nwk", 4)  # older
    assert seen.accept(0xAA, "nwk", 6)
    assert seen.accept(0xAA, ("link",), 0)  # another key: counted separately
    assert seen.accept(0xBB, "nwk", 0)  # another sender
    assert seen.last(0xAA, "nwk") == 6
    assert seen.last(0xCC, "nwk") is None


def test_incoming_counters_never_accept_0xffffffff() -> None:
    seen = IncomingCounters()
    assert not seen.accept(1, "nwk", 0xFFFF_FFFF)
    assert seen.accept(1, "nwk", 0xFFFF_FFFE)


def test_forget_lets_a_rejoined_device_start_again() -> None:
    seen = IncomingCounters()
    assert seen.accept(0xAA, "nwk", 1000)
    seen.forget(0xAA)
    seen.forget(0xBB)  # unknown: no error
    assert seen.accept(0xAA, "nwk", 0)


def test_incoming_counters_are_bounded() -> None:
    seen = IncomingCounters(max_sources=2, max_keys=2)
    assert seen.accept(1, "k", 10)
    assert seen.accept(2, "k", 10)
    assert seen.accept(1, "k", 11)  # 1 is now the most recently heard
    assert seen.accept(3, "k", 10)  # evicts 2, the least recently heard
    assert len(seen) == 2
    assert seen.last(2, "k") is None
    assert seen.last(1, "k") == 11
    assert seen.accept(1, "a", 0)
    assert seen.accept(1, "b", 0)  # evicts key tag "k" of sender 1
    assert seen.last(1, "k") is None
    with pytest.raises(ValueError, match="at least 1"):
        IncomingCounters(max_sources=0)


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 2), st.integers(0, 20)), max_size=60))
def test_incoming_counters_model(events: list[tuple[int, int, int]]) -> None:
    """Accepted iff strictly above every counter accepted before for the same (sender, key)."""
    seen = IncomingCounters()
    model: dict[tuple[int, int], int] = {}
    for source, tag, counter in events:
        expected = counter > model.get((source, tag), -1)
        assert seen.accept(source, tag, counter) is expected
        if expected:
            model[(source, tag)] = counter

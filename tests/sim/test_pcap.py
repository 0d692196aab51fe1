"""Captures (pcap) and Wireshark keys — and tshark as the independent judge of our security.

The tshark tests build 802.15.4 + ZigBee frames by hand (struct, annotated), secure them with
``segateway.zigbee.security.secure``, write them with ``PcapWriter`` and ask tshark 4.x to decrypt
them with the keys given through ``tshark_key_options`` or a ``zigbee_pc_keys`` file. tshark
decrypting a frame (MIC correct) and showing our plaintext is what proves the nonce and
authenticated-data layout; the same frame built with a big-endian nonce or read with a wrong key
must stay encrypted.
"""

from __future__ import annotations

import io
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from crccheck.crc import CrcKermit

from segateway.sim.pcap import (
    DEFAULT_EPOCH,
    LINKTYPE_IEEE802_15_4_NOFCS,
    LINKTYPE_IEEE802_15_4_WITHFCS,
    PcapWriter,
    fcs,
    tshark_key_options,
    wireshark_key_record,
    write_wireshark_keys,
)
from segateway.zigbee.auxiliary import AuxHeader, KeyId
from segateway.zigbee.security import ccm_encrypt, key_transport_key, secure

# --- pcap format ---------------------------------------------------------------------------------


def test_global_header() -> None:
    """Classic pcap: magic a1b2c3d4 (written little-endian), 2.4, zone 0, sigfigs 0, snaplen
    65535, then the link type (tcpdump.org/linktypes: 195 = IEEE802_15_4_WITHFCS)."""
    buf = io.BytesIO()
    PcapWriter(buf).close()
    assert buf.getvalue() == bytes.fromhex("d4c3b2a1020004000000000000000000ffff0000c3000000")


def test_records_carry_epoch_plus_virtual_time_in_microseconds() -> None:
    buf = io.BytesIO()
    with PcapWriter(buf, LINKTYPE_IEEE802_15_4_NOFCS, epoch=1000) as writer:
        writer.write(0.0, b"\x02\x00\x07")
        writer.write(2.000_000_4, b"\xaa")  # rounds down to the microsecond
        writer.write(2.999_999_6, b"\xbb")  # rounds up, carrying into the seconds
    data = buf.getvalue()
    assert data[20:24] == struct.pack("<I", 230)
    records = data[24:]
    assert records[:19] == struct.pack("<IIII", 1000, 0, 3, 3) + b"\x02\x00\x07"
    assert records[19:36] == struct.pack("<IIII", 1002, 0, 1, 1) + b"\xaa"
    assert records[36:] == struct.pack("<IIII", 1003, 0, 1, 1) + b"\xbb"


def test_default_epoch_and_flush() -> None:
    buf = io.BytesIO()
    writer = PcapWriter(buf)
    writer.write(1.25, b"\x00" * 5)
    writer.flush()
    assert buf.getvalue()[24:32] == struct.pack("<II", DEFAULT_EPOCH + 1, 250_000)
    writer.close()
    assert not buf.closed  # the caller's file stays open


def test_path_target_is_opened_and_closed(tmp_path: Path) -> None:
    path = tmp_path / "air.pcap"
    with PcapWriter(path) as writer:
        writer.write(0, b"\x02\x00\x01\x00\x00")
    assert path.read_bytes()[:4] == bytes.fromhex("d4c3b2a1")
    assert len(path.read_bytes()) == 24 + 16 + 5


def test_append_fcs() -> None:
    buf = io.BytesIO()
    with PcapWriter(buf, append_fcs=True) as writer:
        writer.write(0, b"\x02\x00\x2a")
    assert buf.getvalue()[-5:] == b"\x02\x00\x2a" + fcs(b"\x02\x00\x2a")


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="linktype"):
        PcapWriter(io.BytesIO(), 1)
    with pytest.raises(ValueError, match="append_fcs"):
        PcapWriter(io.BytesIO(), LINKTYPE_IEEE802_15_4_NOFCS, append_fcs=True)
    with pytest.raises(ValueError, match="negative"):
        PcapWriter(io.BytesIO()).write(-1, b"")


# --- FCS -----------------------------------------------------------------------------------------


def test_fcs_check_value() -> None:
    """CRC-16/KERMIT check value: "123456789" → 0x2189 (CRC catalogue), sent low byte first."""
    assert fcs(b"123456789") == bytes.fromhex("8921")


def test_fcs_matches_crccheck() -> None:
    for data in (b"", b"\x02\x00\x07", bytes(range(125))):
        assert fcs(data) == CrcKermit.calcbytes(data, byteorder="little")


# --- Wireshark key table -------------------------------------------------------------------------


def test_key_record_format() -> None:
    """Wireshark's zigbee_pc_keys UAT: key, byte order ("Normal"/"Reverse"), label, each
    quoted; quotes and backslashes in strings escaped as \\xNN."""
    record = wireshark_key_record(b"ZigBeeAlliance09", 'tc "default"')
    assert record == '"5A6967426565416C6C69616E63653039","Normal","tc \\x22default\\x22"'
    assert tshark_key_options([(bytes(16), "a"), (b"\x01" * 16, "b")]) == [
        "-o",
        'uat:zigbee_pc_keys:"00000000000000000000000000000000","Normal","a"',
        "-o",
        'uat:zigbee_pc_keys:"01010101010101010101010101010101","Normal","b"',
    ]
    with pytest.raises(ValueError, match="16 bytes"):
        wireshark_key_record(bytes(8), "short")


def test_key_file(tmp_path: Path) -> None:
    path = tmp_path / "zigbee_pc_keys"
    write_wireshark_keys(path, [(b"ZigBeeAlliance09", "tc")])
    lines = path.read_text().splitlines()
    assert [line for line in lines if not line.startswith("#")] == [
        '"5A6967426565416C6C69616E63653039","Normal","tc"'
    ]


# --- tshark: the independent check of the security layout ----------------------------------------

TSHARK = shutil.which("tshark")
needs_tshark = pytest.mark.skipif(TSHARK is None, reason="tshark (Wireshark 4.x) not installed")

NETWORK_KEY = bytes.fromhex("01030507090B0D0F00020406080A0C0D")
LINK_KEY = b"ZigBeeAlliance09"
TRUST_CENTER = 0x0013_A200_40A1_B2C3  # IEEE address of the sender (coordinator / TC)
JOINER = 0x000D_6F00_00AB_CDEF
PAN = 0x1A62


def mac_data(seq: int, dst: int, src: int) -> bytes:
    """802.15.4 data frame header, FCF 0x8861: data, ack request, PAN id compression,
    short destination and source (IEEE 802.15.4-2006 §7.2.1.1)."""
    return struct.pack("<HBHHH", 0x8861, seq, PAN, dst, src)


def nwk_header(*, secured: bool, dst: int, src: int, radius: int, seq: int) -> bytes:
    """ZigBee NWK data header: frame control 0x0008 = data, protocol version 2 (bits 2–5),
    plus 0x0200 when secured (bit 9); destination, source, radius, sequence number."""
    return struct.pack("<HHHBB", 0x0008 | (0x0200 if secured else 0), dst, src, radius, seq)


# APS data frame to the metering cluster: frame control 0x00 (data, unicast, no security),
# destination endpoint 1, cluster 0x0702, profile 0x0109 (SE), source endpoint 1, APS counter.
APS_DATA = struct.pack("<BBHHBB", 0x00, 0x01, 0x0702, 0x0109, 0x01, 0x33)
# ZCL Read Attributes of CurrentSummationDelivered: frame control 0x00, TSN 9, command 0x00,
# attribute 0x0000.
ZCL_READ = bytes.fromhex("0009000000")


def with_fcs(mpdu: bytes) -> bytes:
    return mpdu + fcs(mpdu)


def write_capture(path: Path, frames: list[bytes]) -> None:
    with PcapWriter(path) as writer:
        for i, frame in enumerate(frames):
            writer.write(i * 0.010, frame)


def tshark(capture: Path, config: Path, *args: str) -> str:
    """Run tshark on ``capture`` with an empty personal configuration (no user keys)."""
    assert TSHARK is not None
    done = subprocess.run(  # noqa: S603 - fixed executable, arguments from the test
        [TSHARK, "-n", "-r", str(capture), *args],
        capture_output=True,
        text=True,
        check=True,
        env={"WIRESHARK_CONFIG_DIR": str(config), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    return done.stdout


def decrypted_payloads(hex_dump: str) -> list[bytes]:
    """The "Decrypted ZigBee Payload (N bytes):" data sources of ``tshark -x`` output."""
    payloads: list[bytes] = []
    inside = False
    for line in hex_dump.splitlines():
        row = re.match(r"[0-9a-f]{4}  ((?:[0-9a-f]{2} )+)", line)
        if row is None:
            inside = line.startswith("Decrypted ZigBee Payload")
            if inside:
                payloads.append(b"")
        elif inside:
            payloads[-1] += bytes.fromhex(row.group(1))
    return payloads


def fields(output: str) -> list[list[str]]:
    return [line.split("\t") for line in output.splitlines()]


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "wireshark-config"
    path.mkdir()
    return path


def nwk_secured_frame(payload: bytes, *, counter: int = 0x0102_0304) -> bytes:
    """MAC ‖ NWK header ‖ aux (network key, extended nonce) ‖ E(APS ‖ ZCL) ‖ MIC ‖ FCS."""
    header = nwk_header(secured=True, dst=0x0000, src=0x1234, radius=30, seq=0x42)
    aux = AuxHeader(KeyId.network, counter, TRUST_CENTER, key_seq=0)
    return with_fcs(mac_data(0x17, 0x0000, 0x1234) + secure(header, aux, payload, NETWORK_KEY))


@needs_tshark
def test_tshark_decrypts_our_nwk_frame(tmp_path: Path, config: Path) -> None:
    """The NWK nonce and authenticated data are what Wireshark computes: MIC correct, our
    plaintext shown, APS and ZCL decoded from it."""
    capture = tmp_path / "nwk.pcap"
    write_capture(capture, [nwk_secured_frame(APS_DATA + ZCL_READ)])
    keys = tshark_key_options([(NETWORK_KEY, "network key")])
    dump = tshark(capture, config, *keys, "-x")
    assert decrypted_payloads(dump) == [APS_DATA + ZCL_READ]
    out = tshark(
        capture, config, *keys, "-T", "fields", "-E", "occurrence=f",
        "-e", "wpan.fcs_ok", "-e", "zbee.sec.counter", "-e", "zbee.sec.src64",
        "-e", "zbee.sec.key", "-e", "zbee.sec.decryption_key",
        "-e", "zbee_aps.cluster", "-e", "zbee_aps.profile", "-e", "zbee_aps.counter",
        "-e", "zbee_zcl.cmd.tsn", "-e", "zbee_zcl.cmd.id",
    )  # fmt: skip
    assert fields(out) == [
        [
            "1", "16909060", "00:13:a2:00:40:a1:b2:c3", NETWORK_KEY.hex(), "network key",
            "0x0702", "0x0109", "51", "9", "0x00",
        ]
    ]  # fmt: skip


@needs_tshark
def test_tshark_does_not_decrypt_with_a_wrong_key(tmp_path: Path, config: Path) -> None:
    capture = tmp_path / "nwk.pcap"
    write_capture(capture, [nwk_secured_frame(APS_DATA + ZCL_READ)])
    wrong = bytes([NETWORK_KEY[0] ^ 1]) + NETWORK_KEY[1:]
    keys = tshark_key_options([(wrong, "wrong")])
    assert decrypted_payloads(tshark(capture, config, *keys, "-x")) == []
    out = tshark(capture, config, *keys, "-T", "fields", "-e", "zbee_aps.cluster")
    assert out.strip() == ""


@needs_tshark
def test_tshark_rejects_a_big_endian_nonce(tmp_path: Path, config: Path) -> None:
    """The alternative byte order (address and counter most-significant byte first, as
    802.15.4 MAC security uses) does not authenticate: the order is not a matter of taste."""
    header = nwk_header(secured=True, dst=0x0000, src=0x1234, radius=30, seq=0x42)
    aux = AuxHeader(KeyId.network, 0x0102_0304, TRUST_CENTER, key_seq=0)
    control = aux.control(on_air=False)
    nonce = struct.pack(">QIB", TRUST_CENTER, aux.frame_counter, control)
    sealed = ccm_encrypt(NETWORK_KEY, nonce, header + aux.encode(on_air=False), APS_DATA)
    mpdu = mac_data(0x17, 0x0000, 0x1234) + header + aux.encode(on_air=True) + sealed
    capture = tmp_path / "be.pcap"
    write_capture(capture, [with_fcs(mpdu), nwk_secured_frame(APS_DATA)])
    keys = tshark_key_options([(NETWORK_KEY, "network key")])
    out = tshark(capture, config, *keys, "-T", "fields", "-e", "frame.number", "-e", "zbee.sec.key")
    assert fields(out) == [["1", ""], ["2", NETWORK_KEY.hex()]]


@needs_tshark
def test_tshark_decrypts_our_aps_transport_key(tmp_path: Path, config: Path) -> None:
    """APS security with the key-transport key (keyed hash of the link key with 0x00): tshark
    is given only the link key and derives the rest itself."""
    command = struct.pack("<BB16sBQQ", 0x05, 0x01, NETWORK_KEY, 0, JOINER, TRUST_CENTER)
    aps_header = bytes([0x21, 0x07])  # APS command frame with the security bit; counter 7
    aux = AuxHeader(KeyId.key_transport, 7, TRUST_CENTER)
    nwk = nwk_header(secured=False, dst=0x5678, src=0x0000, radius=1, seq=0x43)
    secured = secure(aps_header, aux, command, key_transport_key(LINK_KEY))
    capture = tmp_path / "tk.pcap"
    write_capture(capture, [with_fcs(mac_data(0x18, 0x5678, 0x0000) + nwk + secured)])
    keys = tshark_key_options([(LINK_KEY, "tc link key")])
    assert decrypted_payloads(tshark(capture, config, *keys, "-x")) == [command]
    out = tshark(
        capture, config, *keys, "-T", "fields",
        "-e", "zbee.sec.key_id", "-e", "zbee_aps.cmd.id", "-e", "zbee_aps.cmd.key",
    )  # fmt: skip
    assert fields(out) == [["0x02", "0x05", NETWORK_KEY.hex()]]


@needs_tshark
@pytest.mark.parametrize("extended_nonce", [True, False])
def test_tshark_decrypts_aps_data_inside_a_nwk_frame(
    tmp_path: Path, config: Path, *, extended_nonce: bool
) -> None:
    """SE traffic: APS payload secured with the link key, the whole NWK payload with the
    network key. Without the APS extended nonce the sender's address comes from elsewhere
    (tshark takes it from the NWK aux header; we pass ``source``)."""
    aps_header = struct.pack("<BBHHBB", 0x20, 0x01, 0x0702, 0x0109, 0x01, 0x34)
    source = TRUST_CENTER if extended_nonce else None
    aps_aux = AuxHeader(KeyId.data, 99, source)
    inner = secure(aps_header, aps_aux, ZCL_READ, LINK_KEY, None if source else TRUST_CENTER)
    capture = tmp_path / "aps.pcap"
    write_capture(capture, [nwk_secured_frame(inner, counter=5)])
    keys = tshark_key_options([(NETWORK_KEY, "nwk"), (LINK_KEY, "link")])
    assert decrypted_payloads(tshark(capture, config, *keys, "-x")) == [inner, ZCL_READ]
    out = tshark(capture, config, *keys, "-T", "fields", "-e", "zbee.sec.decryption_key")
    assert fields(out) == [["nwk,link"]]


@needs_tshark
def test_tshark_reads_keys_file_and_timestamps(tmp_path: Path, config: Path) -> None:
    """write_wireshark_keys output, placed in the personal configuration directory, is loaded
    by tshark (labels with quotes survive); timestamps are epoch + virtual time."""
    write_wireshark_keys(config / "zigbee_pc_keys", [(NETWORK_KEY, 'main "nwk" key')])
    capture = tmp_path / "file.pcap"
    with PcapWriter(capture, epoch=1_700_000_000) as writer:
        writer.write(12.345678, nwk_secured_frame(APS_DATA + ZCL_READ))
    out = tshark(
        capture, config, "-T", "fields",
        "-e", "frame.time_epoch", "-e", "zbee.sec.decryption_key", "-e", "zbee_aps.cluster",
    )  # fmt: skip
    assert fields(out) == [["1700000012.345678000", 'main "nwk" key', "0x0702"]]


@needs_tshark
def test_tshark_checks_our_fcs_and_reads_nofcs_captures(tmp_path: Path, config: Path) -> None:
    with_fcs_capture = tmp_path / "fcs.pcap"
    frames = [with_fcs(mac_data(seq, 0xFFFF, 0x0001) + b"\x08\x00") for seq in range(5)]
    write_capture(with_fcs_capture, frames)
    out = tshark(with_fcs_capture, config, "-T", "fields", "-e", "wpan.fcs_ok", "-e", "wpan.seq_no")
    assert fields(out) == [["1", str(seq)] for seq in range(5)]
    nofcs = tmp_path / "nofcs.pcap"
    with PcapWriter(nofcs, LINKTYPE_IEEE802_15_4_NOFCS) as writer:
        writer.write(0, mac_data(9, 0xFFFF, 0x0001) + b"\x08\x00")
    out = tshark(nofcs, config, "-T", "fields", "-e", "wpan.seq_no", "-e", "wpan.fcs")
    assert fields(out) == [["9", ""]]  # no FCS expected, none read
    assert LINKTYPE_IEEE802_15_4_WITHFCS == 195

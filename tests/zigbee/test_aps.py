"""ZigBee APS headers and commands: published frames, tshark dissection, properties.

Expected values come from the sources cited next to each vector or from tshark — never from our
own encoder.
"""

from __future__ import annotations

import contextlib
import random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segateway.zigbee import aps, mac
from segateway.zigbee.aps import (
    ApsDeliveryMode,
    ApsFrameType,
    ApsHeader,
    ConfirmKey,
    InterPanHeader,
    RawApsCommand,
    RemoveDevice,
    RequestKey,
    RequestKeyType,
    SwitchKey,
    TransportApplicationLinkKey,
    TransportNetworkKey,
    TransportTrustCenterLinkKey,
    Tunnel,
    UpdateDevice,
    UpdateDeviceStatus,
    VerifyKey,
    decode_aps_command,
    decode_aps_header,
    decode_inter_pan_header,
)
from segateway.zigbee.auxiliary import AuxHeader, KeyId, decode_aux
from segateway.zigbee.errors import FrameError
from segateway.zigbee.mac import decode_mac
from segateway.zigbee.nwk import INTER_PAN_STUB, NwkHeader, decode_nwk_header

from .tshark import Dissection, dissect, requires_tshark

SCAPY = "secdev/scapy test/scapy/layers/dot15d4.uts@1aa128691a4d3e74962d0780aa8fdded4938077d"
ZOH = "Nerivec/zigbee-on-host test/data.ts@0493ff767eacb57893840610f5d6ddd48c5ddc83"


def _hex(text: str) -> bytes:
    return bytes.fromhex(text.replace(" ", ""))


# ---------------------------------------------------------------------------- published headers


@pytest.mark.parametrize(
    ("hex_frame", "expected", "payload"),
    [
        # scapy "Zigbee - APS acknowledgment (with the Acknowledgment Format enabled)":
        # aps_frametype 2, delivery_mode 0, frame_control 0b0001, counter 168
        ("12 a8", ApsHeader(2, ack_format=True, counter=168), ""),
        # scapy "... (with the Acknowledgment Format disabled)": aps_frametype 2, delivery_mode 0,
        # dst_endpoint 0, cluster 0x0002, profile 0x0000, src_endpoint 0, counter 166
        (
            "02 00 0200 0000 00 a6",
            ApsHeader(2, dst_endpoint=0, cluster=0x0002, profile=0, src_endpoint=0, counter=166),
            "",
        ),
        # scapy "Zigbee - ZDP command": aps_frametype 0, delivery_mode 2, dst_endpoint 0,
        # cluster 0x0036, profile 0x0000, src_endpoint 0, counter 181; ZDP payload 01 14 01
        (
            "08 00 3600 0000 00 b5 011401",
            ApsHeader(0, 2, dst_endpoint=0, cluster=0x0036, profile=0, src_endpoint=0, counter=181),
            "011401",
        ),
        # scapy "Zigbee - ZCL command": aps_frametype 0, delivery_mode 0, frame_control 0b0100
        # (ack request), dst_endpoint 1, cluster 0x000a, profile 0x0104, src_endpoint 1,
        # counter 157; then the ZCL frame
        (
            "40 01 0a00 0401 01 9d 0000000000",
            ApsHeader(
                0,
                ack_request=True,
                dst_endpoint=1,
                cluster=0x000A,
                profile=0x0104,
                src_endpoint=1,
                counter=157,
            ),
            "0000000000",
        ),
    ],
)
def test_scapy_headers(hex_frame: str, expected: ApsHeader, payload: str) -> None:
    data = _hex(hex_frame)
    header, offset = decode_aps_header(data)
    assert header == expected
    assert data[offset:] == _hex(payload)


def test_zigbee_on_host_transport_key_header() -> None:
    """NET2_TRANSPORT_KEY_NWK_FROM_COORD (ZOH), Wireshark: NWK 0x0008 (Data, no security),
    Destination 0xa18f, Source 0x0000, Radius 30, Seq 161; APS Frame Control 0x21 (Command,
    Unicast, Security), Counter 106; security control 0x30 (Key-Transport Key, Extended Nonce),
    Frame Counter 86022, Extended Source 80:4b:50:ff:fe:05:99:f9."""
    data = _hex(
        "6188 bd 641a 8fa1 0000 0800 8fa1 0000 1e a1 21 6a 30 06500100 f99905feff504b80"
        " de473c64b569cac62c72ac2ffd682f57590baa2b6f1e0306f824a5a90358b26c8e68e6 e8a75aff ffff"
    )
    frame = decode_mac(data[:-2], has_fcs=False)  # "crafted end FCS"
    network, offset = decode_nwk_header(frame.payload)
    assert network == NwkHeader(0, 0xA18F, 0x0000, 30, 161)
    header, offset = decode_aps_header(frame.payload, offset)
    assert header == ApsHeader(1, security=True, counter=106)
    aux, _ = decode_aux(frame.payload, offset)
    assert aux == AuxHeader(KeyId.key_transport, 86022, 0x804B50FFFE0599F9)


# ---------------------------------------------------------------------------- published commands

KEY_00_0F = bytes(range(16))


@pytest.mark.parametrize(
    ("hex_payload", "expected"),
    [
        # scapy "Zigbee - Transport Key": cmd_identifier 0x05, key_type 1, key 00..0f,
        # key_seqnum 0, dest_addr 0x1122334455667788, src_addr 0x8899aabbccddeeff
        (
            "05 01 000102030405060708090a0b0c0d0e0f 00 8877665544332211 ffeeddccbbaa9988",
            TransportNetworkKey(KEY_00_0F, 0, 0x1122334455667788, 0x8899AABBCCDDEEFF),
        ),
        # scapy "Zigbee - Request Key": cmd_identifier 0x08, key_type 0x04
        ("08 04", RequestKey(RequestKeyType.trust_center_link_key)),
        # scapy "Zigbee - Verify Key": cmd_identifier 0x0f, key_type 0x04, address
        # 0x1122334455667788, key_hash 00..0f
        (
            "0f 04 8877665544332211 000102030405060708090a0b0c0d0e0f",
            VerifyKey(4, 0x1122334455667788, KEY_00_0F),
        ),
        # scapy "Zigbee - Confirm Key": cmd_identifier 0x10, status 0, key_type 0x04, address
        # 0x1122334455667788
        ("10 00 04 8877665544332211", ConfirmKey(0, 4, 0x1122334455667788)),
    ],
)
def test_scapy_commands(hex_payload: str, expected: Any) -> None:
    assert decode_aps_command(_hex(hex_payload)) == expected


def test_scapy_tunnel() -> None:
    """scapy "Zigbee - Tunnel": cmd_identifier 0x0e, dest_addr 0x1122334455667788; the tunnelled
    frame: aps_frametype 1, delivery_mode 0, frame_control 0b0010 (security), then the security
    header bytes 30 0b500000 ffeeddccbbaa9988, the payload (dd…) and the MIC cccccccc."""
    tunnelled = _hex("21 e2 30 0b500000 ffeeddccbbaa9988" + "dd" * 35 + "cccccccc")
    payload = _hex("0e 8877665544332211") + tunnelled
    command = decode_aps_command(payload)
    assert command == Tunnel(0x1122334455667788, tunnelled)
    header, offset = decode_aps_header(command.frame)
    assert (header.frame_type, header.delivery_mode, header.security) == (1, 0, True)
    assert not header.ack_request
    assert not header.extended_header
    assert command.frame[offset : offset + 13] == _hex("30 0b500000 ffeeddccbbaa9988")


# ---------------------------------------------------------------------------- tshark


def _check_header(d: Dissection, h: ApsHeader) -> None:
    assert d.int("zbee_aps.type") == h.frame_type
    assert d.int("zbee_aps.delivery") == h.delivery_mode
    if h.frame_type == ApsFrameType.ack:
        assert d.int("zbee_aps.ack_format") == h.ack_format
    assert d.int("zbee_aps.security") == h.security
    assert d.int("zbee_aps.ack_req") == h.ack_request
    assert d.int("zbee_aps.ext_header") == h.extended_header
    for name, value in (
        ("zbee_aps.dst", h.dst_endpoint),
        ("zbee_aps.group", h.group),
        ("zbee_aps.profile", h.profile),
        ("zbee_aps.src", h.src_endpoint),
        ("zbee_aps.counter", h.counter),
        ("zbee_aps.fragmentation", h.fragmentation),
        ("zbee_aps.block", h.block_number),
        ("zbee_aps.block_acks", h.ack_bitfield),
    ):
        if value is None:
            assert not d.has(name), name
        else:
            assert d.int(name) == value, name
    if h.cluster is not None:  # ZDP clusters are shown under their own field name
        name = "zbee_aps.zdp_cluster" if h.profile == 0 else "zbee_aps.cluster"
        assert d.int(name) == h.cluster


def _in_frames(aps_bytes: bytes, seq: int = 1, *, inter_pan: bool = False) -> bytes:
    if inter_pan:
        return mac.MacFrame(
            1, seq, 0xFFFF, 0xFFFF, 2, 0x1A62, 0xA4C1386D9B280FDF, 3, INTER_PAN_STUB + aps_bytes
        ).encode()
    network = NwkHeader(0, 0x0001, 0x0000, 30, seq).encode()
    return mac.data_frame(seq, 0x1A62, 0x0001, 0x0000, network + aps_bytes).encode()


ZCL_READ = _hex("00 01 00 0000")  # ZCL Read Attributes, attribute 0x0000

HEADERS: list[tuple[ApsHeader, bytes]] = [
    (
        ApsHeader(0, 0, dst_endpoint=1, cluster=6, profile=0x0104, src_endpoint=1, counter=1),
        ZCL_READ,
    ),
    (
        ApsHeader(
            0,
            0,
            ack_request=True,
            dst_endpoint=0x0A,
            cluster=0x0702,
            profile=0x0109,
            src_endpoint=1,
            counter=2,
        ),
        ZCL_READ,
    ),
    (
        ApsHeader(0, 2, dst_endpoint=0xFF, cluster=6, profile=0x0104, src_endpoint=1, counter=3),
        ZCL_READ,
    ),
    (
        ApsHeader(0, 2, dst_endpoint=0, cluster=0x0013, profile=0, src_endpoint=0, counter=4),
        _hex("00 8fa1 df0f289b6d38c1a4 8e"),
    ),
    (ApsHeader(0, 3, group=0xBEEF, cluster=6, profile=0x0104, src_endpoint=1, counter=5), ZCL_READ),
    (
        ApsHeader(
            0,
            0,
            dst_endpoint=1,
            cluster=6,
            profile=0x0104,
            src_endpoint=1,
            counter=6,
            fragmentation=0,
        ),
        ZCL_READ,
    ),
    (
        ApsHeader(
            0,
            0,
            ack_request=True,
            dst_endpoint=1,
            cluster=0x0704,
            profile=0x0109,
            src_endpoint=1,
            counter=7,
            fragmentation=1,
            block_number=3,
        ),
        b"\x01\x02\x03",
    ),
    (
        ApsHeader(
            0,
            0,
            ack_request=True,
            dst_endpoint=1,
            cluster=0x0704,
            profile=0x0109,
            src_endpoint=1,
            counter=7,
            fragmentation=2,
            block_number=1,
        ),
        b"\x04\x05",
    ),
    (ApsHeader(2, 0, dst_endpoint=1, cluster=6, profile=0x0104, src_endpoint=2, counter=8), b""),
    (ApsHeader(2, 0, ack_format=True, counter=9), b""),
    (
        ApsHeader(
            2,
            0,
            dst_endpoint=1,
            cluster=0x0704,
            profile=0x0109,
            src_endpoint=1,
            counter=7,
            fragmentation=1,
            block_number=0,
            ack_bitfield=0x0F,
        ),
        b"",
    ),
    (
        ApsHeader(
            2, 0, ack_format=True, counter=9, fragmentation=2, block_number=1, ack_bitfield=3
        ),
        b"",
    ),
    (ApsHeader(1, 0, counter=10), SwitchKey(3).encode()),
    (ApsHeader(1, 2, counter=11), SwitchKey(4).encode()),
    (ApsHeader(1, 0, ack_request=True, counter=12), RemoveDevice(0x1122334455667788).encode()),
]

INTER_PAN_HEADERS: list[tuple[InterPanHeader, bytes]] = [
    # Price cluster (0x0700), SE profile (0x0109), then a ZCL header
    (InterPanHeader(0x0700, 0x0109), _hex("01 02 00")),
    (InterPanHeader(0x0700, 0x0109, ApsDeliveryMode.broadcast), _hex("01 03 00")),
    (InterPanHeader(0x0703, 0x0109, ApsDeliveryMode.group, 0x1234), _hex("01 04 00")),
]


@requires_tshark
def test_headers_against_tshark() -> None:
    frames = [_in_frames(h.encode() + p, i) for i, (h, p) in enumerate(HEADERS)]
    for (h, payload), data, d in zip(HEADERS, frames, dissect(frames), strict=True):
        _check_header(d, h)
        assert not d.has("_ws.malformed"), h
        nwk_payload = decode_mac(data).payload
        header, end = decode_aps_header(nwk_payload, decode_nwk_header(nwk_payload)[1])
        assert header == h
        assert nwk_payload[end:] == payload


@requires_tshark
def test_inter_pan_headers_against_tshark() -> None:
    """MAC (broadcast PAN, extended source) + NWK inter-PAN stub + inter-PAN APS header + ZCL."""
    frames = [
        _in_frames(h.encode() + p, i, inter_pan=True) for i, (h, p) in enumerate(INTER_PAN_HEADERS)
    ]
    for (h, payload), data, d in zip(INTER_PAN_HEADERS, frames, dissect(frames), strict=True):
        assert not d.has("_ws.malformed"), h
        assert d.int("zbee_nwk.frame_type") == 3
        assert d.int("zbee_aps.type") == ApsFrameType.inter_pan
        assert d.int("zbee_aps.delivery") == h.delivery_mode
        for name in ("zbee_aps.security", "zbee_aps.ack_req", "zbee_aps.ext_header"):
            assert d.int(name) == 0
        assert d.int("zbee_aps.cluster") == h.cluster
        assert d.int("zbee_aps.profile") == h.profile
        if h.group is None:
            assert not d.has("zbee_aps.group")
        else:
            assert d.int("zbee_aps.group") == h.group
        for name in ("zbee_aps.dst", "zbee_aps.src", "zbee_aps.counter"):
            assert not d.has(name)
        stub_and_aps = decode_mac(data).payload
        assert stub_and_aps[:2] == INTER_PAN_STUB
        header, end = decode_inter_pan_header(stub_and_aps, 2)
        assert header == h
        assert stub_and_aps[end:] == payload


@requires_tshark
def test_secured_headers_stop_at_the_auxiliary_header() -> None:
    """APS frames with the security bit and a (fake) auxiliary header, payload and MIC: tshark
    starts the ZigBee security header exactly where our APS header decoder stops."""
    auxes = [
        AuxHeader(KeyId.key_transport, 86022, 0x804B50FFFE0599F9),
        AuxHeader(KeyId.data, 7, None),
        AuxHeader(KeyId.key_load, 0xFFFFFFFE, 0x0102030405060708),
    ]
    cases = []
    for aux in auxes:
        for h, _ in HEADERS:
            if h.frame_type != ApsFrameType.ack:
                cases.append((h._replace(security=True), aux))
    frames = [
        _in_frames(h.encode() + aux.encode() + bytes(9) + b"MIC!", i)
        for i, (h, aux) in enumerate(cases)
    ]
    for (h, aux), data, d in zip(cases, frames, dissect(frames), strict=True):
        _check_header(d, h)
        nwk_payload = decode_mac(data).payload
        header, end = decode_aps_header(nwk_payload, decode_nwk_header(nwk_payload)[1])
        assert header == h
        assert d.one("zbee.sec.field").pos == 9 + end  # MAC header 9 bytes
        assert decode_aux(nwk_payload, end)[0] == aux
        assert d.int("zbee.sec.key_id") == aux.key_id
        assert d.int("zbee.sec.counter") == aux.frame_counter
        assert d.raw("zbee.sec.mic") == b"MIC!"


COMMANDS: list[Any] = [
    TransportNetworkKey(
        _hex("01030507090b0d0f00020406080a0c0d"), 0, 0xA4C1386D9B280FDF, 0x804B50FFFE0599F9
    ),
    TransportNetworkKey(bytes(range(0xF0, 0x100)), 0xFF, 0, 0x804B50FFFE0599F9),
    TransportTrustCenterLinkKey(b"ZigBeeAlliance09", 0xA4C1386D9B280FDF, 0x804B50FFFE0599F9),
    TransportApplicationLinkKey(bytes(range(16)), 0x1122334455667788, initiator=True),
    TransportApplicationLinkKey(bytes(range(16)), 0x1122334455667788, initiator=False),
    UpdateDevice(0xA4C1386D9B280FDF, 0xA18F, UpdateDeviceStatus.standard_unsecured_join),
    UpdateDevice(0xA4C1386D9B280FDF, 0xA18F, UpdateDeviceStatus.standard_secured_rejoin),
    UpdateDevice(0xA4C1386D9B280FDF, 0xA18F, UpdateDeviceStatus.device_left),
    UpdateDevice(0xA4C1386D9B280FDF, 0xA18F, UpdateDeviceStatus.standard_trust_center_rejoin),
    RemoveDevice(0xA4C1386D9B280FDF),
    RequestKey(RequestKeyType.application_link_key, 0x1122334455667788),
    RequestKey(RequestKeyType.trust_center_link_key),
    SwitchKey(7),
    Tunnel(0xA4C1386D9B280FDF, _hex("21 e2 30 0b500000 ffeeddccbbaa9988") + bytes(35) + b"MIC!"),
    VerifyKey(4, 0xA4C1386D9B280FDF, _hex("1ab128df1639a1246aaba72a6a559124")),
    ConfirmKey(0x00, 4, 0xA4C1386D9B280FDF),
    ConfirmKey(0xAD, 4, 0xA4C1386D9B280FDF),
]


def _check_command(d: Dissection, c: Any) -> None:
    assert d.int("zbee_aps.cmd.id") == c.command_id
    expected: dict[str, int | bytes] = {}
    if isinstance(
        c, (TransportNetworkKey, TransportTrustCenterLinkKey, TransportApplicationLinkKey)
    ):
        expected = {"zbee_aps.cmd.key_type": c.key_type, "zbee_aps.cmd.key": c.key}
        if isinstance(c, TransportNetworkKey):
            expected |= {"zbee_aps.cmd.seqno": c.key_seq}
        if isinstance(c, TransportApplicationLinkKey):
            expected |= {
                "zbee_aps.cmd.partner": c.partner_ieee,
                "zbee_aps.cmd.init_flag": c.initiator,
            }
        else:
            expected |= {"zbee_aps.cmd.dst": c.dst_ieee, "zbee_aps.cmd.src": c.src_ieee}
    elif isinstance(c, UpdateDevice):
        expected = {
            "zbee_aps.cmd.device": c.device_ieee,
            "zbee_aps.cmd.addr": c.device_short,
            "zbee_aps.cmd.update_status": c.status,
        }
    elif isinstance(c, RemoveDevice):
        expected = {"zbee_aps.cmd.device": c.target_ieee}
    elif isinstance(c, RequestKey):
        expected = {"zbee_aps.cmd.key_type": c.key_type}
        if c.partner_ieee is not None:
            expected |= {"zbee_aps.cmd.partner": c.partner_ieee}
    elif isinstance(c, SwitchKey):
        expected = {"zbee_aps.cmd.seqno": c.key_seq}
    elif isinstance(c, Tunnel):
        expected = {"zbee_aps.cmd.dst": c.dst_ieee}
        # tshark dissects the tunnelled APS header and its security header in place
        inner, offset = decode_aps_header(c.frame)
        assert d.ints("zbee_aps.counter")[1] == inner.counter
        assert d.ints("zbee_aps.security")[1] == inner.security
        assert d.one("zbee.sec.field").pos == d.one("zbee_aps.cmd.dst").pos + 8 + offset
        assert d.raw("zbee.sec.mic") == c.frame[-4:]
    elif isinstance(c, VerifyKey):
        expected = {
            "zbee_aps.cmd.key_type": c.key_type,
            "zbee_aps.cmd.src": c.source_ieee,
            "zbee_aps.cmd.key_hash": c.key_hash,
        }
    elif isinstance(c, ConfirmKey):
        expected = {
            "zbee_aps.cmd.status": c.status,
            "zbee_aps.cmd.key_type": c.key_type,
            "zbee_aps.cmd.dst": c.dst_ieee,
        }
    assert expected
    for name, value in expected.items():
        if isinstance(value, bytes):
            assert d.raw(name) == value, name  # keys travel as given, not reversed
        else:
            assert d.int(name) == value, name


@requires_tshark
def test_every_command_against_tshark() -> None:
    frames = [
        _in_frames(ApsHeader(1, counter=i).encode() + c.encode(), i) for i, c in enumerate(COMMANDS)
    ]
    for command, data, d in zip(COMMANDS, frames, dissect(frames), strict=True):
        assert not d.has("_ws.malformed"), command
        _check_command(d, command)
        nwk_payload = decode_mac(data).payload
        header, end = decode_aps_header(nwk_payload, decode_nwk_header(nwk_payload)[1])
        assert header.frame_type == ApsFrameType.command
        assert decode_aps_command(nwk_payload[end:]) == command


def _random_header(rng: random.Random) -> ApsHeader:
    frame_type = rng.choice([0, 0, 1, 2])
    mode = rng.choice([0, 2, 3]) if frame_type != ApsFrameType.ack else 0
    fragmentation = rng.choice([None, None, 0, 1, 2])
    header = ApsHeader(
        frame_type,
        mode,
        ack_format=frame_type == ApsFrameType.ack and rng.random() < 0.5,
        ack_request=rng.random() < 0.5,
        counter=rng.randrange(256),
        fragmentation=fragmentation,
        block_number=rng.randrange(256) if fragmentation else None,
        ack_bitfield=rng.randrange(256) if fragmentation and frame_type == 2 else None,
    )
    if frame_type == ApsFrameType.command or header.ack_format:
        return header
    profile = rng.choice([0x0104, 0x0109, 0xC05E, rng.getrandbits(16)])
    return header._replace(
        dst_endpoint=None if mode == 3 else rng.randrange(1, 256),
        group=rng.getrandbits(16) if mode == 3 else None,
        cluster=rng.getrandbits(16),
        profile=profile,
        src_endpoint=rng.randrange(1, 256),
    )


@requires_tshark
def test_random_headers_against_tshark() -> None:
    """200 seeded random APS headers (every frame type, delivery mode and extended header)."""
    rng = random.Random(2025)  # noqa: S311 - reproducible test data
    headers = [_random_header(rng) for _ in range(200)]
    frames = [
        _in_frames(h.encode() + (SwitchKey(1).encode() if h.frame_type == 1 else b""), i % 256)
        for i, h in enumerate(headers)
    ]
    for h, d in zip(headers, dissect(frames), strict=True):
        _check_header(d, h)


# ---------------------------------------------------------------------------- properties

U8 = st.integers(0, 0xFF)
U16 = st.integers(0, 0xFFFF)
U64 = st.integers(0, 2**64 - 1)


@st.composite
def aps_headers(draw: st.DrawFn) -> ApsHeader:
    frame_type = draw(st.sampled_from([ApsFrameType.data, ApsFrameType.command, ApsFrameType.ack]))
    mode = draw(st.sampled_from(ApsDeliveryMode))
    fragmentation = draw(st.none() | st.integers(0, 2))
    ack_format = draw(st.booleans())
    header = ApsHeader(
        frame_type,
        mode,
        ack_format=ack_format,
        security=draw(st.booleans()),
        ack_request=draw(st.booleans()),
        counter=draw(U8),
        fragmentation=fragmentation,
        block_number=draw(U8) if fragmentation else None,
        ack_bitfield=draw(U8) if fragmentation and frame_type == ApsFrameType.ack else None,
    )
    addressed = frame_type == ApsFrameType.data or (
        frame_type == ApsFrameType.ack and not ack_format
    )
    if not addressed:
        return header
    in_group = mode == ApsDeliveryMode.group and frame_type == ApsFrameType.data
    return header._replace(
        dst_endpoint=None if in_group else draw(U8),
        group=draw(U16) if in_group else None,
        cluster=draw(U16),
        profile=draw(U16),
        src_endpoint=draw(U8),
    )


inter_pan_headers = st.one_of(
    st.builds(InterPanHeader, U16, U16, st.sampled_from([0, 2]), st.none()),
    st.builds(InterPanHeader, U16, U16, st.just(3), U16),
)


@given(inter_pan_headers, st.binary(max_size=10))
def test_inter_pan_header_round_trip(header: InterPanHeader, trailing: bytes) -> None:
    encoded = header.encode()
    assert decode_inter_pan_header(encoded) == (header, len(encoded))
    assert decode_inter_pan_header(b"\x0b\x00" + encoded + trailing, 2) == (
        header,
        2 + len(encoded),
    )
    for size in range(len(encoded)):
        with pytest.raises(FrameError):
            decode_inter_pan_header(encoded[:size])
    with pytest.raises(FrameError, match="inter-PAN"):
        decode_aps_header(encoded)


@given(st.binary(max_size=12), st.integers(0, 3))
def test_inter_pan_noise_raises_only_frame_error(data: bytes, offset: int) -> None:
    try:
        header, end = decode_inter_pan_header(data, offset)
    except FrameError:
        return
    assert header.encode() == data[offset:end]


@given(aps_headers(), st.binary(max_size=20))
def test_header_round_trip(header: ApsHeader, trailing: bytes) -> None:
    encoded = header.encode()
    assert decode_aps_header(encoded) == (header, len(encoded))
    assert decode_aps_header(b"\x00\x00" + encoded + trailing, 2) == (header, 2 + len(encoded))
    for size in range(len(encoded)):
        with pytest.raises(FrameError):
            decode_aps_header(encoded[:size])


@given(st.binary(max_size=30), st.integers(0, 3))
def test_header_noise_raises_only_frame_error(data: bytes, offset: int) -> None:
    try:
        header, end = decode_aps_header(data, offset)
    except FrameError:
        return
    assert end <= len(data)
    # what decodes re-encodes and decodes the same (reserved extended-control bits are dropped)
    assert decode_aps_header(header.encode()) == (header, end - offset)


KEYS = st.binary(min_size=16, max_size=16)
commands = st.one_of(
    st.builds(TransportNetworkKey, KEYS, U8, U64, U64),
    st.builds(TransportTrustCenterLinkKey, KEYS, U64, U64),
    st.builds(TransportApplicationLinkKey, KEYS, U64, st.booleans()),
    st.builds(UpdateDevice, U64, U16, U8),
    st.builds(RemoveDevice, U64),
    st.builds(RequestKey, U8.filter(lambda t: t != RequestKeyType.application_link_key)),
    st.builds(RequestKey, st.just(RequestKeyType.application_link_key), U64),
    st.builds(SwitchKey, U8),
    st.builds(Tunnel, U64, st.binary(min_size=2, max_size=40)),
    st.builds(VerifyKey, U8, U64, KEYS),
    st.builds(ConfirmKey, U8, U8, U64),
)


@given(commands, st.binary(max_size=8))
def test_command_round_trip(command: Any, trailing: bytes) -> None:
    encoded = command.encode()
    assert decode_aps_command(encoded) == command
    if isinstance(command, Tunnel):  # the tunnelled frame runs to the end of the payload
        fixed = 11
    else:
        assert decode_aps_command(encoded + trailing) == command
        fixed = len(encoded)
    for size in range(fixed):
        with pytest.raises(FrameError):
            decode_aps_command(encoded[:size])


@given(st.sampled_from([0x01, 0x02, 0x0A, 0x0D, 0x11, 0xFF]), st.binary(max_size=30))
def test_other_commands_are_kept(command_id: int, data: bytes) -> None:
    command = decode_aps_command(bytes((command_id,)) + data)
    assert command == RawApsCommand(command_id, data)
    assert command.encode() == bytes((command_id,)) + data


@pytest.mark.parametrize("key_type", [0x00, 0x02, 0x05])
def test_transport_of_other_key_types_is_kept(key_type: int) -> None:
    """Master keys (types 0, 2) and the high-security network key (5) are not ZigBee PRO."""
    payload = bytes((0x05, key_type)) + bytes(32)
    assert decode_aps_command(payload) == RawApsCommand(0x05, payload[1:])


@given(st.binary(max_size=60))
def test_command_noise_raises_only_frame_error(data: bytes) -> None:
    with contextlib.suppress(FrameError):
        decode_aps_command(data)


# ---------------------------------------------------------------------------- conformance


def test_indirect_delivery_mode_is_refused() -> None:
    """ZigBee 2007+ (PRO): delivery mode 0b01 (indirect, ZigBee 2006) is reserved."""
    with pytest.raises(FrameError, match="delivery mode"):
        decode_aps_header(_hex("04 01 0600 0401 01 01"))


def test_inter_pan_frames_carry_no_security_or_extended_header() -> None:
    """SE 1.x Annex B: the inter-PAN APS frame control has ack format, security, ack request and
    extended header all 0."""
    for frame_control in (0x13, 0x23, 0x43, 0x83):
        with pytest.raises(FrameError, match="inter-PAN"):
            decode_inter_pan_header(bytes((frame_control,)) + _hex("0007 0901"))
    with pytest.raises(ValueError, match="group"):
        InterPanHeader(1, 2, ApsDeliveryMode.group).encode()
    with pytest.raises(ValueError, match="group"):
        InterPanHeader(1, 2, ApsDeliveryMode.unicast, 5).encode()
    with pytest.raises(ValueError, match="inter-PAN"):
        ApsHeader(3, cluster=1, profile=2).encode()


def test_reserved_fragmentation_is_refused() -> None:
    with pytest.raises(FrameError, match="fragmentation"):
        decode_aps_header(_hex("80 01 0600 0401 01 01 03 00"))


@pytest.mark.parametrize(
    "bad",
    [
        ApsHeader(0, counter=1),  # a data frame without its addressing
        ApsHeader(0, 3, dst_endpoint=1, cluster=1, profile=1, src_endpoint=1, counter=1),
        ApsHeader(1, counter=1, cluster=6),  # a command with addressing
        ApsHeader(2, ack_format=True, counter=1, dst_endpoint=1),
        ApsHeader(1, 1, counter=1),  # delivery mode 1
        ApsHeader(1, counter=256),
        ApsHeader(1, counter=1, fragmentation=1),  # no block number
        ApsHeader(1, counter=1, fragmentation=0, block_number=1),
        ApsHeader(1, counter=1, fragmentation=1, block_number=1, ack_bitfield=1),  # not an ack
        ApsHeader(1, counter=1, block_number=1),  # no extended header
        ApsHeader(1, counter=1, fragmentation=3),
    ],
)
def test_bad_header_records_raise_value_error(bad: ApsHeader) -> None:
    with pytest.raises(ValueError) as caught:  # noqa: PT011 - which message does not matter
        bad.encode()
    assert not isinstance(caught.value, FrameError)


@pytest.mark.parametrize(
    "bad",
    [
        TransportNetworkKey(bytes(15), 0, 0, 0),
        RequestKey(RequestKeyType.trust_center_link_key, 0x11),
        RequestKey(RequestKeyType.application_link_key),
        VerifyKey(4, 0, bytes(17)),
        UpdateDevice(0, 0x10000, 0),
        RawApsCommand(0x100),
        Tunnel(1, b"\x21"),
    ],
)
def test_bad_command_records_raise_value_error(bad: Any) -> None:
    with pytest.raises(ValueError) as caught:  # noqa: PT011 - which message does not matter
        bad.encode()
    assert not isinstance(caught.value, FrameError)


def test_transport_key_initiator_flag_is_a_boolean() -> None:
    payload = bytes((0x05, 0x03)) + bytes(16) + bytes(8) + b"\x02"
    with pytest.raises(FrameError, match="initiator"):
        decode_aps_command(payload)


def test_module_constants_name_the_enumerations() -> None:
    assert aps.FRAME_DATA == 0
    assert aps.FRAME_COMMAND == 1
    assert aps.FRAME_ACK == 2
    assert aps.FRAME_INTER_PAN == 3
    assert (aps.DELIVERY_UNICAST, aps.DELIVERY_BROADCAST, aps.DELIVERY_GROUP) == (0, 2, 3)


# ---------------------------------------------------------------------------- whole frames


def test_mac_nwk_aps_data_frame_decodes_layer_by_layer() -> None:
    """A typical data frame: every layer decodes from the offset the one below returns."""
    aps_header = ApsHeader(0, 0, ack_request=True, dst_endpoint=1, cluster=0x0702,
                           profile=0x0109, src_endpoint=1, counter=0x42)  # fmt: skip
    network = NwkHeader(0, 0x0000, 0x96BA, 30, 151, discover_route=1)
    data = mac.data_frame(
        191, 0x1A62, 0x0000, 0x96BA, network.encode() + aps_header.encode() + ZCL_READ
    ).encode()
    frame = decode_mac(data)
    got_network, offset = decode_nwk_header(frame.payload)
    got_aps, offset = decode_aps_header(frame.payload, offset)
    assert (got_network, got_aps, frame.payload[offset:]) == (network, aps_header, ZCL_READ)

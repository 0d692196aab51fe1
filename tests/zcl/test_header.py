"""The ZCL header (se-spec.md §1.1)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segateway.zcl.errors import DecodeError, EncodeError
from segateway.zcl.header import Direction, FrameType, ZclHeader, decode_header


@pytest.mark.parametrize(
    ("fc", "frame_type", "mfr", "direction", "ddr"),
    [
        # "Common frame-control bytes" listed in se-spec §1.1
        (0x00, FrameType.global_command, False, Direction.client_to_server, False),
        (0x08, FrameType.global_command, False, Direction.server_to_client, False),
        (0x18, FrameType.global_command, False, Direction.server_to_client, True),
        (0x01, FrameType.cluster_command, False, Direction.client_to_server, False),
        (0x09, FrameType.cluster_command, False, Direction.server_to_client, False),
        (0x19, FrameType.cluster_command, False, Direction.server_to_client, True),
        (0x04, FrameType.global_command, True, Direction.client_to_server, False),
        (0x05, FrameType.cluster_command, True, Direction.client_to_server, False),
    ],
)
def test_frame_control_bits(
    fc: int, frame_type: FrameType, mfr: bool, direction: Direction, ddr: bool
) -> None:
    raw = bytes([fc]) + (b"\x34\x12" if mfr else b"") + b"\x07\x0b"
    header, offset = decode_header(raw)
    assert header.frame_type is frame_type
    assert header.manufacturer_specific is mfr
    assert header.manufacturer == (0x1234 if mfr else None)
    assert header.direction is direction
    assert header.disable_default_response is ddr
    assert (header.tsn, header.command_id) == (7, 0x0B)
    assert offset == len(raw)
    assert header.encode() == raw
    built = ZclHeader.build(
        tsn=7,
        command_id=0x0B,
        cluster_specific=frame_type is FrameType.cluster_command,
        direction=direction,
        manufacturer=0x1234 if mfr else None,
        disable_default_response=ddr,
    )
    assert built == header


def test_reserved_bits_are_tolerated_and_kept() -> None:
    header, _ = decode_header(b"\xe8\x01\x0b")
    assert header.frame_control.reserved == 0b111
    assert header.direction is Direction.server_to_client
    assert header.encode() == b"\xe8\x01\x0b"


def test_reserved_frame_type_decodes() -> None:
    header, _ = decode_header(b"\x02\x01\x00")
    assert int(header.frame_type) == 2
    assert not header.is_global
    assert not header.is_cluster_specific


@pytest.mark.parametrize("raw", [b"", b"\x00", b"\x00\x01", b"\x04\x01\x02\x03"])
def test_short_headers(raw: bytes) -> None:
    with pytest.raises(DecodeError):
        decode_header(raw)


def test_manufacturer_bit_must_match_code() -> None:
    with pytest.raises(EncodeError):
        ZclHeader(decode_header(b"\x04\x00\x00\x01\x02")[0].frame_control, None, 1, 2).encode()
    with pytest.raises(EncodeError):
        ZclHeader(decode_header(b"\x00\x01\x02")[0].frame_control, 0x1234, 1, 2).encode()


@given(
    fc=st.integers(0, 255),
    mfr=st.integers(0, 0xFFFF),
    tsn=st.integers(0, 255),
    cmd=st.integers(0, 255),
    extra=st.binary(max_size=4),
)
def test_header_round_trip(fc: int, mfr: int, tsn: int, cmd: int, extra: bytes) -> None:
    raw = bytes([fc]) + (mfr.to_bytes(2, "little") if fc & 4 else b"") + bytes([tsn, cmd])
    header, offset = decode_header(raw + extra)
    assert offset == len(raw)
    assert header.encode() == raw
    assert header.manufacturer == (mfr if fc & 4 else None)

"""Foundation commands (se-spec.md §1.2–§1.3) and whole-frame decoding."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segateway.zcl.clusters.time import Time, TimeStatus
from segateway.zcl.errors import DecodeError, EncodeError
from segateway.zcl.foundation import FOUNDATION, GeneralCommand, ReportingDirection
from segateway.zcl.frame import decode_frame, encode_frame, find_command
from segateway.zcl.header import Direction
from segateway.zcl.status import Status
from segateway.zcl.types import DataType

from .helpers import strategy_for


def h(text: str) -> bytes:
    return bytes.fromhex(text.replace(" ", ""))


def test_read_attributes_metering_vector() -> None:
    """se-spec §6.6: Read Attributes Metering (TSN 9): 0x0000, 0x0300, 0x0301, 0x0302, 0x0303."""
    raw = h("00 09 00  0000 0003 0103 0203 0303")
    frame = decode_frame(raw, 0x0702)
    assert frame.header.tsn == 9
    assert frame.command is FOUNDATION[0x00]
    assert frame.payload.attribute_ids == [0x0000, 0x0300, 0x0301, 0x0302, 0x0303]
    assert frame.encode() == raw


def test_read_attributes_response_metering_vector() -> None:
    """se-spec §6.6: summation 123456789 (uint48), UoM kWh, multiplier 1, divisor 1000, 0x33."""
    raw = h(
        "18 09 01"
        "0000 00 25 15CD5B070000"  # CurrentSummationDelivered, SUCCESS, uint48
        "0003 00 30 00"  # UnitofMeasure, SUCCESS, enum8, kWh
        "0103 00 22 010000"  # Multiplier, SUCCESS, uint24, 1
        "0203 00 22 E80300"  # Divisor, SUCCESS, uint24, 1000
        "0303 00 18 33"  # SummationFormatting, SUCCESS, bitmap8, 0x33
    )
    frame = decode_frame(raw, 0x0702)
    assert frame.header.direction is Direction.server_to_client
    assert frame.header.disable_default_response
    records = frame.payload.records
    assert [(r.attribute_id, r.status, r.data_type, r.value) for r in records] == [
        (0x0000, Status.SUCCESS, DataType.uint48, 123456789),
        (0x0300, Status.SUCCESS, DataType.enum8, 0),
        (0x0301, Status.SUCCESS, DataType.uint24, 1),
        (0x0302, Status.SUCCESS, DataType.uint24, 1000),
        (0x0303, Status.SUCCESS, DataType.map8, 0x33),
    ]
    assert frame.encode() == raw


def test_time_read_response_vector_uses_named_types() -> None:
    """se-spec §6.6: Time 812653568, TimeStatus 0x0D (Master|MasterZoneDst|Superseding)."""
    raw = h("18 0A 01  0000 00 E2 001C7030  0100 00 18 0D")
    frame = decode_frame(raw, Time)
    time, status = frame.payload.records
    assert time.value == 812653568
    assert status.value == 0x0D
    assert isinstance(status.value, TimeStatus)
    assert status.value == TimeStatus.master | TimeStatus.master_zone_dst | TimeStatus.superseding
    assert frame.encode() == raw


def test_default_response_vector() -> None:
    """se-spec §6.6: Default Response (TSN 1, FC 0x18): command id 0x00, status SUCCESS."""
    raw = h("18 01 0B 00 00")
    frame = decode_frame(raw)
    assert frame.command is FOUNDATION[GeneralCommand.default_response]
    assert frame.payload.command_id == 0
    assert frame.payload.status is Status.SUCCESS
    assert (
        encode_frame(
            frame.command,
            {"command_id": 0, "status": "SUCCESS"},
            tsn=1,
            direction=Direction.server_to_client,
            disable_default_response=True,
        )
        == raw
    )


def test_read_attributes_response_unsupported_has_no_value() -> None:
    """§1.3: type and value only present when status = SUCCESS."""
    raw = h("08 01 01  0500 86  0000 00 20 03")
    records = decode_frame(raw).payload.records
    assert (records[0].attribute_id, records[0].status) == (5, Status.UNSUPPORTED_ATTRIBUTE)
    assert records[0].data_type is None
    assert records[0].value is None
    assert records[1].value == 3


def test_write_attributes_response_forms() -> None:
    """§1.3: single 0x00 when all succeeded, otherwise {status, attrId} per failure."""
    ok = decode_frame(h("08 01 04 00")).payload.records
    assert len(ok) == 1
    assert ok[0].status is Status.SUCCESS
    assert ok[0].attribute_id is None
    failed = decode_frame(h("08 01 04 88 0000 87 0100")).payload.records
    assert [(r.status, r.attribute_id) for r in failed] == [
        (Status.READ_ONLY, 0),
        (Status.INVALID_VALUE, 1),
    ]


def test_configure_reporting_analog_discrete_and_receive() -> None:
    """§1.3: reportable change only for analog types; direction 0x01 carries a timeout."""
    raw = h(
        "00 05 06"
        "00 0000 25 0100 2C01 0A0000000000"  # uint48 summation, 1 s..300 s, change 10
        "00 0003 30 0000 1000"  # enum8: no reportable change
        "01 0004 3C00"  # receive, timeout 60 s
    )
    records = decode_frame(raw, 0x0702).payload.records
    analog, discrete, receive = records
    assert analog.direction is ReportingDirection.reported
    assert (analog.minimum_reporting_interval, analog.maximum_reporting_interval) == (1, 300)
    assert analog.reportable_change == 10
    assert discrete.reportable_change is None
    assert discrete.maximum_reporting_interval == 16
    assert receive.direction is ReportingDirection.received
    assert receive.timeout_period == 60
    assert receive.data_type is None
    assert decode_frame(raw, 0x0702).encode() == raw


def test_configure_reporting_response_both_success_forms() -> None:
    """A lone 0x00, or (as real devices send) a full record with status 0."""
    short = decode_frame(h("18 07 07 00")).payload.records
    assert short[0].status is Status.SUCCESS
    assert short[0].direction is None
    full = decode_frame(h("18 07 07 00 00 0000")).payload.records
    assert (full[0].status, full[0].direction, full[0].attribute_id) == (0, 0, 0)


def test_read_reporting_configuration_response() -> None:
    raw = h("18 02 09  00 00 0004 2A 0A00 3C00 640000  00 01 0500 1E00  86 00 0700")
    records = decode_frame(raw).payload.records
    assert records[0].data_type is DataType.int24
    assert records[0].reportable_change == 100
    assert records[1].timeout_period == 30
    assert records[2].status is Status.UNSUPPORTED_ATTRIBUTE
    assert records[2].data_type is None
    assert decode_frame(raw).encode() == raw


def test_discover_attributes_and_response() -> None:
    req = decode_frame(h("00 03 0C 0000 10")).payload
    assert (req.start_attribute_id, req.maximum_attribute_ids) == (0, 16)
    rsp = decode_frame(h("08 03 0D 01 0000 E2 0100 18")).payload
    assert rsp.discovery_complete is True
    assert [(r.attribute_id, r.data_type) for r in rsp.records] == [(0, 0xE2), (1, 0x18)]


def test_unknown_and_manufacturer_commands_keep_their_bytes() -> None:
    # manufacturer-specific cluster command: not ours to interpret
    frame = decode_frame(h("05 5F11 01 00 AABB"), 0x0702)
    assert frame.command is None
    assert frame.payload == b"\xaa\xbb"
    assert frame.header.manufacturer == 0x115F
    assert frame.encode() == h("05 5F11 01 00 AABB")
    # unknown foundation command id
    assert decode_frame(h("00 01 40 01 02")).command is None
    # cluster command on a cluster we do not define
    assert decode_frame(h("01 01 00 01"), 0x1234).command is None
    # cluster-specific frame without a cluster
    assert decode_frame(h("01 01 00 01")).command is None


def test_trailing_bytes_are_kept() -> None:
    frame = decode_frame(h("18 01 0B 00 00 DEAD"))
    assert frame.payload.status is Status.SUCCESS
    assert frame.rest == b"\xde\xad"
    assert frame.encode() == h("18 01 0B 00 00 DEAD")


def test_zdo_profile_is_refused() -> None:
    with pytest.raises(DecodeError, match="ZDO"):
        decode_frame(h("18 01 0B 00 00"), profile=0x0000)


def test_truncated_default_response() -> None:
    with pytest.raises(DecodeError):
        decode_frame(h("18 01 0B 00"))


def test_encode_frame_needs_direction_for_foundation() -> None:
    with pytest.raises(EncodeError, match="give its direction"):
        encode_frame(FOUNDATION[0], {"attribute_ids": [0]}, tsn=1)
    assert find_command(None, "read_attributes", None) is FOUNDATION[0]
    with pytest.raises(KeyError):
        find_command(None, "no_such_command", None)


_TYPES = st.sampled_from([0x10, 0x20, 0x21, 0x22, 0x25, 0x29, 0x2A, 0x30, 0x18, 0x42, 0x41, 0xE2,
                          0xF0, 0x39, 0x48, 0x4C])  # fmt: skip


@st.composite
def _typed_record(draw: st.DrawFn) -> dict[str, Any]:
    type_id = draw(_TYPES)
    return {
        "attribute_id": draw(st.integers(0, 0xFFFF)),
        "data_type": type_id,
        "value": draw(strategy_for(type_id)),
    }


@given(records=st.lists(_typed_record(), max_size=6), tsn=st.integers(0, 255))
def test_report_attributes_round_trip(records: list[dict[str, Any]], tsn: int) -> None:
    cmd = FOUNDATION[GeneralCommand.report_attributes]
    raw = encode_frame(cmd, {"records": records}, tsn=tsn, direction=Direction.server_to_client)
    frame = decode_frame(raw)
    assert [r._asdict() for r in frame.payload.records] == records
    assert frame.encode() == raw


@given(
    records=st.lists(
        st.one_of(
            _typed_record().map(lambda r: {**r, "status": 0}),
            st.builds(
                dict,
                attribute_id=st.integers(0, 0xFFFF),
                status=st.integers(1, 255),
                data_type=st.none(),
                value=st.none(),
            ),
        ),
        max_size=6,
    )
)
def test_read_attributes_response_round_trip(records: list[dict[str, Any]]) -> None:
    cmd = FOUNDATION[GeneralCommand.read_attributes_response]
    raw = encode_frame(cmd, {"records": records}, tsn=1, direction=Direction.server_to_client)
    decoded = decode_frame(raw).payload.records
    assert [r._asdict() for r in decoded] == [
        {"attribute_id": r["attribute_id"], "status": r["status"], "data_type": r["data_type"],
         "value": r["value"]}
        for r in records
    ]  # fmt: skip

"""Tunneling 0x0704 and Prepayment 0x0705 (se-spec.md §2.9).

The reference gives no encoded frames for these clusters; the frames below are assembled here
from its field lists, annotated byte by byte, with values of our choosing.
"""

from __future__ import annotations

import pytest
from hypothesis import given

from segateway.zcl.cluster import Side
from segateway.zcl.clusters.prepayment import Prepayment
from segateway.zcl.clusters.tunneling import SUPPORTED_PROTOCOL, Tunneling
from segateway.zcl.errors import DecodeError
from segateway.zcl.frame import decode_frame
from segateway.zcl.header import Direction
from segateway.zcl.registry import CLUSTERS

from .helpers import (
    assert_prefixes_rejected,
    assert_trailing_bytes_kept,
    check_commands,
    check_declarations,
    record_strategy,
)

# ---------------------------------------------------------------------------------------------
# Tunneling

REQUEST_TUNNEL = bytes.fromhex(
    "01"  # frame control: cluster-specific, client → server
    "10"  # TSN 0x10
    "00"  # 0x00 Request Tunnel
    "02"  # protocol id 2
    "ffff"  # manufacturer code 0xFFFF: not used
    "01"  # flow control support: true
    "0005"  # maximum incoming transfer size 0x0500 = 1280
)

REQUEST_TUNNEL_RESPONSE = bytes.fromhex(
    "09"  # frame control: cluster-specific, server → client
    "10"  # TSN 0x10
    "00"  # 0x00 Request Tunnel Response
    "3412"  # tunnel id 0x1234
    "00"  # status 0
    "8000"  # maximum incoming transfer size 128
)

TRANSFER_DATA = bytes.fromhex(
    "01"  # cluster-specific, client → server
    "11"  # TSN 0x11
    "02"  # 0x02 Transfer Data
    "3412"  # tunnel id 0x1234
    "7ea0070393"  # data: five protocol octets, passed through untouched
)


def test_request_tunnel() -> None:
    frame = decode_frame(REQUEST_TUNNEL, Tunneling)
    assert frame.command is Tunneling.commands.request_tunnel
    p = frame.payload
    assert p.protocol_id == 2
    assert p.manufacturer_code == 0xFFFF
    assert p.flow_control_support is True
    assert p.maximum_incoming_transfer_size == 1280
    assert frame.encode() == REQUEST_TUNNEL
    assert_prefixes_rejected(REQUEST_TUNNEL, Tunneling)
    assert_trailing_bytes_kept(REQUEST_TUNNEL, Tunneling)


def test_request_tunnel_response() -> None:
    frame = decode_frame(REQUEST_TUNNEL_RESPONSE, Tunneling)
    assert frame.command is Tunneling.commands.request_tunnel_response
    p = frame.payload
    assert (p.tunnel_id, p.status, p.maximum_incoming_transfer_size) == (0x1234, 0, 128)
    assert frame.encode() == REQUEST_TUNNEL_RESPONSE
    assert_prefixes_rejected(REQUEST_TUNNEL_RESPONSE, Tunneling)
    assert_trailing_bytes_kept(REQUEST_TUNNEL_RESPONSE, Tunneling)


@pytest.mark.parametrize("direction", list(Direction))
def test_transfer_data_both_ways(direction: Direction) -> None:
    """Transfer Data is 0x02 client → server and 0x01 server → client; data runs to the end."""
    command_byte = 0x02 if direction == Direction.client_to_server else 0x01
    data = bytes([0x01 | (int(direction) << 3), 0x11, command_byte]) + TRANSFER_DATA[3:]
    frame = decode_frame(data, Tunneling)
    assert frame.command is not None
    assert frame.command.name == "transfer_data"
    assert frame.command.direction == direction
    assert frame.payload.tunnel_id == 0x1234
    assert frame.payload.data == bytes.fromhex("7ea0070393")
    assert frame.rest == b""
    assert frame.encode() == data
    for cut in range(3, len(data)):
        if cut < 5:  # the tunnel id is incomplete
            with pytest.raises(DecodeError):
                decode_frame(data[:cut], Tunneling)
        else:  # the data is simply shorter
            assert decode_frame(data[:cut], Tunneling).payload.data == data[5:cut]


def test_flow_control_commands() -> None:
    ack = bytes.fromhex(
        "01"  # cluster-specific, client → server
        "12"  # TSN 0x12
        "04"  # 0x04 Ack Transfer Data
        "3412"  # tunnel id 0x1234
        "0000"  # number of bytes left 0: stop
    )
    frame = decode_frame(ack, Tunneling)
    assert frame.command is Tunneling.command(Direction.client_to_server, 0x04)
    assert (frame.payload.tunnel_id, frame.payload.number_of_bytes_left) == (0x1234, 0)
    assert_prefixes_rejected(ack, Tunneling)
    assert_trailing_bytes_kept(ack, Tunneling)
    ready = bytes.fromhex(
        "09"  # cluster-specific, server → client
        "13"  # TSN 0x13
        "04"  # 0x04 Ready Data (server → client)
        "3412"  # tunnel id 0x1234
        "9600"  # number of octets left 150
    )
    frame = decode_frame(ready, Tunneling)
    assert frame.command is Tunneling.command(Direction.server_to_client, 0x04)
    assert frame.command is not None
    assert frame.command.name == "ready_data"
    assert frame.payload.number_of_octets_left == 150
    assert_prefixes_rejected(ready, Tunneling)


def test_supported_tunnel_protocols() -> None:
    get = bytes.fromhex("01140600")  # Get Supported Tunnel Protocols, offset 0
    frame = decode_frame(get, Tunneling)
    assert frame.command is Tunneling.commands.get_supported_tunnel_protocols
    assert frame.payload.protocol_offset == 0
    response = bytes.fromhex(
        "09"  # cluster-specific, server → client
        "14"  # TSN 0x14
        "05"  # 0x05 Supported Tunnel Protocols Response
        "01"  # protocol list complete: true
        "02"  # protocol count 2
        "ffff"
        "00"  # standard protocol 0
        "3412"
        "c8"  # manufacturer 0x1234, protocol 200
    )
    frame = decode_frame(response, Tunneling)
    p = frame.payload
    assert p.protocol_list_complete is True
    assert p.protocol_count == 2
    assert [(e.manufacturer_code, e.protocol_id) for e in p.protocol_list] == [
        (0xFFFF, 0),
        (0x1234, 200),
    ]
    assert frame.encode() == response
    assert_prefixes_rejected(response, Tunneling)
    assert_trailing_bytes_kept(response, Tunneling)


def test_close_and_closure_notification() -> None:
    close = bytes.fromhex("0115013412")  # Close Tunnel 0x1234
    frame = decode_frame(close, Tunneling)
    assert frame.command is Tunneling.commands.close_tunnel
    assert frame.payload.tunnel_id == 0x1234
    assert_prefixes_rejected(close, Tunneling)
    note = bytes.fromhex("0916063412")  # Tunnel Closure Notification 0x1234
    frame = decode_frame(note, Tunneling)
    assert frame.command is Tunneling.commands.tunnel_closure_notification
    assert frame.payload.tunnel_id == 0x1234
    error = bytes.fromhex("091702341201")  # Transfer Data Error, status 1
    frame = decode_frame(error, Tunneling)
    assert frame.command is Tunneling.command(Direction.server_to_client, 0x02)
    assert (frame.payload.tunnel_id, frame.payload.status) == (0x1234, 1)


_TUNNEL_COMMANDS: dict[Direction, dict[int, tuple[str, list[tuple[str, int]]]]] = {
    Direction.client_to_server: {
        0x00: (
            "request_tunnel",
            [
                ("protocol_id", 1),
                ("manufacturer_code", 2),
                ("flow_control_support", 1),
                ("maximum_incoming_transfer_size", 2),
            ],
        ),
        0x01: ("close_tunnel", [("tunnel_id", 2)]),
        0x02: ("transfer_data", [("tunnel_id", 2), ("data", 0)]),
        0x03: ("transfer_data_error", [("tunnel_id", 2), ("status", 1)]),
        0x04: ("ack_transfer_data", [("tunnel_id", 2), ("number_of_bytes_left", 2)]),
        0x05: ("ready_data", [("tunnel_id", 2), ("number_of_octets_left", 2)]),
        0x06: ("get_supported_tunnel_protocols", [("protocol_offset", 1)]),
    },
    Direction.server_to_client: {
        0x00: (
            "request_tunnel_response",
            [("tunnel_id", 2), ("status", 1), ("maximum_incoming_transfer_size", 2)],
        ),
        0x01: ("transfer_data", [("tunnel_id", 2), ("data", 0)]),
        0x02: ("transfer_data_error", [("tunnel_id", 2), ("status", 1)]),
        0x03: ("ack_transfer_data", [("tunnel_id", 2), ("number_of_bytes_left", 2)]),
        0x04: ("ready_data", [("tunnel_id", 2), ("number_of_octets_left", 2)]),
        0x05: (
            "supported_tunnel_protocols_response",
            [("protocol_list_complete", 1), ("protocol_count", 1), ("protocol_list", 0)],
        ),
        0x06: ("tunnel_closure_notification", [("tunnel_id", 2)]),
    },
}


def test_tunneling_registry_from_the_note() -> None:
    assert (Tunneling.id, Tunneling.name) == (0x0704, "tunneling")
    assert CLUSTERS[0x0704] is Tunneling
    check_commands(Tunneling, _TUNNEL_COMMANDS)
    check_declarations(Tunneling)
    for name in (
        "get_supported_tunnel_protocols",
        "supported_tunnel_protocols_response",
        "tunnel_closure_notification",
    ):
        assert Tunneling.commands[name].since == "1.1a"
    attr = Tunneling.attribute(Side.server, 0x0000)
    assert attr is not None
    assert attr.name == "close_tunnel_timeout"
    assert attr.wire.type_id == 0x21  # uint16
    assert attr.default == 0xFFFF
    assert attr.range == (0x0001, 0xFFFF)
    assert Tunneling.attribute(Side.server, 0xFFFE) is not None  # §1.6


# ---------------------------------------------------------------------------------------------
# Prepayment

SELECT_EMERGENCY_CREDIT = bytes.fromhex(
    "01"  # frame control: cluster-specific, client → server
    "18"  # TSN 0x18
    "00"  # 0x00 Select Available Emergency Credit
    "001c7030"  # command issue date/time 812653568
    "01"  # originating device 1
)


def test_select_available_emergency_credit() -> None:
    frame = decode_frame(SELECT_EMERGENCY_CREDIT, Prepayment)
    assert frame.command is Prepayment.commands.select_available_emergency_credit
    assert frame.payload.command_issue_date_time == 812653568
    assert frame.payload.originating_device == 1
    assert frame.encode() == SELECT_EMERGENCY_CREDIT
    assert_prefixes_rejected(SELECT_EMERGENCY_CREDIT, Prepayment)
    assert_trailing_bytes_kept(SELECT_EMERGENCY_CREDIT, Prepayment)


def test_undeclared_prepayment_command_is_kept_as_bytes() -> None:
    """Commands the reference does not lay out decode as unknown, payload preserved."""
    data = bytes.fromhex("0919010102030405")  # a server → client 0x01 (SE 1.2a)
    frame = decode_frame(data, Prepayment)
    assert frame.command is None
    assert frame.payload == bytes.fromhex("0102030405")
    assert frame.encode() == data


def test_prepayment_registry_from_the_note() -> None:
    assert (Prepayment.id, Prepayment.name) == (0x0705, "prepayment")
    assert CLUSTERS[0x0705] is Prepayment
    check_commands(
        Prepayment,
        {
            Direction.client_to_server: {
                0x00: (
                    "select_available_emergency_credit",
                    [("command_issue_date_time", 4), ("originating_device", 1)],
                ),
            },
            Direction.server_to_client: {},
        },
    )
    check_declarations(Prepayment)
    assert Prepayment.commands.select_available_emergency_credit.since == "1.2a"
    assert Prepayment.__doc__ is not None
    assert "reference lacks" in Prepayment.__doc__


# ---------------------------------------------------------------------------------------------
# Round trips


@given(record=record_strategy(SUPPORTED_PROTOCOL))
def test_supported_protocol_record_round_trip(record: tuple[int, int]) -> None:
    raw = SUPPORTED_PROTOCOL.encode(record)
    assert len(raw) == 3
    assert SUPPORTED_PROTOCOL.decode(raw, 0) == (record, 3)

"""Tunneling cluster 0x0704 (se-spec.md §2.9).

Carries a metering protocol (DLMS/COSEM, ANSI C12, …) through ZCL frames. The data flow is
symmetric: both sides send Transfer Data, Transfer Data Error, Ack Transfer Data and Ready Data,
with the same ids shifted by one in the server-to-client direction.

The reference gives the payloads of Request Tunnel, Close Tunnel, Transfer Data, Transfer Data
Error and Request Tunnel Response. The layouts of Ack Transfer Data, Ready Data, Get Supported
Tunnel Protocols, Supported Tunnel Protocols Response and Tunnel Closure Notification come from
the two decoders the reference itself cites (Wireshark packet-zbee-zcl-se.c and zsmartsystems
0704_SmartEnergyTunneling.xml), which agree on them (Wireshark reads the one-octet Protocol
Offset as two octets; the field is declared one octet wide, as in zsmartsystems).
Status fields stay plain integers: the reference names no values.
"""

from __future__ import annotations

from .. import types as t
from ..cluster import Attribute, Cluster, Command
from ..schema import Field, ListOf, Schema
from .common import ATTRIBUTE_REPORTING_STATUS

__all__ = ["SUPPORTED_PROTOCOL", "Tunneling"]

SUPPORTED_PROTOCOL = Schema(
    "supported_protocol",
    [
        Field("manufacturer_code", t.uint16, note="0xFFFF = a standard protocol"),
        Field("protocol_id", t.uint8),
    ],
)

_TRANSFER_DATA = [
    Field("tunnel_id", t.uint16),
    Field("data", t.rest_bytes, note="protocol octets, exactly as the sender passed them"),
]
_TRANSFER_DATA_ERROR = [Field("tunnel_id", t.uint16), Field("status", t.uint8)]
_ACK_TRANSFER_DATA = [
    Field("tunnel_id", t.uint16),
    Field("number_of_bytes_left", t.uint16, note="0 = stop sending until Ready Data"),
]
_READY_DATA = [
    Field("tunnel_id", t.uint16),
    Field("number_of_octets_left", t.uint16, note="room for the next Transfer Data"),
]
_FLOW_CONTROL = "only when flow control is in use on the tunnel"


class Tunneling(Cluster):
    """Tunneling: a byte pipe for a metering protocol between client and server."""

    id = 0x0704
    name = "tunneling"
    label = "Tunneling"
    server_attributes = (
        Attribute(
            0x0000,
            "close_tunnel_timeout",
            t.uint16,
            mandatory=True,
            default=0xFFFF,
            range=(0x0001, 0xFFFF),
            note="seconds an idle tunnel stays open before the server closes it",
        ),
        ATTRIBUTE_REPORTING_STATUS,
    )
    client_to_server = (
        Command(
            0x00,
            "request_tunnel",
            [
                Field("protocol_id", t.uint8, note="values above 199 are manufacturer-defined"),
                Field("manufacturer_code", t.uint16, note="0xFFFF = not used"),
                Field("flow_control_support", t.boolean),
                Field(
                    "maximum_incoming_transfer_size",
                    t.uint16,
                    note="largest Transfer Data payload the client accepts",
                ),
            ],
            response="request_tunnel_response",
        ),
        Command(0x01, "close_tunnel", [Field("tunnel_id", t.uint16)]),
        Command(0x02, "transfer_data", _TRANSFER_DATA),
        Command(0x03, "transfer_data_error", _TRANSFER_DATA_ERROR),
        Command(0x04, "ack_transfer_data", _ACK_TRANSFER_DATA, note=_FLOW_CONTROL),
        Command(0x05, "ready_data", _READY_DATA, note=_FLOW_CONTROL),
        Command(
            0x06,
            "get_supported_tunnel_protocols",
            [Field("protocol_offset", t.uint8, note="index of the first protocol wanted")],
            since="1.1a",
            response="supported_tunnel_protocols_response",
        ),
    )
    server_to_client = (
        Command(
            0x00,
            "request_tunnel_response",
            [
                Field("tunnel_id", t.uint16),
                Field("status", t.uint8, note="0 = tunnel opened"),
                Field(
                    "maximum_incoming_transfer_size",
                    t.uint16,
                    note="largest Transfer Data payload the server accepts",
                ),
            ],
        ),
        Command(0x01, "transfer_data", _TRANSFER_DATA),
        Command(0x02, "transfer_data_error", _TRANSFER_DATA_ERROR),
        Command(0x03, "ack_transfer_data", _ACK_TRANSFER_DATA, note=_FLOW_CONTROL),
        Command(0x04, "ready_data", _READY_DATA, note=_FLOW_CONTROL),
        Command(
            0x05,
            "supported_tunnel_protocols_response",
            [
                Field("protocol_list_complete", t.boolean),
                Field("protocol_count", t.uint8),
                Field("protocol_list", ListOf(SUPPORTED_PROTOCOL, count="protocol_count")),
            ],
            since="1.1a",
        ),
        Command(
            0x06,
            "tunnel_closure_notification",
            [Field("tunnel_id", t.uint16)],
            since="1.1a",
            note="the server closed an idle tunnel after close_tunnel_timeout",
        ),
    )

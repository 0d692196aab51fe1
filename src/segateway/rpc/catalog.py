"""The catalog of the RPC API: every request, its response and every asynchronous message, as data.

Names, parameters, records and defaults are those of the Digi SE Framework (digi-se-rpc.md §3,
§4); what the reference lacks is designed in the same style and marked ``added`` (see
docs/decisions.md). Provenance letters: ``N`` new documentation, ``O`` old user's manual, ``C`` a
real client, ``I`` inferred or designed here.

A :class:`RequestSpec` says how a request is called (parameters with type, whether required,
default, description), what answers it (a :class:`MessageSpec`, named ``<request>_response``) and
when: :attr:`Completion.immediate` (local work, answered at once), :attr:`Completion.network`
(answered when the network work completes) or :attr:`Completion.none` (``exit``). Asynchronous
messages (``message``, ``received_*``, ``updated_active_*``, ``attribute_report`` …) are
:class:`MessageSpec` objects with ``response_only`` set.

:class:`Catalog` validates requests (:meth:`Catalog.validate`) and shapes responses
(:meth:`Catalog.shape`) from these declarations; the dispatcher, the codecs, the OpenAPI
description and ``docs/rpc.md`` are all derived from :data:`CATALOG`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from .errors import InvalidParamsError, UnknownMethodError
from .records import RECORDS, U8, U16, U32, ZERO_ONE, FieldSpec, RecordSpec, opt, req
from .types import (
    ADDRESS,
    ANY,
    BOOL,
    BYTES,
    DICT,
    FLOAT,
    INT,
    MAC64,
    NONE,
    SHORT_ADDRESS,
    STRING,
    XML,
    RpcType,
    coerce,
    conforms,
    list_of,
    one_of,
    record,
    shape,
    uint,
)
from .values import Value

__all__ = [
    "API_VERSION",
    "CATALOG",
    "INTERFACES",
    "Catalog",
    "Completion",
    "MessageSpec",
    "RequestSpec",
]


API_VERSION: Final = "1.6.0"
"""The SE Framework API level implemented (``get_version`` reports it as ``version``)."""


class Completion(enum.Enum):
    """When a request is answered."""

    immediate = "immediate"  # local work: the response comes at once
    network = "network"  # after the network work (deliveries, the device's answer)
    none = "none"  # no response at all (exit)


@dataclass(frozen=True, slots=True)
class MessageSpec:
    """A response or an asynchronous (response-only) message."""

    name: str
    interface: str
    doc: str
    params: tuple[FieldSpec, ...]
    provenance: str = "O"
    added: bool = False
    response_only: bool = False
    extra: RpcType | None = None  # further parameters of any name (aliases, message context)

    def param(self, name: str) -> FieldSpec | None:
        return next((p for p in self.params if p.name == name), None)


@dataclass(frozen=True, slots=True)
class RequestSpec:
    """A request: parameters, its response and when it comes."""

    name: str
    interface: str
    doc: str
    params: tuple[FieldSpec, ...]
    response: MessageSpec | None
    completion: Completion = Completion.immediate
    provenance: str = "O"
    added: bool = False
    extra: RpcType | None = None  # further parameters of any name (add_alias)
    causes: tuple[str, ...] = ()  # asynchronous messages it may lead to

    def param(self, name: str) -> FieldSpec | None:
        return next((p for p in self.params if p.name == name), None)


GENERAL = "RPC_General_Interface"
ALIASING = "RPC_XML_Interface"
ZIGBEE = "RPC_ZigBee_Interface"
ZDO = "ZDO"
ZCL = "RPC_ZCL_Interface"
SE_COMMON = "RPC_SE_Interface"
SE_SERVER = "RPC_SE_Server_Interface"
SE_CLIENT = "RPC_SE_Client_Interface"

INTERFACES: Final = (GENERAL, ALIASING, ZIGBEE, ZDO, ZCL, SE_COMMON, SE_SERVER, SE_CLIENT)
"""The interface classes, in the reference's order (``RPC_SE_Interface``: requests both SE
classes have, and Metering)."""

_CLUSTER_ID = req("cluster_id", U16, "16-bit target cluster.")
_SERVER_OR_CLIENT = req("server_or_client", ZERO_ONE, "Target cluster is server (0) or client (1).")
_DST_EP_OPTIONAL = opt(
    "destination_endpoint_id",
    U8,
    "Endpoint with the target cluster; omitted: looked up in the device's discovery data "
    "(as of 1.4.0).",
    prov="ON",
)
_SRC_EP = opt(
    "source_endpoint_id",
    U8,
    "Local endpoint sending; omitted: the gateway's SE endpoint (0x5E).",
)
_DST_ADDRESS = opt(
    "destination_address",
    ADDRESS,
    "Target device; omitted: the gateway itself; 00:00:00:00:00:00:FF:FF: broadcast.",
)
_MANUFACTURER = opt("manufacturer_code", U16, "16-bit manufacturer code (default: none).")
_ZCL_ADDRESSING = (
    _CLUSTER_ID,
    _SERVER_OR_CLIENT,
    _DST_EP_OPTIONAL,
    _SRC_EP,
    _DST_ADDRESS,
    _MANUFACTURER,
)

# the common header of ZCL responses: who answered
_R_CLUSTER = req("cluster_id", U16, "Cluster.")
_R_SIDE = req("server_or_client", ZERO_ONE, "The answering cluster is server (0) or client (1).")
_R_PROFILE = req("profile_id", U16, "Profile (0x0109 Smart Energy).")
_R_SRC_EP = req("source_endpoint_id", U8, "Endpoint that answered.")
_R_DST_EP = opt("destination_endpoint_id", U8, "Local endpoint the answer came to.")
_R_SRC_ADDRESS = opt("source_address", ADDRESS, "Device that answered.")
_R_MANUFACTURER = opt("manufacturer_code", U16, "Manufacturer code, when the frame had one.")
_R_STATUS = opt(
    "status",
    U8,
    "Only when no answer came: 0x94 TIMEOUT (delivered, unanswered), 0x01 FAILURE (not "
    "delivered), or the status of the Default Response the device sent instead.",
    prov="I",
)
_ZCL_HEADER = (
    _R_CLUSTER,
    _R_SIDE,
    _R_PROFILE,
    _R_SRC_EP,
    _R_DST_EP,
    _R_SRC_ADDRESS,
    _R_MANUFACTURER,
)

_ENDPOINT_ID = opt("endpoint_id", U8, "Local endpoint; omitted: the gateway's SE endpoint (0x5E).")
_SIDE_OPTIONAL = opt(
    "server_or_client",
    ZERO_ONE,
    "0 the local server, 1 the local client; omitted: whichever the endpoint has.",
)
_DEVICE_LIST = opt(
    "device_list",
    list_of(MAC64),
    "64-bit addresses of the devices that acknowledged (empty unless status is 0x00).",
)
_SE_STATUS = req(
    "status", U8, "ZCL status: 0x00 success, 0x85 invalid field, 0x8A duplicate exists …"
)
_CLIENT_STATUS = req(
    "status",
    U8,
    "0x00 sent to at least one server, 0x01 none acknowledged, 0x8B no active server; "
    "0x85 invalid field.",
)

_YEAR_2000 = "UTC seconds since 2000-01-01 (ZigBee time)"


def _response(
    request: str,
    interface: str,
    params: Iterable[FieldSpec],
    doc: str = "",
    prov: str = "O",
    *,
    added: bool = False,
    extra: RpcType | None = None,
) -> MessageSpec:
    return MessageSpec(
        f"{request}_response",
        interface,
        doc or f"The answer to {request}.",
        tuple(params),
        prov,
        added,
        extra=extra,
    )


def _request(
    name: str,
    interface: str,
    doc: str,
    params: Iterable[FieldSpec],
    response: Iterable[FieldSpec] | None,
    *,
    completion: Completion = Completion.immediate,
    prov: str = "O",
    added: bool = False,
    response_doc: str = "",
    response_prov: str | None = None,
    extra: RpcType | None = None,
    response_extra: RpcType | None = None,
    causes: tuple[str, ...] = (),
) -> RequestSpec:
    answer = (
        None
        if response is None
        else _response(
            name,
            interface,
            response,
            response_doc,
            response_prov or prov,
            added=added,
            extra=response_extra,
        )
    )
    return RequestSpec(
        name,
        interface,
        doc,
        tuple(params),
        answer,
        completion,
        prov,
        added,
        extra,
        causes,
    )


_NETWORK = Completion.network
U64 = uint(64)
_SCALAR = one_of(BOOL, INT, FLOAT, STRING, NONE)
_TIME_RESPONSE = (
    req("UTC_1970", INT, "Seconds since 1970-01-01 UTC."),
    req("UTC_2000", INT, "Seconds since 2000-01-01 UTC (ZigBee time)."),
)

# ---------------------------------------------------------------------------------- General

_GENERAL: tuple[RequestSpec, ...] = (
    _request(
        "registry_configuration",
        GENERAL,
        "Read or write an existing registry entry (entries cannot be created). The entries are "
        "listed in docs/rpc.md; written values persist across restarts.",
        (
            req("name", STRING, "Registry entry name (e.g. RPC_Manager.use_push).", "N"),
            opt(
                "value",
                _SCALAR,
                "Absent: read. Present: the entry is written with it.",
                prov="N",
            ),
        ),
        (
            req("name", STRING, "Entry name.", "N"),
            req(
                "value",
                _SCALAR,
                "Current value; when a write failed, the value that was attempted.",
                "N",
            ),
            opt("write_status", BOOL, "Only when a value was given: TRUE = updated.", prov="N"),
            opt("write_errors", STRING, "Only when a write failed: why.", prov="N"),
        ),
        prov="N",
    ),
    _request(
        "registry_restore_defaults",
        GENERAL,
        "Reset every registry entry to its default.",
        (),
        (),
        prov="N",
    ),
    _request(
        "get_version",
        GENERAL,
        "The framework version.",
        (),
        (
            req(
                "version",
                STRING,
                "The SE Framework API level this gateway implements (1.6.0); segateway's own "
                "version is in version_extended.",
            ),
            req(
                "version_extended",
                DICT,
                "SE_spec_version, description, segateway_version, role.",
            ),
        ),
    ),
    _request(
        "get_time",
        GENERAL,
        "The gateway's UTC time in both epochs.",
        (),
        _TIME_RESPONSE,
        prov="ON",
    ),
    _request(
        "set_time",
        GENERAL,
        "Set the gateway's UTC time from either epoch (exactly one of the two). Every SE "
        "schedule follows the new time; a Time Synchronized message is emitted.",
        (
            opt("UTC_1970", U32, "Seconds since 1970-01-01 UTC.", prov="I"),
            opt("UTC_2000", U32, f"{_YEAR_2000}.", prov="I"),
        ),
        _TIME_RESPONSE,
        response_doc="The time as set.",
        response_prov="I",
        causes=("message",),
    ),
    _request(
        "sync_time",
        GENERAL,
        "Re-synchronise the clock: from the ZCL Time servers of the network when the gateway "
        "has a Time client (the result arrives as a Time Synchronized message), else from the "
        "host clock.",
        (),
        (
            req("method", STRING, "zcl (Time servers of the network) or host.", "I"),
            req(
                "status",
                U8,
                "0x00 done (host) or started (zcl); 0x8B NOT_FOUND: no time source.",
                "I",
            ),
            *_TIME_RESPONSE,
        ),
        prov="N",
        response_prov="I",
        causes=("message",),
    ),
    _request(
        "exit",
        GENERAL,
        "Stop the gateway. There is no response.",
        (),
        None,
        completion=Completion.none,
    ),
)

# ---------------------------------------------------------------------------------- Aliasing

_ALIASES = "Each parameter is one alias: its name is the alias name, its xml value the content."
_ALIASING: tuple[RequestSpec, ...] = (
    _request(
        "add_alias",
        ALIASING,
        "Define aliases: every child element is one alias (element name = alias name, "
        'type="xml", content = the XML it stands for). Redefining an alias replaces it and '
        "emits a warning message; aliases used inside a definition are expanded when it is "
        "defined.",
        (),
        (),
        prov="NO",
        extra=XML,
        response_extra=XML,
        response_doc="The aliases that were stored, in the request's shape.",
        causes=("message",),
    ),
    _request(
        "remove_alias",
        ALIASING,
        "Delete aliases: every child element names one alias (its value is ignored).",
        (),
        (),
        prov="I",
        extra=ANY,
        response_extra=XML,
        response_doc="The aliases that were removed, with their content.",
    ),
    _request(
        "list_aliases",
        ALIASING,
        "The defined aliases.",
        (),
        (),
        prov="I",
        response_extra=XML,
        response_doc=_ALIASES,
    ),
)

# ---------------------------------------------------------------------------------- ZigBee

_ZIGBEE: tuple[RequestSpec, ...] = (
    _request(
        "add_device",
        ZIGBEE,
        "Register a device as known; on the trust center a link key or installation code is "
        "loaded so that it can join; optionally open joining (re-broadcast to every router "
        "while open).",
        (
            req("device_address", MAC64, "64-bit address of the device.", "NO"),
            opt(
                "join_time",
                U16,
                "Seconds to allow joining (0 closes); absent: joining unchanged.",
                prov="NO",
            ),
            opt(
                "link_key",
                one_of(INT, BYTES),
                "128-bit link key (int, base16 or base64).",
                prov="NO",
            ),
            opt(
                "installation_code",
                one_of(BYTES, STRING),
                "Install code (48, 64, 96 or 128 bits) plus its 16-bit CRC, low byte first; "
                "as a string, non-hex characters are removed. Ignored when link_key is given.",
                prov="NO",
            ),
        ),
        (
            req("device_address", MAC64, "The device."),
            opt("join_time", U16, "Only if it was in the request."),
        ),
        prov="NO",
        causes=("message",),
    ),
    _request(
        "remove_device",
        ZIGBEE,
        "Forget a known device, remove its link key from the trust center and ask it to leave.",
        (req("device_address", MAC64, "64-bit address of the device.", "OC"),),
        (
            req("device_address", MAC64, "The device.", "I"),
            req("status", U8, "0x00 removed, 0x8B NOT_FOUND: the device was not known.", "I"),
        ),
        prov="OC",
        response_prov="I",
        causes=("message",),
    ),
    _request(
        "get_device_information",
        ZIGBEE,
        "Everything the gateway knows about the devices of the network (the gateway first).",
        (opt("device_address", MAC64, "Only this device; omitted: all.", prov="I"),),
        (req("record_list", list_of(record("ZDODeviceRecord")), "One record per device.", "I"),),
        prov="ON",
        response_prov="I",
    ),
    _request(
        "get_zigbee_network_configuration",
        ZIGBEE,
        "Read or set how a router gateway joins (interval between attempts, channels, install "
        "code, extended PAN id). Values given are stored and used the next time the gateway "
        "joins a network; the response reports the current values (never the install code).",
        (
            opt("extended_pan_id", U64, "Extended PAN id to join; 0 = any."),
            opt("installation_code", BYTES, "This gateway's install code with its CRC."),
            opt("join_attempt_interval", U16, "Seconds between join attempts."),
            opt("channel_mask", U32, "Channels to scan (bit n = channel n)."),
        ),
        (
            req("extended_pan_id", U64, "Configured extended PAN id (0 = any)."),
            req("join_attempt_interval", U16, "Seconds between join attempts."),
            req("channel_mask", U32, "Channels scanned."),
            req("eui", MAC64, "This gateway's 64-bit address."),
        ),
    ),
    _request(
        "send_zigbee",
        ZIGBEE,
        "Send one raw APS frame (ZigBee pass-through).",
        (
            req("destination_address", ADDRESS, "Target device (or 00:00:00:00:00:00:FF:FF).", "I"),
            req("destination_endpoint_id", U8, "Target endpoint.", "I"),
            _SRC_EP,
            opt("profile_id", U16, "Profile id.", 0x0109, "I"),
            req("cluster_id", U16, "Cluster id.", "I"),
            req("payload", BYTES, "The APS payload.", "I"),
            opt("enable_aps_encryption", BOOL, "APS (link key) encryption.", False, "I"),
        ),
        (
            req("destination_address", ADDRESS, "Target.", "I"),
            req("destination_endpoint_id", U8, "Target endpoint.", "I"),
            req("source_endpoint_id", U8, "Sending endpoint.", "I"),
            req("profile_id", U16, "Profile id.", "I"),
            req("cluster_id", U16, "Cluster id.", "I"),
            req("status", U8, "0x00 delivered (APS-acknowledged), 0x01 not delivered.", "I"),
            req(
                "delivery_status",
                STRING,
                "delivered, no_ack, no_route, mac_failure, no_key, not_joined, "
                "unknown_destination or frame_too_long.",
                "I",
            ),
        ),
        completion=_NETWORK,
        prov="N",
        response_prov="I",
    ),
    _request(
        "permit_joining",
        ZIGBEE,
        "Open joining for join_time seconds (0 closes), here and, by ZDO broadcast, on every "
        "router; re-broadcast while open.",
        (req("join_time", U16, "Seconds; 0 closes joining.", "I"),),
        (req("join_time", U16, "Seconds joining stays open.", "I"),),
        prov="I",
        added=True,
    ),
    _request(
        "get_network_information",
        ZIGBEE,
        "The network the gateway is on and its neighbours.",
        (),
        (
            req("eui", MAC64, "This gateway's 64-bit address.", "I"),
            opt("addr_short", SHORT_ADDRESS, "Its 16-bit address.", prov="I"),
            req("node_type", INT, "0 coordinator, 1 router, 2 end device.", "I"),
            req("network_state", STRING, "joined, joining or offline.", "I"),
            opt("channel", U8, "Channel (11–26).", prov="I"),
            opt("pan_id", U16, "PAN id.", prov="I"),
            opt("extended_pan_id", U64, "Extended PAN id.", prov="I"),
            opt("trust_center_address", MAC64, "The trust center.", prov="I"),
            req("permit_joining", INT, "Seconds joining stays open (0 closed).", "I"),
            opt("network_key_sequence", U8, "Sequence number of the network key.", prov="I"),
            req("neighbor_list", list_of(record("NeighborRecord")), "The neighbour table.", "I"),
        ),
        prov="I",
        added=True,
    ),
)

# ---------------------------------------------------------------------------------- ZDO

_BIND_PARAMS = (
    req("destination_address", MAC64, "Device receiving the ZDO Bind_req."),
    req("destination_endpoint_id", U8, "Remote endpoint holding the cluster."),
    req("source_endpoint_id", U8, "Local endpoint holding the cluster."),
    req("cluster_id", U16, "16-bit cluster to bind."),
)
_BIND_RESPONSE = (
    req(
        "status", U8, "ZDO status: 0x00 success, 0x84 not supported, 0x88 no entry, 0x85 timeout …"
    ),
    *_BIND_PARAMS,
)
_ZDO_REQUESTS: tuple[RequestSpec, ...] = (
    _request(
        "bind",
        ZDO,
        "Ask a device to bind its cluster to the gateway's endpoint (ZDO Bind_req), so that "
        "it sends that cluster's reports and commands there.",
        _BIND_PARAMS,
        _BIND_RESPONSE,
        completion=_NETWORK,
    ),
    _request(
        "unbind",
        ZDO,
        "Remove a binding made with bind (ZDO Unbind_req).",
        _BIND_PARAMS,
        _BIND_RESPONSE,
        completion=_NETWORK,
        response_prov="I",
    ),
    _request(
        "get_neighbor_table",
        ZDO,
        "A device's neighbour table with the link quality of each neighbour, read with ZDO "
        "Mgmt_Lqi_req (as many requests as the table needs); the gateway's own address: its "
        "table at once (as in get_network_information).",
        (
            req(
                "destination_address",
                MAC64,
                "The device to ask (a router or the coordinator).",
                "I",
            ),
        ),
        (
            req("destination_address", MAC64, "The device asked.", "I"),
            req(
                "status",
                U8,
                "ZDO status: 0x00 success, 0x84 NOT_SUPPORTED (an end device), 0x85 TIMEOUT (no "
                "answer) …",
                "I",
            ),
            opt(
                "neighbor_table_entries",
                U8,
                "Entries in its whole table (when status is 0x00).",
                prov="I",
            ),
            req(
                "neighbor_list",
                list_of(record("NeighborRecord")),
                "Its neighbours (empty unless status is 0x00).",
                "I",
            ),
        ),
        completion=_NETWORK,
        prov="I",
        added=True,
    ),
)

# ---------------------------------------------------------------------------------- ZCL

_ZCL_REQUESTS: tuple[RequestSpec, ...] = (
    _request(
        "read_attributes",
        ZCL,
        "Read attributes of a cluster (ZCL Read Attributes).",
        (
            *_ZCL_ADDRESSING,
            req("record_list", list_of(record("ReadAttributeRecord")), "Attributes to read."),
        ),
        (
            *_ZCL_HEADER,
            req(
                "record_list",
                list_of(record("ReadAttributeStatusRecord")),
                "One record per attribute (empty when no answer came).",
            ),
            _R_STATUS,
        ),
        completion=_NETWORK,
    ),
    _request(
        "write_attributes",
        ZCL,
        "Write attributes of a cluster (ZCL Write Attributes).",
        (
            *_ZCL_ADDRESSING,
            opt(
                "command_identifier",
                U8,
                "0x02 Write Attributes (per-attribute status); 0x03 Write Attributes Undivided "
                "(all or nothing); 0x05, the old manual's number for Undivided, is sent as 0x03.",
                0x02,
            ),
            req("record_list", list_of(record("WriteAttributeRecord")), "Attributes to write."),
        ),
        (
            *_ZCL_HEADER,
            req(
                "record_list",
                list_of(record("WriteAttributeResponseRecord")),
                "One record per attribute written.",
                "I",
            ),
            _R_STATUS,
        ),
        completion=_NETWORK,
    ),
    _request(
        "discover_attributes",
        ZCL,
        "Discover the attributes of a cluster (ZCL Discover Attributes).",
        (
            *_ZCL_ADDRESSING,
            opt("start_attribute_id", U16, "First attribute id.", 0x0000, "I"),
            opt("maximum_attribute_ids", U8, "At most this many.", 0xFF, "I"),
        ),
        (
            *_ZCL_HEADER,
            opt("discovery_complete", BOOL, "TRUE: no attribute left after these.", prov="I"),
            req(
                "record_list",
                list_of(record("AttributeInformationRecord")),
                "The attributes found.",
            ),
            _R_STATUS,
        ),
        completion=_NETWORK,
        prov="OI",
    ),
    _request(
        "start_receiving_reports",
        ZCL,
        "Ask a remote cluster to report attributes to the gateway (ZCL Configure Reporting), or "
        "emulate it by polling (pseudo reporting). Reports arrive as attribute_report messages.",
        (
            *_ZCL_ADDRESSING,
            opt(
                "pseudo_reporting",
                one_of(BOOL, NONE),
                "TRUE poll; FALSE ZCL reporting only; omitted or none: ZCL reporting, falling "
                "back to polling for the attributes the device refuses.",
            ),
            req(
                "record_list",
                list_of(record("AttributeReportingConfigurationRecord")),
                "Attributes to report (direction is forced to 0x00). The gateway polls every "
                "max_interval seconds (min_interval when max_interval is 0, else 60).",
            ),
        ),
        (
            *_ZCL_HEADER,
            req(
                "record_list",
                list_of(record("AttributeReportingConfigurationResponseRecord")),
                "One record per attribute.",
            ),
        ),
        completion=_NETWORK,
        causes=("attribute_report",),
    ),
    _request(
        "stop_receiving_reports",
        ZCL,
        "Stop reports started with start_receiving_reports (Configure Reporting with the "
        "maximum interval 0xFFFF; polling stops).",
        (
            *_ZCL_ADDRESSING,
            req("record_list", list_of(record("StopReportingRecord")), "Attributes."),
        ),
        (
            *_ZCL_HEADER,
            req("record_list", list_of(record("StopReportingStatusRecord")), "Outcomes."),
        ),
        completion=_NETWORK,
    ),
    _request(
        "start_sending_reports",
        ZCL,
        "Make a local cluster report attributes to a device (the reverse of "
        "start_receiving_reports): cluster_id/server_or_client name the local cluster.",
        (
            *_ZCL_ADDRESSING,
            req(
                "record_list",
                list_of(record("AttributeReportingConfigurationRecord")),
                "Attributes to report (direction forced to 0x00).",
                "I",
            ),
        ),
        (
            req("cluster_id", U16, "Local cluster.", "I"),
            req("server_or_client", ZERO_ONE, "Its side.", "I"),
            req("source_endpoint_id", U8, "Local endpoint.", "I"),
            req("destination_endpoint_id", U8, "Where the reports go.", "I"),
            req("destination_address", ADDRESS, "Where the reports go.", "I"),
            req(
                "record_list",
                list_of(record("AttributeReportingConfigurationResponseRecord")),
                "One record per attribute.",
                "I",
            ),
        ),
        prov="I",
    ),
    _request(
        "stop_sending_reports",
        ZCL,
        "Stop reports the gateway sends, and set the destination's report timeout to 0 (ZCL "
        "has no other way to tell the receiver).",
        (
            *_ZCL_ADDRESSING,
            req("record_list", list_of(record("StopReportingRecord")), "Attributes."),
        ),
        (
            req("cluster_id", U16, "Local cluster."),
            req("server_or_client", ZERO_ONE, "Its side."),
            req("source_endpoint_id", U8, "Local endpoint."),
            req("destination_endpoint_id", U8, "Where the reports went."),
            req("destination_address", ADDRESS, "Where the reports went."),
            req("record_list", list_of(record("StopReportingStatusRecord")), "Outcomes."),
        ),
    ),
    _request(
        "get_local_reporting_configurations",
        ZCL,
        "Every reporting configuration the gateway takes part in, both directions.",
        (),
        (
            req(
                "record_list",
                list_of(record("LocalReportingConfigurationRecord")),
                "The configurations.",
            ),
        ),
    ),
    _request(
        "read_reporting_configuration",
        ZCL,
        "Read reporting configurations (ZCL Read Reporting Configuration) of the remote "
        "destination (remote_configuration TRUE) or of the local source endpoint.",
        (
            opt(
                "remote_configuration",
                BOOL,
                "TRUE: read the remote destination endpoint; FALSE: the local source endpoint.",
                False,
            ),
            *_ZCL_ADDRESSING,
            opt(
                "reporting_direction",
                ZERO_ONE,
                "0 reports sent by the target cluster, 1 reports sent to it.",
                0,
            ),
            req(
                "record_list",
                list_of(record("ReadReportingConfigurationRecord")),
                "Attributes.",
            ),
        ),
        (
            opt("remote_configuration", BOOL, "As requested."),
            *_ZCL_HEADER,
            req(
                "record_list",
                list_of(record("ReadReportingConfigurationResponseRecord")),
                "One record per attribute.",
            ),
            _R_STATUS,
        ),
        completion=_NETWORK,
    ),
    _request(
        "identify",
        ZCL,
        "Make a device (or the gateway itself) identify itself for identify_time seconds (ZCL "
        "Identify to the Identify server 0x0003).",
        (
            opt(
                "destination_endpoint_id",
                U8,
                "Endpoint with the Identify server (0xFF: every endpoint); omitted: looked up.",
            ),
            _SRC_EP,
            _DST_ADDRESS,
            req("identify_time", U16, "Seconds."),
        ),
        (
            req("cluster_id", U16, "0x0003."),
            req("profile_id", U16, "Profile."),
            req("source_endpoint_id", U8, "Endpoint that answered."),
            opt("destination_endpoint_id", U8, "Local endpoint."),
            opt("source_address", ADDRESS, "Device that answered."),
            req("identify_time", U16, "Seconds, as requested."),
            opt(
                "status",
                U8,
                "The device's Default Response status (0x00 identifying), 0x94 TIMEOUT, 0x01 "
                "not delivered; absent for a broadcast.",
                prov="I",
            ),
        ),
        completion=_NETWORK,
    ),
    _request(
        "send_ZCL",
        ZCL,
        "Send any ZCL command (pass-through for commands without a method of their own).",
        (
            _CLUSTER_ID,
            _SERVER_OR_CLIENT,
            req("destination_endpoint_id", U8, "Target endpoint."),
            req("source_endpoint_id", U8, "Sending endpoint."),
            req("destination_address", ADDRESS, "Target device."),
            req("command_identifier", U8, "8-bit ZCL command id."),
            opt("command_type", ZERO_ONE, "0 general (profile-wide), 1 cluster-specific.", 1),
            _MANUFACTURER,
            opt(
                "response_command_identifier",
                U8,
                "The answer to wait for; omitted: the first frame the device answers with "
                "(a Default Response included).",
            ),
            opt(
                "response_command_type",
                ZERO_ONE,
                "0 general, 1 cluster-specific; omitted: command_type.",
            ),
            opt("enable_aps_encryption", BOOL, "Force APS encryption on or off."),
            req(
                "payload",
                one_of(BYTES, ANY),
                "Command payload: base16/base64 octets, or a record with the command's fields "
                "(for commands segateway declares).",
            ),
        ),
        (
            req("cluster_id", U16, "Cluster."),
            req("server_or_client", ZERO_ONE, "The answering side."),
            req("profile_id", U16, "Profile."),
            req("source_endpoint_id", U8, "Endpoint that answered."),
            opt("destination_endpoint_id", U8, "Local endpoint."),
            opt("source_address", ADDRESS, "Device that answered."),
            opt("command_identifier", U8, "The answer's command id."),
            opt("command_type", ZERO_ONE, "The answer's command type."),
            opt("manufacturer_code", U16, "The answer's manufacturer code."),
            opt("enable_aps_encryption", BOOL, "Only if the request had it."),
            opt("payload", BYTES, "The answer's payload (base64 if the request used base64)."),
            _R_STATUS,
        ),
        completion=_NETWORK,
    ),
)

# ---------------------------------------------------------------------------------- SE

_SE_COMMON: tuple[RequestSpec, ...] = (
    _request(
        "get_DRLC_events",
        SE_COMMON,
        "The valid events a local DRLC server or client holds.",
        (_ENDPOINT_ID, _SIDE_OPTIONAL),
        (
            req("endpoint_id", U8, "Endpoint."),
            req("server_or_client", ZERO_ONE, "Which side answered.", "I"),
            req(
                "events_record_list",
                list_of(record("LoadControlEventRecord")),
                "The events (a client adds their effective times and state).",
            ),
        ),
    ),
    _request(
        "get_message_events",
        SE_COMMON,
        "The valid messages a local Messaging server or client holds.",
        (
            _ENDPOINT_ID,
            FieldSpec(_SIDE_OPTIONAL.name, _SIDE_OPTIONAL.type, _SIDE_OPTIONAL.doc, provenance="I"),
        ),
        (
            req("endpoint_id", U8, "Endpoint."),
            req("server_or_client", ZERO_ONE, "Which side answered.", "I"),
            req("events_record_list", list_of(record("DisplayMessageRecord")), "The messages."),
        ),
    ),
    _request(
        "get_price_events",
        SE_COMMON,
        "The valid prices a local Price server or client holds.",
        (_ENDPOINT_ID, _SIDE_OPTIONAL),
        (
            req("endpoint_id", U8, "Endpoint."),
            req("cluster_id", U16, "0x0700."),
            req("server_or_client", ZERO_ONE, "Which side answered."),
            req(
                "events_record_list",
                list_of(record("PublishPriceRecord")),
                "The prices (printed as int in the reference; it is a list).",
            ),
        ),
    ),
    _request(
        "get_metering_reading",
        SE_COMMON,
        "The latest reading of every meter (or of one) in engineering units, as the Metering "
        "client follows them (reports, or polling when a meter does not report).",
        (
            opt("destination_address", MAC64, "Only this meter; omitted: every meter.", prov="I"),
            opt("destination_endpoint_id", U8, "Its Metering endpoint.", prov="I"),
            opt(
                "refresh",
                BOOL,
                "TRUE: read summation and demand from the meter(s) now and answer then.",
                False,
                "I",
            ),
        ),
        (req("record_list", list_of(record("MeteringReadingRecord")), "One per meter.", "I"),),
        completion=_NETWORK,
        prov="I",
        added=True,
    ),
    _request(
        "get_profile",
        SE_COMMON,
        "A meter's consumption profile (SE Get Profile), in engineering units.",
        (
            req("destination_address", MAC64, "The meter.", "I"),
            opt(
                "destination_endpoint_id",
                U8,
                "Its Metering endpoint; omitted: looked up.",
                prov="I",
            ),
            opt("interval_channel", ZERO_ONE, "0 consumption delivered, 1 received.", 0, "I"),
            opt("end_time", U32, f"{_YEAR_2000}; 0 = the most recent interval.", 0, "I"),
            opt(
                "number_of_periods",
                U8,
                "Intervals wanted (the meter sends at most its MaxNumberOfPeriodsDelivered).",
                24,
                "I",
            ),
        ),
        (
            req("source_address", MAC64, "The meter.", "I"),
            req("source_endpoint_id", U8, "Its endpoint.", "I"),
            req("cluster_id", U16, "0x0702.", "I"),
            req(
                "status",
                U8,
                "Get Profile status: 0x00 success, 0x01 undefined channel, 0x02 channel not "
                "supported, 0x03 invalid end time, 0x04 more periods than supported, 0x05 no "
                "intervals; 0x94 (ZCL TIMEOUT) when the meter did not answer.",
                "I",
            ),
            opt("end_time", U32, "End of the newest interval.", prov="I"),
            opt(
                "profile_interval_period",
                U8,
                "Interval length code (0 daily … 7 2.5 min).",
                prov="I",
            ),
            opt("interval_seconds", INT, "Interval length in seconds.", prov="I"),
            opt("number_of_periods_delivered", U8, "Intervals delivered.", prov="I"),
            opt("unit", STRING, "Unit of the intervals (kWh …).", prov="I"),
            opt(
                "intervals",
                list_of(one_of(STRING, NONE)),
                "Consumption per interval, newest first, in engineering units (none: no data).",
                prov="I",
            ),
            opt("intervals_raw", list_of(INT), "The raw interval values, newest first.", prov="I"),
        ),
        completion=_NETWORK,
        prov="I",
        added=True,
    ),
    _request(
        "start_metering_reporting",
        SE_COMMON,
        "Set a meter up again: read its formatting and configure reporting of summation and "
        "demand (polling the ones it refuses). The Metering client does this by itself for "
        "every meter it discovers; this request restarts it for one.",
        (
            req("destination_address", MAC64, "The meter.", "I"),
            opt("destination_endpoint_id", U8, "Its Metering endpoint.", prov="I"),
        ),
        (
            req("destination_address", MAC64, "The meter.", "I"),
            req("destination_endpoint_id", U8, "Its Metering endpoint.", "I"),
            req("status", U8, "0x00 started, 0x8B NOT_FOUND: not a known meter.", "I"),
        ),
        prov="I",
        added=True,
        causes=("attribute_report",),
    ),
)

_SERVER: tuple[RequestSpec, ...] = (
    _request(
        "create_DRLC_event",
        SE_SERVER,
        "Store a load control event on the local DRLC server and send it at once (Load Control "
        "Event) to every active DRLC client; clients away get it when they come back.",
        (
            req("record", record("LoadControlEventRecord"), "The event.", "NO"),
            _SRC_EP,
        ),
        (
            req("source_endpoint_id", U8, "DRLC server endpoint.", "N"),
            req("cluster_id", U16, "0x0701.", "N"),
            FieldSpec(_SE_STATUS.name, _SE_STATUS.type, _SE_STATUS.doc, True, provenance="N"),
            req("record", record("LoadControlEventRecord"), "The event as stored.", "N"),
            FieldSpec(_DEVICE_LIST.name, _DEVICE_LIST.type, _DEVICE_LIST.doc, provenance="N"),
        ),
        completion=_NETWORK,
        prov="NO",
        causes=("received_report_event_status",),
    ),
    _request(
        "cancel_DRLC_event",
        SE_SERVER,
        "Withdraw an event and send Cancel Load Control Event to every active DRLC client.",
        (
            req("record", record("CancelLoadControlEventRecord"), "The cancellation."),
            _SRC_EP,
        ),
        (
            req("source_endpoint_id", U8, "DRLC server endpoint."),
            req("cluster_id", U16, "0x0701."),
            req("status", U8, "0x00, 0x8B NOT_FOUND (no such valid event), 0x85 invalid field."),
            req("record", record("CancelLoadControlEventRecord"), "The cancellation."),
            _DEVICE_LIST,
        ),
        completion=_NETWORK,
        causes=("received_report_event_status",),
    ),
    _request(
        "cancel_all_DRLC_events",
        SE_SERVER,
        "Withdraw every event and send Cancel All Load Control Events to every active DRLC client.",
        (
            _SRC_EP,
            opt(
                "cancel_control",
                U8,
                "0x01: end with the original randomisation; 0x00: at once.",
                0x01,
                "I",
            ),
        ),
        (
            req("source_endpoint_id", U8, "DRLC server endpoint.", "I"),
            req("cluster_id", U16, "0x0701.", "I"),
            req("status", U8, "0x00.", "I"),
            req("cancel_control", U8, "As sent.", "I"),
            _DEVICE_LIST,
        ),
        completion=_NETWORK,
        prov="I",
        causes=("received_report_event_status",),
    ),
    _request(
        "create_message_event",
        SE_SERVER,
        "Store a message on the local Messaging server and send it at once (Display Message) to "
        "every active Messaging client.",
        (_SRC_EP, req("record", record("DisplayMessageRecord"), "The message.")),
        (
            req("source_endpoint_id", U8, "Messaging server endpoint."),
            req("cluster_id", U16, "0x0703."),
            _SE_STATUS,
            req("record", record("DisplayMessageRecord"), "The message as stored."),
            _DEVICE_LIST,
        ),
        completion=_NETWORK,
        causes=("received_message_confirmation",),
    ),
    _request(
        "cancel_message_event",
        SE_SERVER,
        "Withdraw a message and send Cancel Message to every active Messaging client.",
        (_SRC_EP, req("record", record("CancelMessageRecord"), "The cancellation.")),
        (
            req("source_endpoint_id", U8, "Messaging server endpoint.", "I"),
            req("cluster_id", U16, "0x0703.", "I"),
            req("status", U8, "0x00, 0x8B NOT_FOUND, 0x85 invalid field.", "I"),
            req("record", record("CancelMessageRecord"), "The cancellation.", "I"),
            _DEVICE_LIST,
        ),
        completion=_NETWORK,
        response_prov="I",
        causes=("received_message_confirmation",),
    ),
    _request(
        "cancel_all_message_events",
        SE_SERVER,
        "Withdraw every message (one Cancel Message per message to every active client).",
        (FieldSpec(_SRC_EP.name, _SRC_EP.type, _SRC_EP.doc, provenance="I"),),
        (
            req("source_endpoint_id", U8, "Messaging server endpoint."),
            req("cluster_id", U16, "0x0703."),
            req("status", U8, "Always 0x00 locally."),
            _DEVICE_LIST,
        ),
        completion=_NETWORK,
    ),
    _request(
        "create_price_event",
        SE_SERVER,
        "Store a price on the local Price server and send it at once (Publish Price) to every "
        "active Price client.",
        (_SRC_EP, req("record", record("PublishPriceRecord"), "The price.")),
        (
            req("source_endpoint_id", U8, "Price server endpoint."),
            req("cluster_id", U16, "0x0700."),
            _SE_STATUS,
            req("record", record("PublishPriceRecord"), "The price as stored."),
            _DEVICE_LIST,
        ),
        completion=_NETWORK,
        causes=("received_price_acknowledgement",),
    ),
    _request(
        "cancel_all_price_events",
        SE_SERVER,
        "Clear the local Price server's list. SE 1.x has no price cancel: clients are not told.",
        (_SRC_EP,),
        (
            req("source_endpoint_id", U8, "Price server endpoint.", "I"),
            req("cluster_id", U16, "0x0700.", "I"),
            req("status", U8, "0x00.", "I"),
            req("device_list", list_of(MAC64), "Always empty: nothing is sent.", "I"),
        ),
        response_prov="I",
    ),
)

_CLIENT: tuple[RequestSpec, ...] = (
    _request(
        "get_scheduled_DRLC_events",
        SE_CLIENT,
        "Ask every active DRLC server to send its scheduled events again (Get Scheduled "
        "Events); they arrive as received_DRLC_event messages.",
        (
            _SRC_EP,
            opt(
                "record",
                record("GetScheduledEventsRecord"),
                "From when and how many (default: all).",
            ),
        ),
        (
            req("source_endpoint_id", U8, "DRLC client endpoint."),
            req("cluster_id", U16, "0x0701."),
            FieldSpec(
                _CLIENT_STATUS.name, _CLIENT_STATUS.type, _CLIENT_STATUS.doc, True, provenance="I"
            ),
            opt("record", record("GetScheduledEventsRecord"), "Only if requested.", prov="I"),
            FieldSpec(
                _DEVICE_LIST.name,
                _DEVICE_LIST.type,
                "Servers asked that acknowledged.",
                provenance="I",
            ),
        ),
        completion=_NETWORK,
        causes=("received_DRLC_event",),
    ),
    _request(
        "opt_out_DRLC_event",
        SE_CLIENT,
        "The user will not take part in an event: a running event reports Opted Out (0x04) "
        "now, a scheduled one when it starts.",
        (_SRC_EP, req("issuer_event_id", U32, "The event.", "I")),
        (
            req("source_endpoint_id", U8, "DRLC client endpoint.", "I"),
            req("cluster_id", U16, "0x0701.", "I"),
            req("status", U8, "0x00, 0x8B NOT_FOUND: no such event held.", "I"),
            req("issuer_event_id", U32, "The event.", "I"),
        ),
        prov="I",
        added=True,
        causes=("updated_active_DRLC_events",),
    ),
    _request(
        "opt_in_DRLC_event",
        SE_CLIENT,
        "The user takes part in an event again (Report Event Status Opted In, 0x05).",
        (_SRC_EP, req("issuer_event_id", U32, "The event.", "I")),
        (
            req("source_endpoint_id", U8, "DRLC client endpoint.", "I"),
            req("cluster_id", U16, "0x0701.", "I"),
            req("status", U8, "0x00, 0x8B NOT_FOUND: no such event held.", "I"),
            req("issuer_event_id", U32, "The event.", "I"),
        ),
        prov="I",
        added=True,
        causes=("updated_active_DRLC_events",),
    ),
    _request(
        "get_last_message_event",
        SE_CLIENT,
        "Ask every active Messaging server to send its latest message again (Get Last Message).",
        (_SRC_EP,),
        (
            _CLIENT_STATUS,
            req("source_endpoint_id", U8, "Messaging client endpoint."),
            req("cluster_id", U16, "0x0703."),
            _DEVICE_LIST,
        ),
        completion=_NETWORK,
        causes=("received_message_event",),
    ),
    _request(
        "confirm_message",
        SE_CLIENT,
        "Send Message Confirmation for a message (or a cancellation awaiting confirmation) to "
        "the servers that sent it.",
        (
            _SRC_EP,
            opt(
                "record",
                record("MessageConfirmationRecord"),
                "Which message; omitted: the message on display.",
            ),
        ),
        (
            req("status", U8, "0x00, 0x8B NOT_FOUND: no such message on display, 0x85."),
            req("source_endpoint_id", U8, "Messaging client endpoint."),
            req("cluster_id", U16, "0x0703.", "I"),
            FieldSpec(
                _DEVICE_LIST.name, _DEVICE_LIST.type, "Servers that acknowledged.", provenance="I"
            ),
        ),
        completion=_NETWORK,
        causes=("updated_active_message_events",),
    ),
    _request(
        "get_current_price_event",
        SE_CLIENT,
        "Ask every active Price server to send its current price again (Get Current Price).",
        (_SRC_EP,),
        (
            _CLIENT_STATUS,
            req("endpoint_id", U8, "Price client endpoint (named so in the reference)."),
            req("cluster_id", U16, "0x0700."),
            _DEVICE_LIST,
        ),
        completion=_NETWORK,
        causes=("received_price_event",),
    ),
    _request(
        "get_scheduled_price_events",
        SE_CLIENT,
        "Ask every active Price server to send its scheduled prices again (Get Scheduled Prices).",
        (
            _SRC_EP,
            opt("record", record("GetScheduledPricesRecord"), "From when and how many (all)."),
        ),
        (
            req("source_endpoint_id", U8, "Price client endpoint."),
            req("cluster_id", U16, "0x0700."),
            FieldSpec(
                _CLIENT_STATUS.name, _CLIENT_STATUS.type, _CLIENT_STATUS.doc, True, provenance="I"
            ),
            opt("record", record("GetScheduledPricesRecord"), "Only if requested."),
            _DEVICE_LIST,
        ),
        completion=_NETWORK,
        causes=("received_price_event",),
    ),
    _request(
        "clear_price_events",
        SE_CLIENT,
        "Empty the local Price client's list; servers keep theirs (get them again with "
        "get_scheduled_price_events).",
        (_SRC_EP,),
        (
            req("source_endpoint_id", U8, "Price client endpoint."),
            req("cluster_id", U16, "0x0700."),
        ),
        causes=("updated_active_price_event",),
    ),
)

# ---------------------------------------------------------------------------------- messages


def _message(
    name: str,
    interface: str,
    doc: str,
    params: Iterable[FieldSpec],
    prov: str = "O",
    *,
    added: bool = False,
    extra: RpcType | None = None,
) -> MessageSpec:
    return MessageSpec(name, interface, doc, tuple(params), prov, added, True, extra)


_FROM_SERVER = (
    req("source_address", MAC64, "The server device."),
    req("source_endpoint_id", U8, "Its endpoint."),
    req("destination_endpoint_id", U8, "The local client endpoint."),
    req("cluster_id", U16, "Cluster."),
)
_FROM_CLIENT = (
    req("source_address", MAC64, "The client device."),
    req("source_endpoint_id", U8, "Its endpoint."),
    req("cluster_id", U16, "Cluster."),
    req("destination_endpoint_id", U8, "The local server endpoint."),
)
_RECEIVED_STATUS = req("status", U8, "0x00 success, 0x85 invalid field, 0x8A duplicate exists.")
_CANCEL_STATUS = req("status", U8, "0x00 success, 0x85 invalid field, 0x8B not found.")

_MESSAGES: tuple[MessageSpec, ...] = (
    _message(
        "message",
        GENERAL,
        "Operational status or error (§5 of the reference for the codes). Only messages with "
        "severity ≥ RPC_General_Interface.debug_rpc_severity are emitted.",
        (
            opt(
                "status",
                U16,
                "16-bit event code (0x0000 Init Complete, 0x0001 Joined Network …).",
                prov="N",
            ),
            req("severity", INT, "0 debug, 1 warning, 2 error."),
            opt("description", STRING, "Human-readable text."),
            opt("device_address", MAC64, "The device concerned.", prov="I"),
            opt(
                "discovery_status",
                INT,
                "0 incomplete, 1 complete, 2 complete with errors.",
                prov="N",
            ),
            opt("dropped", INT, "Responses dropped because the queue was full.", prov="I"),
        ),
        "ON",
    ),
    _message(
        "device_status",
        ZIGBEE,
        "A device became active or inactive, or finished discovery.",
        (
            req("source_address", MAC64, "The device.", "I"),
            req("active", BOOL, "It is active.", "I"),
            req("discovery_status", INT, "0 incomplete, 1 complete, 2 complete with errors.", "I"),
        ),
        "I",
        added=True,
    ),
    _message(
        "received_zigbee",
        ZIGBEE,
        "A raw APS frame for a profile or endpoint the gateway's application does not serve.",
        (
            req("source_address", ADDRESS, "Sender.", "I"),
            req("source_endpoint_id", U8, "Its endpoint.", "I"),
            req("destination_endpoint_id", U8, "Local endpoint.", "I"),
            req("profile_id", U16, "Profile.", "I"),
            req("cluster_id", U16, "Cluster.", "I"),
            req("payload", BYTES, "The APS payload.", "I"),
            req("aps_encrypted", BOOL, "It arrived APS-encrypted.", "I"),
        ),
        "N",
    ),
    _message(
        "attribute_report",
        ZCL,
        "One reported attribute (always exactly one per message), from Report Attributes or "
        "from the gateway's polling (pseudo reporting).",
        (
            req("cluster_id", U16, "Cluster."),
            req("server_or_client", ZERO_ONE, "The reporting cluster's side."),
            req("profile_id", U16, "Profile."),
            req("source_endpoint_id", U8, "Reporting endpoint."),
            opt("destination_endpoint_id", U8, "Local endpoint."),
            opt("source_address", MAC64, "Reporting device."),
            opt("manufacturer_code", U16, "Manufacturer code."),
            req("record", record("AttributeReportRecord"), "The attribute."),
        ),
    ),
    _message(
        "received_report_event_status",
        SE_SERVER,
        "A DRLC client reported an event's status to the local DRLC server.",
        (
            *_FROM_CLIENT,
            req("record", record("ReportEventStatusRecord"), "The report."),
        ),
    ),
    _message(
        "received_DRLC_event",
        SE_CLIENT,
        "The local DRLC client got a Load Control Event (added to its events when status is 0x00).",
        (
            _RECEIVED_STATUS,
            *_FROM_SERVER,
            req("record", record("LoadControlEventRecord"), "The event."),
        ),
    ),
    _message(
        "received_DRLC_cancel_event",
        SE_CLIENT,
        "The local DRLC client got Cancel Load Control Event (or Cancel All Load Control "
        "Events, whose record holds cancel_control only).",
        (
            _CANCEL_STATUS,
            *_FROM_SERVER,
            req(
                "record",
                one_of(
                    record("CancelLoadControlEventRecord"),
                    record("CancelAllLoadControlEventsRecord"),
                ),
                "The cancellation.",
                "I",
            ),
        ),
    ),
    _message(
        "updated_active_DRLC_events",
        SE_CLIENT,
        "The local DRLC client's running events changed (start, end, cancel, supersession, "
        "opt-out or opt-in); an empty list: none running.",
        (
            req("destination_endpoint_id", U8, "Local DRLC client endpoint.", "I"),
            req("cluster_id", U16, "0x0701.", "I"),
            req(
                "record_list",
                list_of(record("LoadControlEventRecord")),
                "The running events.",
                "I",
            ),
        ),
        "I",
    ),
    _message(
        "received_message_confirmation",
        SE_SERVER,
        "A Messaging client confirmed a message (or a cancellation) to the local server.",
        (
            *_FROM_CLIENT,
            req("record", record("MessageConfirmationRecord"), "The confirmation."),
        ),
    ),
    _message(
        "received_message_event",
        SE_CLIENT,
        "The local Messaging client got Display Message.",
        (
            _RECEIVED_STATUS,
            *_FROM_SERVER,
            req("record", record("DisplayMessageEventRecord"), "The message."),
        ),
    ),
    _message(
        "received_message_cancel_event",
        SE_CLIENT,
        "The local Messaging client got Cancel Message (or Cancel All Messages).",
        (
            _CANCEL_STATUS,
            *_FROM_SERVER,
            req(
                "record",
                one_of(record("CancelMessageEventRecord"), record("CancelAllMessagesRecord")),
                "The cancellation.",
            ),
        ),
    ),
    _message(
        "updated_active_message_events",
        SE_CLIENT,
        "The local Messaging client's active messages changed (start, end, cancel); an empty "
        "list: none. A cancellation awaiting confirmation keeps the message listed, with "
        "cancel_message_control.",
        (
            req("destination_endpoint_id", U8, "Local Messaging client endpoint.", "I"),
            req(
                "destination_address_id",
                U8,
                "The same endpoint, under the name the old manual prints.",
            ),
            req("cluster_id", U16, "0x0703."),
            req("record_list", list_of(record("DisplayMessageEventRecord")), "Active messages."),
        ),
    ),
    _message(
        "received_price_event",
        SE_CLIENT,
        "The local Price client got Publish Price (added when status is 0x00).",
        (
            _RECEIVED_STATUS,
            *_FROM_SERVER,
            req("record", record("DisplayPriceEventRecord"), "The price."),
        ),
    ),
    _message(
        "updated_active_price_event",
        SE_CLIENT,
        "The active price of a commodity changed; an empty record_list: none active.",
        (
            req("destination_endpoint_id", U8, "Local Price client endpoint.", "I"),
            req("cluster_id", U16, "0x0700.", "I"),
            req("provider_id", INT, "The commodity's provider.", "I"),
            req("unit_of_measure", INT, "The commodity's unit of measure.", "I"),
            req(
                "record_list",
                list_of(record("DisplayPriceEventRecord")),
                "The active price, if any.",
                "I",
            ),
        ),
        "OI",
    ),
    _message(
        "received_price_acknowledgement",
        SE_SERVER,
        "A Price client acknowledged a price to the local Price server (SE 1.1).",
        (
            *_FROM_CLIENT,
            req("record", record("PriceAcknowledgementRecord"), "The acknowledgement.", "I"),
        ),
        "I",
        added=True,
    ),
)

# ---------------------------------------------------------------------------------- the catalog


class Catalog:
    """The requests, responses, messages and records, with validation and shaping."""

    def __init__(
        self,
        requests: Iterable[RequestSpec],
        messages: Iterable[MessageSpec],
        records: Mapping[str, RecordSpec],
    ) -> None:
        self.records = records
        table: dict[str, RequestSpec] = {}
        for spec in requests:
            if spec.name in table:
                raise ValueError(f"request {spec.name} declared twice")
            table[spec.name] = spec
        self.requests: Mapping[str, RequestSpec] = MappingProxyType(table)
        answers: dict[str, MessageSpec] = {}
        for answer in (
            *(r.response for r in self.requests.values() if r.response is not None),
            *messages,
        ):
            if answer.name in answers or answer.name in table:
                raise ValueError(f"response {answer.name} declared twice")
            answers[answer.name] = answer
        self.answers: Mapping[str, MessageSpec] = MappingProxyType(answers)
        self.messages: Mapping[str, MessageSpec] = MappingProxyType(
            {n: m for n, m in answers.items() if m.response_only}
        )

    def request(self, name: str) -> RequestSpec:
        spec = self.requests.get(name)
        if spec is None:
            raise UnknownMethodError(f"no request named {name!r}")
        return spec

    def answer(self, name: str) -> MessageSpec:
        """A response (``get_time_response``) or asynchronous message (``message``) by name."""
        return self.answers[name]

    def validate(self, name: str, params: Mapping[str, object]) -> dict[str, Value]:
        """The parameters of request ``name`` checked, converted and with defaults applied.

        Raises :class:`UnknownMethodError` or :class:`InvalidParamsError` (an unknown or
        missing parameter, a value of the wrong type or out of range)."""
        spec = self.request(name)
        declared = {p.name: p for p in spec.params}
        out: dict[str, Value] = {}
        for key, value in params.items():
            param = declared.get(key)
            if param is None:
                if spec.extra is None:
                    known = ", ".join(declared) or "none"
                    raise InvalidParamsError(
                        f"{name} has no parameter {key!r} (parameters: {known})"
                    )
                out[key] = coerce(spec.extra, value, key, self.records)
                continue
            if value is None and not param.type.accepts_none():
                continue  # <name type="none"/> stands for "not given"
            out[key] = coerce(param.type, value, key, self.records)
        for param in spec.params:
            if param.name in out:
                continue
            if param.required:
                raise InvalidParamsError(f"{name}: parameter {param.name!r} is required")
            if param.default is not None:
                out[param.name] = param.default
        return out

    def shape(self, name: str, params: Mapping[str, object]) -> dict[str, Value]:
        """A response's or message's parameters from plain data, in declared order; None values
        are left out (unless the type is ``none``), undeclared ones passed on as they are."""
        spec = self.answers[name]
        out: dict[str, Value] = {}
        for param in spec.params:
            if param.name not in params:
                continue
            value = params[param.name]
            if value is None and not param.type.accepts_none():
                continue
            out[param.name] = shape(param.type, value, self.records)
        for key, value in params.items():
            if key in out or spec.param(key) is not None:
                continue
            out[key] = shape(spec.extra or ANY, value, self.records)
        return out

    def check(self, name: str, params: Mapping[str, object]) -> list[str]:
        """What makes ``params`` not the declared response or message ``name`` (strict)."""
        spec = self.answers.get(name)
        if spec is None:
            return [f"no response or message named {name!r}"]
        problems: list[str] = []
        for key, value in params.items():
            param = spec.param(key)
            if param is None:
                if spec.extra is None:
                    problems.append(f"{name}: undeclared parameter {key}")
                else:
                    problems += conforms(spec.extra, value, f"{name}.{key}", self.records)
                continue
            problems += conforms(param.type, value, f"{name}.{key}", self.records)
        problems += [
            f"{name}: parameter {p.name} is missing"
            for p in spec.params
            if p.required and p.name not in params
        ]
        return problems


CATALOG: Final = Catalog(
    (
        *_GENERAL,
        *_ALIASING,
        *_ZIGBEE,
        *_ZDO_REQUESTS,
        *_ZCL_REQUESTS,
        *_SE_COMMON,
        *_SERVER,
        *_CLIENT,
    ),
    _MESSAGES,
    RECORDS,
)
"""The whole API."""

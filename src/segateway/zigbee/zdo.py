"""ZigBee Device Objects: the ZigBee Device Profile (ZDP) commands, declared as data.

ZDP frames travel in APS data frames between endpoint 0 of two nodes under profile 0x0000; the
APS cluster id names the command, and a response's id is its request's with bit 15 set. The APS
payload is

    transaction sequence number (1) ‖ command payload

Every command payload is a :class:`~segateway.zcl.schema.Schema` (the ZCL schema machinery,
reused), so the declarations below are the codec: they compile to one decoder and one encoder each.
Descriptors are nested schemas; bit-packed octets are :class:`~segateway.zcl.types.BitStruct` s
with named parts. Multi-octet values are little-endian on air; IEEE addresses and extended PAN
ids are :class:`~segateway.zcl.types.EUI64` (an ``int``), short addresses plain ``int`` s.

A rule the schemas cannot state is checked by a per-command ``check`` (both when decoding and
when encoding): the associated-device list of NWK_addr_rsp/IEEE_addr_rsp. Simple_Desc_rsp's
Length octet is kept as sent, not checked (Wireshark, zigpy and zigbee-herdsman all read the
descriptor by its own counts); it is computed when a dict leaves it out. Decoding raises
:class:`~segateway.zigbee.errors.FrameError` and nothing else; encoding a record that cannot go
on the air raises :class:`~segateway.zcl.errors.EncodeError`.

Commands and layouts: ZigBee specification 05-3474 §2.4 (ZDP), as the Digi SE gateway's
endpoint 0 supports them (reference/digi-se-devices.md §2.2), plus Mgmt_Rtg and
System_Server_Discovery. Bytes after a complete payload (R23 TLVs, say) are kept in
:attr:`ZdoFrame.rest` and re-encoded; an unknown cluster id decodes with ``command=None``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, NamedTuple

from ..zcl import types as t
from ..zcl.errors import DecodeError, EncodeError
from ..zcl.schema import Field, ListOf, Schema
from ..zcl.types import Bitmap8, BitStruct8, BitStruct16, Enum8, Part
from .errors import FrameError

__all__ = [
    "ENDPOINT",
    "NEIGHBOR_TABLE_RECORD",
    "NODE_DESCRIPTOR",
    "PROFILE_ID",
    "RESPONSE_BIT",
    "ROUTING_TABLE_RECORD",
    "SIMPLE_DESCRIPTOR",
    "ZDO_COMMANDS",
    "AddrRequestType",
    "AppDeviceVersion",
    "ApsFlagsAndBand",
    "BindAddrMode",
    "CapabilityInformation",
    "DescriptorCapability",
    "FrequencyBand",
    "JoiningInfo",
    "LeaveFlags",
    "LogicalType",
    "MacDeviceType",
    "MacPowerSource",
    "NeighborDeviceType",
    "NeighborInfo",
    "NodeTypeFlags",
    "PermitJoining",
    "PowerDescriptor",
    "PowerMode",
    "PowerSource",
    "PowerSourceLevel",
    "Relationship",
    "RouteFlags",
    "RouteStatus",
    "RxOnWhenIdle",
    "ServerMask",
    "ZdoCluster",
    "ZdoCommand",
    "ZdoFrame",
    "ZdoStatus",
    "decode_zdo",
    "encode_zdo",
    "response_status",
]

PROFILE_ID = 0x0000
"""The ZigBee Device Profile."""
ENDPOINT = 0x00
"""The ZDO endpoint."""
RESPONSE_BIT = 0x8000
"""Set in a response's cluster id: response = request | RESPONSE_BIT."""


class ZdoCluster(enum.IntEnum):
    """Cluster ids of the ZDP commands declared here (the spec's names, upper-cased)."""

    NWK_ADDR_REQ = 0x0000
    IEEE_ADDR_REQ = 0x0001
    NODE_DESC_REQ = 0x0002
    POWER_DESC_REQ = 0x0003
    SIMPLE_DESC_REQ = 0x0004
    ACTIVE_EP_REQ = 0x0005
    MATCH_DESC_REQ = 0x0006
    DEVICE_ANNCE = 0x0013
    SYSTEM_SERVER_DISCOVERY_REQ = 0x0015
    BIND_REQ = 0x0021
    UNBIND_REQ = 0x0022
    MGMT_LQI_REQ = 0x0031
    MGMT_RTG_REQ = 0x0032
    MGMT_LEAVE_REQ = 0x0034
    MGMT_PERMIT_JOINING_REQ = 0x0036
    NWK_ADDR_RSP = 0x8000
    IEEE_ADDR_RSP = 0x8001
    NODE_DESC_RSP = 0x8002
    POWER_DESC_RSP = 0x8003
    SIMPLE_DESC_RSP = 0x8004
    ACTIVE_EP_RSP = 0x8005
    MATCH_DESC_RSP = 0x8006
    SYSTEM_SERVER_DISCOVERY_RSP = 0x8015
    BIND_RSP = 0x8021
    UNBIND_RSP = 0x8022
    MGMT_LQI_RSP = 0x8031
    MGMT_RTG_RSP = 0x8032
    MGMT_LEAVE_RSP = 0x8034
    MGMT_PERMIT_JOINING_RSP = 0x8036


# ------------------------------------------------------------------------------------------------
# Enumerations and bit-packed octets


class ZdoStatus(Enum8):
    """ZDP status (05-3474 ZDP enumerations). 0x01–0x7F reserved.

    0x8E–0x92 come from later revisions, as Wireshark (0x8E–0x8F) and zigbee-herdsman (R23
    Table 2-129, 0x8E–0x92) list them.
    """

    SUCCESS = 0x00
    INV_REQUESTTYPE = 0x80
    DEVICE_NOT_FOUND = 0x81
    INVALID_EP = 0x82
    NOT_ACTIVE = 0x83
    NOT_SUPPORTED = 0x84
    TIMEOUT = 0x85
    NO_MATCH = 0x86
    NO_ENTRY = 0x88
    NO_DESCRIPTOR = 0x89
    INSUFFICIENT_SPACE = 0x8A
    NOT_PERMITTED = 0x8B
    TABLE_FULL = 0x8C
    NOT_AUTHORIZED = 0x8D
    DEVICE_BINDING_TABLE_FULL = 0x8E
    INVALID_INDEX = 0x8F
    FRAME_TOO_LARGE = 0x90
    BAD_KEY_NEGOTIATION_METHOD = 0x91
    TEMPORARY_FAILURE = 0x92


class AddrRequestType(Enum8):
    """NWK_addr_req / IEEE_addr_req RequestType (0x02–0xFF reserved)."""

    single_device_response = 0x00
    extended_response = 0x01


class LogicalType(Enum8):
    """Node descriptor logical type (3 bits; 3–7 reserved)."""

    coordinator = 0
    router = 1
    end_device = 2


class NodeTypeFlags(BitStruct8):
    """Node descriptor octet 0. Bits 6–7 reserved; bit 5 reserved before R23."""

    __slots__ = ()
    logical_type = Part(0, 3, LogicalType)
    complex_descriptor_available = Part(3, 1, bool)
    user_descriptor_available = Part(4, 1, bool)
    fragmentation_supported = Part(5, 1, bool)


class FrequencyBand(enum.IntFlag, boundary=enum.KEEP):
    """Values of the 5-bit frequency band part (band bit 1 is reserved)."""

    mhz_868 = 0x01  # 868–868.6 MHz
    mhz_902 = 0x04  # 902–928 MHz
    mhz_2400 = 0x08  # 2400–2483.5 MHz
    eu_sub_ghz = 0x10  # European FSK sub-GHz bands (R22)


class ApsFlagsAndBand(BitStruct8):
    """Node descriptor octet 1: APS flags (unused, 0) and the frequency bands supported."""

    __slots__ = ()
    aps_flags = Part(0, 3)
    frequency_band = Part(3, 5)  # FrequencyBand flags


class MacDeviceType(enum.IntEnum):
    """CapabilityInformation bit 1."""

    reduced_function_device = 0
    full_function_device = 1


class MacPowerSource(enum.IntEnum):
    """CapabilityInformation bit 2."""

    not_mains = 0
    mains = 1


class CapabilityInformation(BitStruct8):
    """IEEE 802.15.4 CapabilityInformation (Device_annce, node descriptor MAC capability flags).

    Bits 4–5 are reserved.
    """

    __slots__ = ()
    alternate_pan_coordinator = Part(0, 1, bool)
    device_type = Part(1, 1, MacDeviceType)
    power_source = Part(2, 1, MacPowerSource)
    receiver_on_when_idle = Part(3, 1, bool)
    security_capability = Part(6, 1, bool)
    allocate_address = Part(7, 1, bool)


class ServerMask(BitStruct16):
    """Server mask (node descriptor, System_Server_Discovery). Bits 7–8 reserved.

    Bits 2–5 (binding table and discovery caches) are deprecated in later revisions; the stack
    compliance revision (R21 and later) is 0 from older stacks.
    """

    __slots__ = ()
    primary_trust_center = Part(0, 1, bool)
    backup_trust_center = Part(1, 1, bool)
    primary_binding_table_cache = Part(2, 1, bool)
    backup_binding_table_cache = Part(3, 1, bool)
    primary_discovery_cache = Part(4, 1, bool)
    backup_discovery_cache = Part(5, 1, bool)
    network_manager = Part(6, 1, bool)
    stack_compliance_revision = Part(9, 7)


class DescriptorCapability(BitStruct8):
    """Node descriptor capability field (bits 2–7 reserved)."""

    __slots__ = ()
    extended_active_endpoint_list_available = Part(0, 1, bool)
    extended_simple_descriptor_list_available = Part(1, 1, bool)


class PowerMode(Enum8):
    """Power descriptor current power mode (4 bits; 3–15 reserved)."""

    receiver_on_when_idle = 0  # synchronised with the node descriptor's receiver-on-when-idle
    receiver_on_periodically = 1  # as the node power descriptor's rate says
    receiver_on_when_stimulated = 2  # e.g. by a user pressing a button


class PowerSource(enum.IntFlag, boundary=enum.KEEP):
    """Values of the 4-bit power-source parts (bit 3 reserved)."""

    mains = 0x1  # constant (mains) power
    rechargeable_battery = 0x2
    disposable_battery = 0x4


class PowerSourceLevel(Enum8):
    """Power descriptor current power source level (4 bits; other values reserved)."""

    critical = 0x0
    percent_33 = 0x4
    percent_66 = 0x8
    percent_100 = 0xC


class PowerDescriptor(BitStruct16):
    """The node power descriptor: two octets, four 4-bit parts (sources are PowerSource flags)."""

    __slots__ = ()
    current_power_mode = Part(0, 4, PowerMode)
    available_power_sources = Part(4, 4)
    current_power_source = Part(8, 4)
    current_power_source_level = Part(12, 4, PowerSourceLevel)


class AppDeviceVersion(BitStruct8):
    """Simple descriptor application device version (bits 4–7 reserved)."""

    __slots__ = ()
    version = Part(0, 4)


class NeighborDeviceType(Enum8):
    """Neighbor table record device type (2 bits)."""

    coordinator = 0
    router = 1
    end_device = 2
    unknown = 3


class RxOnWhenIdle(Enum8):
    """Neighbor table record RxOnWhenIdle (2 bits; 3 reserved)."""

    off = 0
    on = 1
    unknown = 2


class Relationship(Enum8):
    """Neighbor table record relationship (3 bits; 5–7 reserved)."""

    parent = 0
    child = 1
    sibling = 2
    none_of_the_above = 3
    previous_child = 4


class PermitJoining(Enum8):
    """Neighbor table record permit joining (2 bits; 3 reserved)."""

    not_accepting = 0
    accepting = 1
    unknown = 2


class NeighborInfo(BitStruct8):
    """Neighbor table record octet 18 (bit 7 reserved)."""

    __slots__ = ()
    device_type = Part(0, 2, NeighborDeviceType)
    rx_on_when_idle = Part(2, 2, RxOnWhenIdle)
    relationship = Part(4, 3, Relationship)


class JoiningInfo(BitStruct8):
    """Neighbor table record octet 19 (bits 2–7 reserved)."""

    __slots__ = ()
    permit_joining = Part(0, 2, PermitJoining)


class RouteStatus(Enum8):
    """Routing table record status (3 bits; 5–7 reserved)."""

    active = 0
    discovery_underway = 1
    discovery_failed = 2
    inactive = 3
    validation_underway = 4


class RouteFlags(BitStruct8):
    """Routing table record octet 2 (bits 6–7 reserved)."""

    __slots__ = ()
    status = Part(0, 3, RouteStatus)
    memory_constrained = Part(3, 1, bool)
    many_to_one = Part(4, 1, bool)
    route_record_required = Part(5, 1, bool)


class BindAddrMode(Enum8):
    """Bind_req / Unbind_req DstAddrMode (other values reserved: no destination follows)."""

    group_address = 0x01  # 16-bit group address, no destination endpoint
    extended_address = 0x03  # IEEE address and destination endpoint


class LeaveFlags(Bitmap8):
    """Mgmt_Leave_req option bits (bits 0–5 reserved)."""

    remove_children = 0x40
    rejoin = 0x80


# ------------------------------------------------------------------------------------------------
# Descriptors and table records

NODE_DESCRIPTOR = Schema(
    "node_descriptor",
    [
        Field("type_flags", NodeTypeFlags, "logical type, complex/user descriptor available"),
        Field("aps_flags_and_frequency_band", ApsFlagsAndBand),
        Field("mac_capability_flags", CapabilityInformation),
        Field("manufacturer_code", t.uint16),
        Field("maximum_buffer_size", t.uint8, "octets: largest NSDU"),
        Field("maximum_incoming_transfer_size", t.uint16, "octets: largest ASDU"),
        Field("server_mask", ServerMask),
        Field("maximum_outgoing_transfer_size", t.uint16, "octets: largest ASDU"),
        Field("descriptor_capability_field", DescriptorCapability),
    ],
    doc="Node descriptor (13 octets).",
)

SIMPLE_DESCRIPTOR = Schema(
    "simple_descriptor",
    [
        Field("endpoint", t.uint8, "0x01–0xFE"),
        Field("app_profile_id", t.uint16),
        Field("app_device_id", t.uint16),
        Field("app_device_version", AppDeviceVersion),
        Field("app_input_cluster_count", t.uint8),
        Field("app_input_cluster_list", ListOf(t.uint16, count="app_input_cluster_count")),
        Field("app_output_cluster_count", t.uint8),
        Field("app_output_cluster_list", ListOf(t.uint16, count="app_output_cluster_count")),
    ],
    doc="Simple descriptor of one endpoint (8 octets + 2 per cluster).",
)

NEIGHBOR_TABLE_RECORD = Schema(
    "neighbor_table_record",
    [
        Field("extended_pan_id", t.ieee_address),
        Field("extended_address", t.ieee_address),
        Field("network_address", t.uint16),
        Field("device_info", NeighborInfo, "device type, rx on when idle, relationship"),
        Field("joining_info", JoiningInfo, "permit joining"),
        Field("depth", t.uint8, "tree depth; 0 = coordinator"),
        Field("lqi", t.uint8, "link quality of the neighbor's frames"),
    ],
    doc="Mgmt_Lqi_rsp neighbor table record (22 octets).",
)

ROUTING_TABLE_RECORD = Schema(
    "routing_table_record",
    [
        Field("destination_address", t.uint16),
        Field("route_flags", RouteFlags, "status, memory constrained, many-to-one, route record"),
        Field("next_hop_address", t.uint16),
    ],
    doc="Mgmt_Rtg_rsp routing table record (5 octets).",
)

# ------------------------------------------------------------------------------------------------
# Commands


class _RuleError(ValueError):
    """A record that breaks a rule its schema cannot state."""


@dataclass(frozen=True, slots=True)
class ZdoCommand:
    """One ZDP command: cluster id, the spec's name, its payload schema (after the TSN).

    ``response`` is the cluster id of the answer to a request. ``check`` enforces spec rules the
    schema cannot state and returns the record in its canonical form; ``derived`` computes
    fields a caller may leave out of a dict (list counts are always derived).
    """

    cluster_id: int
    name: str
    schema: Schema = field(repr=False)
    response: int | None = None
    note: str = field(default="", repr=False)
    check: Callable[[Any], Any] | None = field(default=None, repr=False)
    derived: Mapping[str, Callable[[Mapping[str, Any]], Any]] | None = field(
        default=None, repr=False, compare=False
    )

    @property
    def is_response(self) -> bool:
        return bool(self.cluster_id & RESPONSE_BIT)

    def make(self, value: Any) -> Any:
        """A record from a record, a mapping (counts and derived fields may be left out) or a
        sequence of field values."""
        if isinstance(value, Mapping):
            value = _with_counts(self.schema, value)
            for name, compute in (self.derived or {}).items():
                if value.get(name) is None:
                    value[name] = compute(value)
        return self.schema.make(value)

    def encode(self, value: Any) -> bytes:
        """The command payload (without the TSN). Raises EncodeError."""
        record = self._checked(self.make(value), EncodeError)
        return self.schema.encode(record)

    def decode(self, data: bytes, offset: int = 0) -> tuple[Any, int]:
        """``(record, end offset)`` of the payload at ``offset``. Raises FrameError."""
        try:
            record, end = self.schema.decode(data, offset)
        except DecodeError as exc:
            raise FrameError(f"{self.name}: {exc}") from None
        return self._checked(record, FrameError), end

    def _checked(self, record: Any, error: type[ValueError]) -> Any:
        if self.check is None:
            return record
        try:
            return self.check(record)
        except _RuleError as exc:
            raise error(f"{self.name}: {exc}") from None


def _with_counts(schema: Schema, value: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``value`` with the counts of its lists filled in where they are left out."""
    out = dict(value)
    for f in schema.fields:
        kind = f.kind
        item = out.get(f.name)
        if isinstance(kind, Schema) and isinstance(item, Mapping):
            out[f.name] = _with_counts(kind, item)
        elif isinstance(kind, ListOf) and isinstance(item, list | tuple):
            if isinstance(kind.item, Schema):
                out[f.name] = [
                    _with_counts(kind.item, i) if isinstance(i, Mapping) else i for i in item
                ]
            if kind.count is not None and out.get(kind.count) is None:
                out[kind.count] = len(item)
    return out


def _assoc_dev_list(record: Any) -> Any:
    """NWK_addr_rsp / IEEE_addr_rsp: the associated-device tail.

    NumAssocDev, StartIndex and the list are present only in answers to extended requests; with
    no associated devices NumAssocDev is 0 and the spec leaves StartIndex and the list out (some
    stacks send StartIndex anyway). A count above 0 needs both. Canonical form: no list (None)
    when the count is 0.
    """
    count = record.num_assoc_dev
    if count and (record.start_index is None or record.nwk_addr_assoc_dev_list is None):
        msg = f"num_assoc_dev is {count} but the start index and address list do not follow"
        raise _RuleError(msg)
    if not count and record.nwk_addr_assoc_dev_list is not None:
        return record._replace(nwk_addr_assoc_dev_list=None)
    return record


def _derive_simple_desc_length(value: Mapping[str, Any]) -> int:
    descriptor = value.get("simple_descriptor")
    if descriptor is None:
        return 0
    return len(SIMPLE_DESCRIPTOR.encode(SIMPLE_DESCRIPTOR.make(descriptor)))


_OK = "status == 0"  # the fields follow only a SUCCESS status
_NWK_OF_INTEREST = Field("nwk_addr_of_interest", t.uint16)
_STATUS = Field("status", ZdoStatus)
_START_INDEX = Field("start_index", t.uint8, "first entry to report")


def _cmd(
    cluster: ZdoCluster,
    name: str,
    fields: Iterable[Field],
    *,
    response: ZdoCluster | None = None,
    note: str = "",
    check: Callable[[Any], Any] | None = None,
    derived: Mapping[str, Callable[[Mapping[str, Any]], Any]] | None = None,
) -> ZdoCommand:
    return ZdoCommand(
        cluster_id=int(cluster),
        name=name,
        schema=Schema(name, fields, doc=note),
        response=None if response is None else int(response),
        note=note,
        check=check,
        derived=derived,
    )


def _addr_rsp(cluster: ZdoCluster, name: str, note: str) -> ZdoCommand:
    return _cmd(
        cluster,
        name,
        [
            _STATUS,
            Field("ieee_addr_remote_dev", t.ieee_address),
            Field("nwk_addr_remote_dev", t.uint16),
            Field("num_assoc_dev", t.uint8, "extended responses only", optional=True),
            Field("start_index", t.uint8, "extended responses with devices", optional=True),
            Field(
                "nwk_addr_assoc_dev_list",
                ListOf(t.uint16, count="num_assoc_dev"),
                "short addresses of associated devices",
                optional=True,
            ),
        ],
        note=note,
        check=_assoc_dev_list,
    )


def _bind(cluster: ZdoCluster, name: str, response: ZdoCluster, note: str) -> ZdoCommand:
    return _cmd(
        cluster,
        name,
        [
            Field("src_address", t.ieee_address),
            Field("src_endp", t.uint8),
            Field("cluster_id", t.uint16),
            Field("dst_addr_mode", BindAddrMode),
            Field("dst_group_address", t.uint16, present_if="dst_addr_mode == 1"),
            Field("dst_ieee_address", t.ieee_address, present_if="dst_addr_mode == 3"),
            Field("dst_endp", t.uint8, present_if="dst_addr_mode == 3"),
        ],
        response=response,
        note=note,
    )


def _status_only(cluster: ZdoCluster, name: str, note: str) -> ZdoCommand:
    return _cmd(cluster, name, [_STATUS], note=note)


_C = ZdoCluster
_COMMANDS = (
    _cmd(
        _C.NWK_ADDR_REQ,
        "NWK_addr_req",
        [
            Field("ieee_addr", t.ieee_address),
            Field("request_type", AddrRequestType),
            _START_INDEX,
        ],
        response=_C.NWK_ADDR_RSP,
        note="Who has this IEEE address? (usually broadcast)",
    ),
    _cmd(
        _C.IEEE_ADDR_REQ,
        "IEEE_addr_req",
        [_NWK_OF_INTEREST, Field("request_type", AddrRequestType), _START_INDEX],
        response=_C.IEEE_ADDR_RSP,
        note="The IEEE address of this short address.",
    ),
    _cmd(_C.NODE_DESC_REQ, "Node_Desc_req", [_NWK_OF_INTEREST], response=_C.NODE_DESC_RSP),
    _cmd(_C.POWER_DESC_REQ, "Power_Desc_req", [_NWK_OF_INTEREST], response=_C.POWER_DESC_RSP),
    _cmd(
        _C.SIMPLE_DESC_REQ,
        "Simple_Desc_req",
        [_NWK_OF_INTEREST, Field("endpoint", t.uint8, "0x01–0xFE")],
        response=_C.SIMPLE_DESC_RSP,
    ),
    _cmd(
        _C.ACTIVE_EP_REQ,
        "Active_EP_req",
        [_NWK_OF_INTEREST],
        response=_C.ACTIVE_EP_RSP,
        note="Endpoints with a simple descriptor (endpoint 0 is not listed).",
    ),
    _cmd(
        _C.MATCH_DESC_REQ,
        "Match_Desc_req",
        [
            _NWK_OF_INTEREST,
            Field("profile_id", t.uint16),
            Field("num_in_clusters", t.uint8),
            Field("in_cluster_list", ListOf(t.uint16, count="num_in_clusters")),
            Field("num_out_clusters", t.uint8),
            Field("out_cluster_list", ListOf(t.uint16, count="num_out_clusters")),
        ],
        response=_C.MATCH_DESC_RSP,
        note="Endpoints that serve any of these clusters under this profile.",
    ),
    _cmd(
        _C.DEVICE_ANNCE,
        "Device_annce",
        [
            Field("nwk_addr", t.uint16),
            Field("ieee_addr", t.ieee_address),
            Field("capability", CapabilityInformation),
        ],
        note="Broadcast by a device that joined or rejoined; no response.",
    ),
    _cmd(
        _C.SYSTEM_SERVER_DISCOVERY_REQ,
        "System_Server_Discovery_req",
        [Field("server_mask", ServerMask, "the services looked for")],
        response=_C.SYSTEM_SERVER_DISCOVERY_RSP,
    ),
    _bind(_C.BIND_REQ, "Bind_req", _C.BIND_RSP, "Create a binding table entry on the source."),
    _bind(_C.UNBIND_REQ, "Unbind_req", _C.UNBIND_RSP, "Remove a binding table entry."),
    _cmd(_C.MGMT_LQI_REQ, "Mgmt_Lqi_req", [_START_INDEX], response=_C.MGMT_LQI_RSP),
    _cmd(_C.MGMT_RTG_REQ, "Mgmt_Rtg_req", [_START_INDEX], response=_C.MGMT_RTG_RSP),
    _cmd(
        _C.MGMT_LEAVE_REQ,
        "Mgmt_Leave_req",
        [
            Field("device_address", t.ieee_address, "the device asked to leave"),
            Field("flags", LeaveFlags),
        ],
        response=_C.MGMT_LEAVE_RSP,
    ),
    _cmd(
        _C.MGMT_PERMIT_JOINING_REQ,
        "Mgmt_Permit_Joining_req",
        [
            Field("permit_duration", t.uint8, "seconds; 0 = off, 0xFF = on until changed"),
            Field("tc_significance", t.uint8, "0x01: applies to the trust center (R21: always)"),
        ],
        response=_C.MGMT_PERMIT_JOINING_RSP,
    ),
    _addr_rsp(_C.NWK_ADDR_RSP, "NWK_addr_rsp", "Answer to NWK_addr_req."),
    _addr_rsp(_C.IEEE_ADDR_RSP, "IEEE_addr_rsp", "Answer to IEEE_addr_req."),
    _cmd(
        _C.NODE_DESC_RSP,
        "Node_Desc_rsp",
        [_STATUS, _NWK_OF_INTEREST, Field("node_descriptor", NODE_DESCRIPTOR, present_if=_OK)],
    ),
    _cmd(
        _C.POWER_DESC_RSP,
        "Power_Desc_rsp",
        [_STATUS, _NWK_OF_INTEREST, Field("power_descriptor", PowerDescriptor, present_if=_OK)],
    ),
    _cmd(
        _C.SIMPLE_DESC_RSP,
        "Simple_Desc_rsp",
        [
            _STATUS,
            _NWK_OF_INTEREST,
            Field("length", t.uint8, "octets of the simple descriptor; 0 when none follows"),
            Field("simple_descriptor", SIMPLE_DESCRIPTOR, present_if="length > 0"),
        ],
        note="Length is kept as sent (decoders ignore it); derived when left out of a dict.",
        derived={"length": _derive_simple_desc_length},
    ),
    _cmd(
        _C.ACTIVE_EP_RSP,
        "Active_EP_rsp",
        [
            _STATUS,
            _NWK_OF_INTEREST,
            Field("active_ep_count", t.uint8),
            Field("active_ep_list", ListOf(t.uint8, count="active_ep_count")),
        ],
    ),
    _cmd(
        _C.MATCH_DESC_RSP,
        "Match_Desc_rsp",
        [
            _STATUS,
            _NWK_OF_INTEREST,
            Field("match_length", t.uint8),
            Field("match_list", ListOf(t.uint8, count="match_length"), "matching endpoints"),
        ],
    ),
    _cmd(
        _C.SYSTEM_SERVER_DISCOVERY_RSP,
        "System_Server_Discovery_rsp",
        [_STATUS, Field("server_mask", ServerMask, "the services this node offers")],
    ),
    _status_only(_C.BIND_RSP, "Bind_rsp", "Answer to Bind_req."),
    _status_only(_C.UNBIND_RSP, "Unbind_rsp", "Answer to Unbind_req."),
    _cmd(
        _C.MGMT_LQI_RSP,
        "Mgmt_Lqi_rsp",
        [
            _STATUS,
            Field("neighbor_table_entries", t.uint8, "entries in the whole table", present_if=_OK),
            Field("start_index", t.uint8, present_if=_OK),
            Field("neighbor_table_list_count", t.uint8, present_if=_OK),
            Field(
                "neighbor_table_list",
                ListOf(NEIGHBOR_TABLE_RECORD, count="neighbor_table_list_count"),
                present_if=_OK,
            ),
        ],
        note="The neighbor table from start_index on; only the status when not SUCCESS.",
    ),
    _cmd(
        _C.MGMT_RTG_RSP,
        "Mgmt_Rtg_rsp",
        [
            _STATUS,
            Field("routing_table_entries", t.uint8, "entries in the whole table", present_if=_OK),
            Field("start_index", t.uint8, present_if=_OK),
            Field("routing_table_list_count", t.uint8, present_if=_OK),
            Field(
                "routing_table_list",
                ListOf(ROUTING_TABLE_RECORD, count="routing_table_list_count"),
                present_if=_OK,
            ),
        ],
        note="The routing table from start_index on; only the status when not SUCCESS.",
    ),
    _status_only(_C.MGMT_LEAVE_RSP, "Mgmt_Leave_rsp", "Answer to Mgmt_Leave_req."),
    _status_only(
        _C.MGMT_PERMIT_JOINING_RSP, "Mgmt_Permit_Joining_rsp", "Answer to Mgmt_Permit_Joining_req."
    ),
)


def _registry(commands: Iterable[ZdoCommand]) -> Mapping[int, ZdoCommand]:
    table: dict[int, ZdoCommand] = {}
    for command in commands:
        if command.cluster_id in table:
            msg = f"duplicate ZDO cluster id 0x{command.cluster_id:04X}"
            raise TypeError(msg)
        table[command.cluster_id] = command
    for command in table.values():
        if command.response is not None and command.response not in table:
            msg = f"{command.name}: response 0x{command.response:04X} is not declared"
            raise TypeError(msg)
    return MappingProxyType(dict(sorted(table.items())))


ZDO_COMMANDS: Mapping[int, ZdoCommand] = _registry(_COMMANDS)
"""Every declared ZDP command by cluster id."""


# ------------------------------------------------------------------------------------------------
# Frames


class ZdoFrame(NamedTuple):
    """A decoded ZDP frame. ``command`` is None for a cluster id we do not declare; its payload
    is then all in ``rest``. ``rest`` also keeps bytes after a complete payload."""

    cluster_id: int
    tsn: int
    command: ZdoCommand | None
    record: Any
    rest: bytes = b""

    @property
    def name(self) -> str:
        return self.command.name if self.command is not None else f"0x{self.cluster_id:04X}"

    def encode(self) -> bytes:
        """The frame's bytes: TSN, payload, then ``rest``."""
        body = b"" if self.command is None else self.command.encode(self.record)
        return _tsn_octet(self.tsn) + body + self.rest

    def to_json(self) -> dict[str, Any]:
        """A JSON-serialisable view (enum names, parts of bit fields, addresses as text)."""
        record = None
        if self.command is not None:
            record = self.command.schema.to_json(self.record)
        return {
            "cluster_id": self.cluster_id,
            "name": self.name,
            "tsn": self.tsn,
            "record": record,
            "rest": self.rest.hex(),
        }


def _tsn_octet(tsn: int) -> bytes:
    if not 0 <= tsn <= 0xFF:
        msg = f"ZDO transaction sequence number out of range: {tsn}"
        raise EncodeError(msg)
    return bytes((tsn,))


def decode_zdo(cluster_id: int, data: bytes, offset: int = 0) -> ZdoFrame:
    """Decode the APS payload of a ZDP frame (profile 0, endpoint 0) sent on ``cluster_id``.

    Raises :class:`FrameError` when the bytes do not form that command.
    """
    if offset >= len(data):
        msg = "ZDO frame without a transaction sequence number"
        raise FrameError(msg)
    tsn = data[offset]
    command = ZDO_COMMANDS.get(cluster_id)
    if command is None:
        return ZdoFrame(cluster_id, tsn, None, None, bytes(data[offset + 1 :]))
    record, end = command.decode(data, offset + 1)
    return ZdoFrame(cluster_id, tsn, command, record, bytes(data[end:]))


def encode_zdo(cluster_id: int, tsn: int, record: Any) -> bytes:
    """The APS payload of a ZDP command: TSN then the payload from a record or a dict.

    Raises :class:`~segateway.zcl.errors.EncodeError` for an undeclared cluster id or a record
    that cannot be sent.
    """
    command = ZDO_COMMANDS.get(cluster_id)
    if command is None:
        msg = f"no ZDO command is declared for cluster 0x{cluster_id:04X}"
        raise EncodeError(msg)
    return _tsn_octet(tsn) + command.encode(record)


def response_status(cluster_id: int, data: bytes, offset: int = 0) -> tuple[int, ZdoStatus] | None:
    """``(tsn, status)`` of a declared response, read without decoding the rest.

    Every response declared here starts with its status; this lets the stack settle the pending
    request even when the rest is malformed (an error answer cut short, say). None when the cluster
    is not a declared response or the two octets are missing.
    """
    command = ZDO_COMMANDS.get(cluster_id)
    if command is None or command.schema.fields[0].name != "status" or len(data) - offset < 2:
        return None
    return data[offset], ZdoStatus(data[offset + 1])

"""The records of the RPC API (digi-se-rpc.md §4), declared as data.

A record travels as ``<record type="LoadControlEventRecord">`` with one child per field (or as a
JSON object with the same field names). Each :class:`RecordSpec` lists its fields in order with
their type, whether a request must give them, the default applied when it does not, the
reference's description and where it comes from (provenance: ``N`` new documentation, ``O`` old
user's manual, ``C`` a real client, ``I`` inferred or designed here where the reference is
silent). ``response_only`` fields appear in responses and are refused in requests.

Integer fields of the SE records are declared ``int`` and documented with their width: the ESI
servers check ranges and answer an out-of-range value with status 0x85 INVALID_FIELD, as the
reference says create/cancel responses do; ZCL and ZDO record fields are range-checked here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from .types import (
    ANY,
    BOOL,
    BYTES,
    INT,
    MAC64,
    SHORT_ADDRESS,
    STRING,
    RpcType,
    dict_of,
    list_of,
    ranged,
    record,
    uint,
)
from .values import Value

__all__ = [
    "RECORDS",
    "U8",
    "U16",
    "U32",
    "ZERO_ONE",
    "FieldSpec",
    "RecordSpec",
    "opt",
    "out",
    "req",
]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of a record (or one parameter of a request or response)."""

    name: str
    type: RpcType
    doc: str
    required: bool = False
    default: Value = None
    provenance: str = "O"
    response_only: bool = False


@dataclass(frozen=True, slots=True)
class RecordSpec:
    """A record type: its name, the part of the reference it belongs to, its fields."""

    name: str
    group: str
    doc: str
    fields: tuple[FieldSpec, ...]
    provenance: str = "O"
    added: bool = False  # not in the reference: a segateway addition

    def has_field(self, name: str) -> bool:
        return any(f.name == name for f in self.fields)

    def field(self, name: str) -> FieldSpec:
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(f"{self.name} has no field {name!r}")


def req(name: str, t: RpcType, doc: str, prov: str = "O") -> FieldSpec:
    return FieldSpec(name, t, doc, required=True, provenance=prov)


def opt(name: str, t: RpcType, doc: str, default: Value = None, prov: str = "O") -> FieldSpec:
    return FieldSpec(name, t, doc, default=default, provenance=prov)


def out(name: str, t: RpcType, doc: str, prov: str = "I") -> FieldSpec:
    """A field only present in responses."""
    return FieldSpec(name, t, doc, provenance=prov, response_only=True)


U8, U16, U32 = uint(8), uint(16), uint(32)
ZERO_ONE = ranged(0, 1, "int (0–1)")

# ---------------------------------------------------------------------------------- ZDO

_ZDO: tuple[RecordSpec, ...] = (
    RecordSpec(
        "ZDODeviceRecord",
        "ZDO",
        "What the gateway knows of one device (get_device_information). Optional fields are "
        "left out while unknown.",
        (
            req("addr_extended", MAC64, "64-bit address.", "N"),
            req(
                "active",
                BOOL,
                "The device is considered active (FALSE after consecutive failed sends).",
                "N",
            ),
            req(
                "discovery_status",
                INT,
                "0 incomplete, 1 complete, 2 complete with errors.",
                "N",
            ),
            req("node_type", INT, "0 coordinator, 1 router, 2 end device, -1 unknown.", "N"),
            opt("addr_short", SHORT_ADDRESS, "16-bit network address.", prov="N"),
            opt("manufacturer_id", U16, "16-bit manufacturer id.", prov="N"),
            opt(
                "active_endpoints", list_of(U8), "Endpoint ids, ZDO endpoint 0 excluded.", prov="N"
            ),
            opt(
                "simple_descriptors",
                dict_of(record("Simple_Desc_rsp")),
                "Keys endpoint_0xXX, values Simple_Desc_rsp records.",
                prov="N",
            ),
            opt("node_descriptor", record("Node_Desc_rsp"), "ZDO node descriptor.", prov="N"),
            opt("power_descriptor", record("Power_Desc_rsp"), "ZDO power descriptor.", prov="N"),
        ),
        "N",
    ),
    RecordSpec(
        "Simple_Desc_rsp",
        "ZDO",
        "One endpoint's simple descriptor (the ZigBee Simple_Desc_rsp fields).",
        (
            req("endpoint_id", U8, "Endpoint id.", "I"),
            req("profile_id", U16, "Application profile id (0x0109 Smart Energy).", "I"),
            req("device_id", U16, "Application device id (0x0500 ESI, 0x0501 meter …).", "I"),
            req("device_version", INT, "Application device version (4 bits).", "I"),
            req("input_cluster_list", list_of(U16), "Server clusters.", "I"),
            req("output_cluster_list", list_of(U16), "Client clusters.", "I"),
        ),
        "I",
    ),
    RecordSpec(
        "Node_Desc_rsp",
        "ZDO",
        "The parts of the node descriptor the gateway keeps.",
        (
            req("logical_type", INT, "0 coordinator, 1 router, 2 end device.", "I"),
            opt("manufacturer_code", U16, "Manufacturer code.", prov="I"),
            opt(
                "receiver_on_when_idle",
                BOOL,
                "The receiver stays on (not a sleepy device).",
                prov="I",
            ),
        ),
        "I",
    ),
    RecordSpec(
        "Power_Desc_rsp",
        "ZDO",
        "The node power descriptor.",
        (
            req("current_power_mode", INT, "0 receiver synchronised with on-when-idle …", "I"),
            req(
                "available_power_sources",
                INT,
                "Bitmap: 1 mains, 2 rechargeable, 4 disposable.",
                "I",
            ),
            req("current_power_source", INT, "Bitmap, as available_power_sources.", "I"),
            req("current_power_source_level", INT, "0 critical, 4 33 %, 8 66 %, 12 100 %.", "I"),
        ),
        "I",
    ),
    RecordSpec(
        "NeighborRecord",
        "ZDO",
        "One entry of the gateway's neighbour table (get_network_information).",
        (
            opt("addr_extended", MAC64, "64-bit address, when known.", prov="I"),
            req("addr_short", SHORT_ADDRESS, "16-bit network address.", "I"),
            opt("node_type", INT, "0 coordinator, 1 router, 2 end device.", prov="I"),
            req(
                "relationship",
                STRING,
                "parent, child, sibling, unauthenticated_child or none.",
                "I",
            ),
            req("rx_on_when_idle", BOOL, "The neighbour's receiver stays on.", "I"),
            req("lqi", U8, "Link quality of its frames.", "I"),
            opt("depth", INT, "Tree depth (0 = coordinator).", prov="I"),
        ),
        "I",
        added=True,
    ),
)

# ---------------------------------------------------------------------------------- ZCL

_REPORTING_CONFIGURATION = (
    req("attribute_id", U16, "Attribute id."),
    opt(
        "direction",
        ZERO_ONE,
        "0x00: the target sends reports (forced to 0 by start_receiving_reports); 0x01: the "
        "target receives them.",
        default=0,
    ),
    opt("attribute_type", U8, "ZCL data type id (sending only).", default=0xFF),
    opt("min_interval", U16, "Minimum seconds between reports (sending only).", default=0),
    opt(
        "max_interval",
        U16,
        "Maximum seconds between reports (sending only; 0 no periodic reports, 0xFFFF off).",
        default=0,
    ),
    opt(
        "reportable_change",
        ANY,
        "Smallest change reported, of the attribute's type (analog types only).",
        default=0,
    ),
    opt(
        "timeout",
        U16,
        "Seconds without a report before it counts as missing (receiving).",
        default=0,
    ),
)

_ZCL: tuple[RecordSpec, ...] = (
    RecordSpec(
        "ReadAttributeRecord",
        "ZCL",
        "An attribute to read.",
        (req("attribute_id", U16, "16-bit attribute id."),),
        "NO",
    ),
    RecordSpec(
        "ReadAttributeStatusRecord",
        "ZCL",
        "One attribute of a Read Attributes Response; type and value only on success.",
        (
            req("attribute_id", U16, "Attribute id."),
            req("status", U8, "ZCL status (0x00 success, 0x86 unsupported attribute …)."),
            opt("attribute_type", U8, "ZCL data type id (e.g. 0x2B signed 32-bit)."),
            opt("value", ANY, "The value, typed after attribute_type."),
        ),
        "NO",
    ),
    RecordSpec(
        "WriteAttributeRecord",
        "ZCL",
        "An attribute to write.",
        (
            req("attribute_id", U16, "Attribute id."),
            opt(
                "attribute_type",
                U8,
                "ZCL data type id; 0xFF (unknown, the default) takes the type the cluster "
                "definition gives the attribute.",
                default=0xFF,
                prov="NO",
            ),
            req("value", ANY, "The value (e.g. int for 0x21, string for 0x41 octet strings)."),
        ),
        "NO",
    ),
    RecordSpec(
        "WriteAttributeResponseRecord",
        "ZCL",
        "The outcome of writing one attribute.",
        (
            req("status", U8, "ZCL status (non-zero = failure)."),
            req("attribute_id", U16, "Attribute id."),
            opt("attribute_type", U8, "Data type id, copied from the request."),
            opt("value", ANY, "Value, copied from the request."),
        ),
    ),
    RecordSpec(
        "AttributeReportingConfigurationRecord",
        "ZCL",
        "How one attribute is reported.",
        _REPORTING_CONFIGURATION,
    ),
    RecordSpec(
        "AttributeReportingConfigurationResponseRecord",
        "ZCL",
        "The outcome of configuring one attribute's reporting.",
        (
            req("status", U8, "ZCL status of the configuration (0x00 success).", "I"),
            req("attribute_id", U16, "Attribute id.", "I"),
            req(
                "pseudo_reporting",
                BOOL,
                "TRUE: the gateway polls the attribute and reports it itself.",
                "I",
            ),
        ),
    ),
    RecordSpec(
        "AttributeReportRecord",
        "ZCL",
        "One attribute of a Report Attributes payload (or of a poll, with pseudo_reporting).",
        (
            req("attribute_id", U16, "Attribute id.", "I"),
            req("attribute_type", U8, "ZCL data type id.", "I"),
            req("value", ANY, "The reported value.", "I"),
            out("pseudo_reporting", BOOL, "TRUE: the gateway read the value (polling)."),
            out("engineering_value", STRING, "Metering: the value in engineering units."),
            out("unit", STRING, "Metering: the unit of engineering_value (kWh, kW …)."),
            out("display", STRING, "Metering: the value as a display shows it."),
        ),
    ),
    RecordSpec(
        "AttributeInformationRecord",
        "ZCL",
        "One attribute of a Discover Attributes Response.",
        (
            req("attribute_id", U16, "Attribute id.", "I"),
            req("attribute_type", U8, "ZCL data type id.", "I"),
        ),
    ),
    RecordSpec(
        "StopReportingRecord",
        "ZCL",
        "An attribute whose reporting stops.",
        (req("attribute_id", U16, "Attribute id."),),
    ),
    RecordSpec(
        "StopReportingStatusRecord",
        "ZCL",
        "The outcome of stopping one attribute's reporting.",
        (
            req("status", U8, "ZCL status (0 success)."),
            req("attribute_id", U16, "Attribute id."),
        ),
    ),
    RecordSpec(
        "ReadReportingConfigurationRecord",
        "ZCL",
        "An attribute whose reporting configuration is read.",
        (req("attribute_id", U16, "Attribute id."),),
    ),
    RecordSpec(
        "ReadReportingConfigurationResponseRecord",
        "ZCL",
        "One attribute's reporting configuration; a non-zero status gives only attribute_id.",
        (
            req("status", U8, "ZCL status."),
            req("attribute_id", U16, "Attribute id."),
            opt(
                "direction", INT, "0x00 reports sent by the target, 0x01 received by it.", prov="I"
            ),
            opt("attribute_type", U8, "ZCL data type id.", prov="I"),
            opt("min_interval", U16, "Minimum reporting interval.", prov="I"),
            opt("max_interval", U16, "Maximum reporting interval.", prov="I"),
            opt("reportable_change", ANY, "Reportable change.", prov="I"),
            opt("timeout", U16, "Timeout period (direction 0x01).", prov="I"),
        ),
    ),
    RecordSpec(
        "LocalReportingConfigurationRecord",
        "ZCL",
        "A reporting configuration the gateway takes part in.",
        (
            req("device_address", MAC64, "The remote device."),
            req("device_endpoint_id", U8, "Its endpoint."),
            req("endpoint_id", U8, "The gateway's endpoint."),
            req("cluster_id", U16, "Cluster."),
            req("server_or_client", INT, "0 server, 1 client (the reporting cluster)."),
            req("reporting_direction", INT, "0 the gateway sends reports, 1 it receives them."),
            opt("pseudo_reporting", BOOL, "Receiving only: TRUE when the gateway polls."),
            req("record", record("AttributeReportingConfigurationRecord"), "The configuration."),
        ),
    ),
    RecordSpec(
        "ZCL_ArrayRecord",
        "ZCL",
        "A ZCL array: usable as the value of read/write records.",
        (
            req("attribute_type", U8, "ZCL data type id of the elements."),
            req("value", list_of(ANY), "The elements."),
        ),
    ),
)

# ---------------------------------------------------------------------------------- SE

_LOAD_CONTROL = (
    req("issuer_event_id", INT, "32-bit event id.", "NO"),
    req("duration_in_minutes", INT, "16-bit duration in minutes (1–1440).", "NO"),
    opt(
        "device_class",
        INT,
        "16-bit bitmap of device classes; 0x0FFF = all non-reserved classes.",
        0x0FFF,
        "NO",
    ),
    opt("utility_enrollment_group", INT, "8-bit group; 0x00 = all groups.", 0x00, "NO"),
    opt("start_time", INT, "UTC seconds since 2000; 0 = now.", 0, "NO"),
    opt("criticality_level", INT, "0x01 (lowest non-reserved) to 0x0F.", 0x01, "NO"),
    opt("cooling_temperature_offset", INT, "0.1 °C; 0xFF = unused.", 0xFF, "NO"),
    opt("heating_temperature_offset", INT, "0.1 °C; 0xFF = unused.", 0xFF, "NO"),
    opt("cooling_temperature_set_point", INT, "Signed, 0.01 °C; -0x8000 = unused.", -0x8000, "NO"),
    opt("heating_temperature_set_point", INT, "Signed, 0.01 °C; -0x8000 = unused.", -0x8000, "NO"),
    opt("average_load_adjustment_percentage", INT, "Signed percent; -0x80 = unused.", -0x80),
    opt("duty_cycle", INT, "Percent; 0xFF = unused.", 0xFF),
    opt("event_control", INT, "Bit 0 randomise start, bit 1 randomise end.", 0x03),
)

_PRICE = (
    opt("provider_id", INT, "32-bit provider; 0xFFFFFFFF = unused.", 0xFFFFFFFF),
    opt("rate_label", STRING, "Up to 11 octets of text.", ""),
    req("issuer_event_id", INT, "32-bit event id."),
    opt(
        "utc_time",
        INT,
        "Current time when sent: filled in by the server (a value given is ignored).",
    ),
    opt("unit_of_measure", INT, "8-bit unit; 0x00 = kWh.", 0x00, "I"),
    opt("currency", INT, "ISO 4217 code; 840 = USD.", 840),
    opt(
        "price_trailing_digit_and_price_tier",
        INT,
        "High nibble: digits after the decimal point; low nibble: tier. 0x20 = two decimals.",
        0x20,
    ),
    opt(
        "number_of_price_tiers_and_register_tier",
        INT,
        "High nibble: number of tiers; low nibble: register tier.",
        0x00,
    ),
    opt("start_time", INT, "UTC seconds since 2000; 0 = now.", 0),
    req("duration_in_minutes", INT, "16-bit minutes; 0xFFFF = until changed."),
    req("price", INT, "32-bit price in the currency's smallest unit (see trailing digits)."),
    opt("price_ratio", INT, "Ratio to the normal price, ×0.1; 0xFF = unused.", 0xFF, "I"),
    opt("generation_price", INT, "32-bit; 0xFFFFFFFF = unused.", 0xFFFFFFFF, "I"),
    opt("generation_price_ratio", INT, "×0.1; 0xFF = unused.", 0xFF, "I"),
    opt("alternate_cost_delivered", INT, "32-bit; 0xFFFFFFFF = unused.", 0xFFFFFFFF, "I"),
    opt("alternate_cost_unit", INT, "0x01 = kg of CO2 per unit.", 0x01, "I"),
    opt(
        "alternate_cost_trailing_digit",
        INT,
        "Digits after the decimal point (high nibble).",
        0x00,
        "I",
    ),
    opt("number_of_block_thresholds", INT, "Block thresholds in use.", 0, "I"),
    opt(
        "price_control",
        INT,
        "Bit 0 price acknowledgement required, bit 1 total tiers > 15.",
        0x00,
        "I",
    ),
    out("number_of_generation_tiers", INT, "SE 1.2 field, when the server sent it."),
    out("generation_tier", INT, "SE 1.2 field, when the server sent it."),
    out("extended_number_of_price_tiers", INT, "SE 1.2 field, when the server sent it."),
    out("extended_price_tier", INT, "SE 1.2 field, when the server sent it."),
    out("extended_register_tier", INT, "SE 1.2 field, when the server sent it."),
)

_DISPLAY_MESSAGE = (
    req("message_id", INT, "32-bit message id."),
    opt(
        "message_control",
        INT,
        "0x00 normal transmission, low importance, no confirmation; 0x80 confirmation required.",
        0x00,
    ),
    opt("start_time", INT, "UTC seconds since 2000; 0 = now.", 0),
    req("duration_in_minutes", INT, "16-bit minutes; 0xFFFF = until changed."),
    req("message", STRING, "The text (at most 50 octets of UTF-8 on this gateway)."),
    out(
        "cancel_message_control",
        INT,
        "The active message's cancellation waits for confirmation: the cancel's message_control.",
        "O",
    ),
    out("confirmation_time", INT, "When the user confirmed the message."),
    out("extended_message_control", INT, "SE 1.2 field, when the server sent it."),
)

_SE: tuple[RecordSpec, ...] = (
    RecordSpec(
        "LoadControlEventRecord",
        "SE",
        "A demand response / load control event. Defaults apply to omitted optional fields. "
        "Held by a DRLC client, it also carries its effective times and state.",
        (
            *_LOAD_CONTROL,
            out("effective_start_time", INT, "Client: when it starts, randomisation included."),
            out("effective_end_time", INT, "Client: when it ends as things stand."),
            out("opted_out", BOOL, "Client: the user opted out."),
            out("event_state", STRING, "Client: scheduled or running."),
        ),
        "NO",
    ),
    RecordSpec(
        "CancelLoadControlEventRecord",
        "SE",
        "Cancels one load control event.",
        (
            req("issuer_event_id", INT, "The event to cancel."),
            opt("device_class", INT, "Device classes the cancel applies to.", 0x0FFF),
            opt("utility_enrollment_group", INT, "Group the cancel applies to.", 0x00),
            opt(
                "cancel_control",
                INT,
                "0x01: end with the original event's randomisation; 0x00: at once.",
                0x01,
            ),
            opt("effective_time", INT, "UTC seconds since 2000; 0x0 = now.", 0x0),
        ),
    ),
    RecordSpec(
        "CancelAllLoadControlEventsRecord",
        "SE",
        "The Cancel All Load Control Events command a DRLC client received.",
        (req("cancel_control", INT, "0x01: end with the original randomisation.", "I"),),
        "I",
        added=True,
    ),
    RecordSpec(
        "ReportEventStatusRecord",
        "SE",
        "A DRLC client's Report Event Status.",
        (
            req("issuer_event_id", INT, "The event.", "C"),
            req(
                "event_status",
                INT,
                "0x01 received, 0x02 started, 0x03 completed, 0x04 opted out, 0x05 opted in, "
                "0x06 cancelled, 0x07 superseded … 0xF8–0xFB rejected.",
                "C",
            ),
            req("event_status_time", INT, "UTC seconds since 2000 of the status.", "C"),
            req("criticality_level_applied", INT, "Criticality level applied.", "I"),
            req("cooling_temperature_set_point_applied", INT, "0.01 °C; 0x8000 unused.", "I"),
            req("heating_temperature_set_point_applied", INT, "0.01 °C; 0x8000 unused.", "I"),
            req("average_load_adjustment_percentage_applied", INT, "Percent; 0x80 unused.", "I"),
            req("duty_cycle_applied", INT, "Percent; 0xFF unused.", "I"),
            req("event_control", INT, "Event control as applied.", "I"),
            req("signature_type", INT, "0x00 none, 0x01 ECDSA.", "I"),
            req("signature", BYTES, "42 octets.", "I"),
        ),
    ),
    RecordSpec(
        "GetScheduledEventsRecord",
        "SE",
        "Which scheduled events a server should send again.",
        (
            opt("start_time", INT, "UTC seconds since 2000; 0 = no filter.", 0),
            opt("number_of_events", INT, "At most this many; 0 = no limit.", 0),
        ),
    ),
    RecordSpec("DisplayMessageRecord", "SE", "A text message.", _DISPLAY_MESSAGE),
    RecordSpec(
        "CancelMessageRecord",
        "SE",
        "Cancels one message.",
        (
            req("message_id", INT, "The message to cancel."),
            opt("message_control", INT, "0x00: normal transmission.", 0x00),
        ),
    ),
    RecordSpec(
        "DisplayMessageEventRecord",
        "SE",
        "A message a Messaging client received or holds.",
        tuple(FieldSpec(f.name, f.type, f.doc, provenance="I") for f in _DISPLAY_MESSAGE),
    ),
    RecordSpec(
        "CancelMessageEventRecord",
        "SE",
        "A Cancel Message a Messaging client received.",
        (
            req("message_id", INT, "The message.", "I"),
            req("message_control", INT, "The cancel's message control.", "I"),
        ),
    ),
    RecordSpec(
        "CancelAllMessagesRecord",
        "SE",
        "A Cancel All Messages (SE 1.2) a Messaging client received.",
        (req("implementation_date_time", INT, "UTC seconds since 2000; 0 = now.", "I"),),
        "I",
        added=True,
    ),
    RecordSpec(
        "MessageConfirmationRecord",
        "SE",
        "A message confirmation.",
        (
            req("message_id", INT, "The confirmed message."),
            opt(
                "confirmation_time",
                INT,
                "When it was confirmed (UTC seconds since 2000). confirm_message stamps the "
                "confirmation with the time it sends it.",
            ),
            out("message_confirmation_control", INT, "SE 1.2 field, when the client sent it."),
            out("message_response", BYTES, "SE 1.2 field, when the client sent it."),
        ),
    ),
    RecordSpec("PublishPriceRecord", "SE", "A price.", _PRICE),
    RecordSpec(
        "DisplayPriceEventRecord",
        "SE",
        "A Publish Price a Price client received or holds.",
        tuple(FieldSpec(f.name, f.type, f.doc, provenance="I") for f in _PRICE),
    ),
    RecordSpec(
        "GetScheduledPricesRecord",
        "SE",
        "Which scheduled prices a server should send again.",
        (
            opt("start_time", INT, "UTC seconds since 2000; 0 = now.", 0, "I"),
            opt("number_of_events", INT, "At most this many; 0 = all.", 0, "I"),
        ),
    ),
    RecordSpec(
        "PriceAcknowledgementRecord",
        "SE",
        "A Price client's Price Acknowledgement (SE 1.1).",
        (
            req("provider_id", INT, "Provider of the price.", "I"),
            req("issuer_event_id", INT, "The price.", "I"),
            req("price_ack_time", INT, "UTC seconds since 2000 of the acknowledgement.", "I"),
            req("control", INT, "Price control of the acknowledged price.", "I"),
        ),
        "I",
        added=True,
    ),
    RecordSpec(
        "MeteringReadingRecord",
        "Metering",
        "The latest values of one meter, in engineering units (raw × Multiplier ÷ Divisor) and "
        "raw; engineering values are decimal text so that no digit is lost.",
        (
            req("source_address", MAC64, "The meter.", "I"),
            req("source_endpoint_id", U8, "Its Metering server endpoint.", "I"),
            opt("summation_delivered", STRING, "CurrentSummationDelivered.", prov="I"),
            opt("summation_unit", STRING, "Its unit (kWh, m³ …).", prov="I"),
            opt("summation_raw", INT, "The raw register.", prov="I"),
            opt("summation_time", INT, "When it was received (UTC seconds since 2000).", prov="I"),
            opt("instantaneous_demand", STRING, "InstantaneousDemand.", prov="I"),
            opt("demand_unit", STRING, "Its unit (kW …).", prov="I"),
            opt("demand_raw", INT, "The raw register (signed).", prov="I"),
            opt("demand_time", INT, "When it was received.", prov="I"),
            opt("status", INT, "The meter's Status bitmap.", prov="I"),
            opt("metering_device_type", INT, "MeteringDeviceType (0 electric …).", prov="I"),
            req("pseudo_reporting", BOOL, "The last value came from a poll.", "I"),
            opt("summation_mode", STRING, "reported, polled or pending.", prov="I"),
            opt("demand_mode", STRING, "reported, polled or pending.", prov="I"),
        ),
        "I",
        added=True,
    ),
)


def _index(specs: Iterable[RecordSpec]) -> Mapping[str, RecordSpec]:
    table: dict[str, RecordSpec] = {}
    for spec in specs:
        if spec.name in table:
            raise ValueError(f"record {spec.name} declared twice")
        table[spec.name] = spec
    return MappingProxyType(table)


RECORDS: Final[Mapping[str, RecordSpec]] = _index((*_ZDO, *_ZCL, *_SE))
"""Every record type, by name."""

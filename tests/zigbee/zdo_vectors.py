"""ZDO (ZigBee Device Profile) test vectors taken from published sources, not computed by segateway.

Every entry pairs bytes that a third-party source prints with the meaning the same source states
for them: assertions in its test suite, a decoded log line, or a manual's field-by-field
annotation. Nothing here was encoded or decoded by us; bytes and values are transcribed. Where a
source builds its bytes from named constants, the constants are resolved here from the same
source (or its constants file) and the resolution is shown in a comment.

Lists
-----
ZDO_FRAMES
    Whole ZDP frames: the APS payload, transaction sequence number first. Keys: name, source,
    cluster (APS cluster id), hex, expected, note, and optionally encode_from.
ZDO_PAYLOADS
    Command payloads without the transaction sequence number (the source's reader starts after
    it). Same keys.
DESCRIPTOR_VECTORS
    A descriptor or table record alone. Keys: name, source, schema (NODE_DESCRIPTOR,
    NEIGHBOR_TABLE_RECORD, …), hex, rest (hex the source leaves after it), expected.
REJECTED_FRAMES
    Frames a source accepts although they lack fields the specification makes mandatory; we
    raise FrameError for them and read their status with ``response_status``. Keys: name,
    source, cluster, hex, status (the status the source states), note.

``expected`` maps paths into our decoded record to the values the source states: ``tsn``, field
names, ``a.b`` for a field of a nested record or a part of a bit field, ``list[i].field`` for
records in a list. A key the source does not state is absent. Values are ints (enumerations by
value, as the source names them in the comment), bools for one-bit flags, lists of ints.
``encode_from`` (only where the source builds the frame from values) is the complete set of
values, under our field names, that the source encodes into ``hex``.

Source strings: GitHub sources are "owner/repo path@commit (test name)"; manuals name the
document, section and URL. zigpy (GPL) is used for facts only: the bytes and the values its tests
assert.

Notes on the sources' conventions
---------------------------------
* zsmartsystems logs (``ZigBeeApsFrame [... payload=...]``) print the APS payload with the ZDO
  TSN as its first octet; the ``TID`` they print is the APS counter, so the TSN is not stated.
  Their command tests (``getPacketData``) also start with the TSN octet.
* zigbee-herdsman's ``build*Request`` helpers return the frame with a leading 0 TSN
  (``ZDO_MESSAGE_OVERHEAD = 1``); its ``read*Response`` readers take the payload after the TSN.
* Digi's XBee manuals give the explicit-addressing API frame; the "data payload" offsets start
  with the transaction sequence number.
"""

from __future__ import annotations

from typing import Any

_ZSS = "zsmartsystems/com.zsmartsystems.zigbee com.zsmartsystems.zigbee/src/test/"
_ZSS_LOG = _ZSS + "resource/logs/zdo.txt@0a182edc1bf2522ca286ff460aa5d059cce741b1"
_ZSS_CMD = _ZSS + "java/com/zsmartsystems/zigbee/zdo/command/"
_HM = (
    "Koenkk/zigbee-herdsman test/zspec/zdo/buffalo.test.ts@1ff1dc77bd5637c05f2d8865cbbb850371c3a645"
)
_HM_CONSTANTS = (
    "constants of that file: IEEE_ADDRESS1 = 0xfe34ac2385ff8311 (11 83 ff 85 23 ac 34 fe), "
    "IEEE_ADDRESS2 = 0x28373fecd834ba37 (37 ba 34 d8 ec 3f 37 28), NODE_ID1 = 0xfe32 (32 fe), "
    "NODE_ID2 = 0xab39 (39 ab); uint16To8Array is little-endian (test/utils/math.ts)"
)
_ZIGPY_TYPES = "zigpy/zigpy tests/test_zdo_types.py@0091a9a93e09d9e64495dca2f42a04476e4741ca"
_ZIGPY_ZDO = "zigpy/zigpy tests/test_zdo.py@032a57b35447f5188043ddc9d320abe56db911f2"
_DIGI_XBEE3 = (
    "Digi XBee 3 Zigbee RF Module User Guide (90001539), 'ZDO transmissions', "
    "'Example 1: Send a ZDO LQI request to read the neighbor table contents of a remote', "
    "https://docs.digi.com/resources/documentation/digidocs/90001539/concepts/"
    "c_zb_example1_send_zdo_lqi_request.htm"
)
_DIGI_XBEE3_NWK = (
    "Digi XBee 3 Zigbee RF Module User Guide, 'Example 2: Send a ZDO network Address Request', "
    "https://www.manualslib.com/manual/1799228/Digi-Xbee-3-Zigbee.html?page=117"
)
_DIGI_S2C_ACTIVE_EP = (
    "Digi XBee/XBee-PRO S2C Zigbee RF Module User Guide, 'Send ZDO commands with the API' "
    "(Active Endpoints example), p. 208, https://manualshive.com/en/manual/digi/xbee/2496239?page=208"
)

ZDO_FRAMES: list[dict[str, Any]] = [
    # ---------------------------------------------------------------- Digi manuals (requests)
    {
        "name": "digi_lqi_request",
        "source": _DIGI_XBEE3,
        "cluster": 0x0031,
        "hex": "76 00",
        "expected": {"tsn": 0x76, "start_index": 0},
        "encode_from": {"start_index": 0},
        "note": "Data payload of the API frame 7E 0016 11 01 0013A200 40401234 FFFE 00 00 0031 "
        "0000 00 00 76 00 CE: TSN 0x76, start index 0.",
    },
    {
        "name": "digi_network_address_request",
        "source": _DIGI_XBEE3_NWK,
        "cluster": 0x0000,
        "hex": "44 34 12 40 40 00 A2 13 00 00 00",
        "expected": {
            "tsn": 0x44,
            "ieee_addr": 0x0013A20040401234,
            "request_type": 0,
            "start_index": 0,
        },
        "encode_from": {"ieee_addr": 0x0013A20040401234, "request_type": 0, "start_index": 0},
        "note": "Broadcast to discover the short address of 0x0013A200 40401234; request type "
        "and start index 0; TSN 0x44.",
    },
    {
        "name": "digi_active_endpoints_request",
        "source": _DIGI_S2C_ACTIVE_EP,
        "cluster": 0x0005,
        "hex": "01 34 12",
        "expected": {"tsn": 0x01, "nwk_addr_of_interest": 0x1234},
        "encode_from": {"nwk_addr_of_interest": 0x1234},
        "note": "Offset 23 TSN 0x01; offsets 24-25: 'the 16-bit address in the API example "
        "(0x1234) is sent in little endian byte order (0x3412)'.",
    },
    # ---------------------------------------------------------------- zsmartsystems zdo.txt log
    {
        "name": "zss_log_mgmt_lqi_rsp",
        "source": _ZSS_LOG,
        "cluster": 0x8031,
        "hex": "00 00 16 12 03 8F 39 65 98 FE E6 CF 6D 0B 28 09 00 00 26 18 84 C7 6D 25 01 02 18 "
        "8F 39 65 98 FE E6 CF 6D 0A 09 0B 00 00 26 18 84 8F 9D 25 01 02 18 "
        "8F 39 65 98 FE E6 CF 6D EE CD 00 12 00 6F 0D 00 00 00 24 01 02 2A",
        "expected": {
            "status": 0x00,  # SUCCESS
            "neighbor_table_entries": 22,
            "start_index": 18,
            "neighbor_table_list_count": 3,
            "neighbor_table_list[0].extended_pan_id": 0x6DCFE6FE9865398F,
            "neighbor_table_list[0].extended_address": 0x841826000009280B,
            "neighbor_table_list[0].network_address": 28103,
            "neighbor_table_list[0].device_info.device_type": 1,  # ROUTER
            "neighbor_table_list[0].device_info.rx_on_when_idle": 1,  # RX_ON
            "neighbor_table_list[0].device_info.relationship": 2,  # SIBLING
            "neighbor_table_list[0].joining_info.permit_joining": 1,  # ENABLED
            "neighbor_table_list[0].depth": 2,
            "neighbor_table_list[0].lqi": 24,
            "neighbor_table_list[1].extended_pan_id": 0x6DCFE6FE9865398F,
            "neighbor_table_list[1].extended_address": 0x84182600000B090A,
            "neighbor_table_list[1].network_address": 40335,
            "neighbor_table_list[1].device_info.device_type": 1,  # ROUTER
            "neighbor_table_list[1].device_info.rx_on_when_idle": 1,  # RX_ON
            "neighbor_table_list[1].device_info.relationship": 2,  # SIBLING
            "neighbor_table_list[1].joining_info.permit_joining": 1,  # ENABLED
            "neighbor_table_list[1].depth": 2,
            "neighbor_table_list[1].lqi": 24,
            "neighbor_table_list[2].extended_pan_id": 0x6DCFE6FE9865398F,
            "neighbor_table_list[2].extended_address": 0x000D6F001200CDEE,
            "neighbor_table_list[2].network_address": 0,
            "neighbor_table_list[2].device_info.device_type": 0,  # COORDINATOR
            "neighbor_table_list[2].device_info.rx_on_when_idle": 1,  # RX_ON
            "neighbor_table_list[2].device_info.relationship": 2,  # SIBLING
            "neighbor_table_list[2].joining_info.permit_joining": 1,  # ENABLED
            "neighbor_table_list[2].depth": 2,
            "neighbor_table_list[2].lqi": 42,
        },
        "note": "ManagementLqiResponse from 47113/0.",
    },
    {
        "name": "zss_log_bind_req_3e",
        "source": _ZSS_LOG,
        "cluster": 0x0021,
        "hex": "00 0A 09 0B 00 00 26 18 84 03 06 00 03 EE CD 00 12 00 6F 0D 00 01",
        "expected": {
            "src_address": 0x84182600000B090A,
            "src_endp": 3,
            "cluster_id": 6,
            "dst_addr_mode": 3,
            "dst_ieee_address": 0x000D6F001200CDEE,
            "dst_endp": 1,
        },
        "note": "BindRequest TID=3E (APS counter).",
    },
    {
        "name": "zss_log_mgmt_rtg_req",
        "source": _ZSS_LOG,
        "cluster": 0x0032,
        "hex": "00 00",
        "expected": {"start_index": 0},
        "note": "ManagementRoutingRequest to 35000/0.",
    },
    {
        "name": "zss_log_nwk_addr_req_broadcast",
        "source": _ZSS_LOG,
        "cluster": 0x0000,
        "hex": "00 02 00 00 00 00 08 22 00 00 00",
        "expected": {"ieee_addr": 0x0022080000000002, "request_type": 0, "start_index": 0},
        "note": "NetworkAddressRequest to 65535/0.",
    },
    {
        "name": "zss_log_permit_joining_req",
        "source": _ZSS_LOG,
        "cluster": 0x0036,
        "hex": "00 6F 01",
        "expected": {"permit_duration": 111, "tc_significance": 1},  # tcSignificance=true
        "note": "ManagementPermitJoiningRequest to 65532/0.",
    },
    {
        "name": "zss_log_permit_joining_rsp",
        "source": _ZSS_LOG,
        "cluster": 0x8036,
        "hex": "00 00",
        "expected": {"status": 0x00},  # SUCCESS
        "note": "ManagementPermitJoiningResponse.",
    },
    {
        "name": "zss_log_power_desc_req",
        "source": _ZSS_LOG,
        "cluster": 0x0003,
        "hex": "00 1B 7A",
        "expected": {"nwk_addr_of_interest": 31259},
        "note": "PowerDescriptorRequest to 31259/0.",
    },
    {
        "name": "zss_log_power_desc_rsp",
        "source": _ZSS_LOG,
        "cluster": 0x8003,
        "hex": "00 00 1B 7A 70 C1",
        "expected": {
            "status": 0x00,  # SUCCESS
            "nwk_addr_of_interest": 31259,
            "power_descriptor.current_power_mode": 0,  # RECEIVER_ON_IDLE
            "power_descriptor.available_power_sources": 0x7,  # MAINS, RECHARGABLE, DISPOSABLE
            "power_descriptor.current_power_source": 0x1,  # MAINS
            "power_descriptor.current_power_source_level": 0xC,  # FULL
        },
        "note": "Commented out (#) in the source file, with its decoded line.",
    },
    {
        "name": "zss_log_node_desc_req",
        "source": _ZSS_LOG,
        "cluster": 0x0002,
        "hex": "00 1B 7A",
        "expected": {"nwk_addr_of_interest": 31259},
        "note": "NodeDescriptorRequest to 31259/0.",
    },
    {
        "name": "zss_log_node_desc_rsp",
        "source": _ZSS_LOG,
        "cluster": 0x8002,
        "hex": "00 00 1B 7A 01 40 8E AA BB 40 00 00 00 00 00 00 03",
        "expected": {
            "status": 0x00,  # SUCCESS
            "nwk_addr_of_interest": 31259,
            "node_descriptor.aps_flags_and_frequency_band.aps_flags": 0,
            "node_descriptor.maximum_buffer_size": 64,
            "node_descriptor.type_flags.complex_descriptor_available": False,
            "node_descriptor.manufacturer_code": 48042,
            "node_descriptor.type_flags.logical_type": 1,  # ROUTER
            "node_descriptor.server_mask": 0,  # serverCapabilities=[]
            "node_descriptor.maximum_incoming_transfer_size": 0,
            "node_descriptor.maximum_outgoing_transfer_size": 0,
            "node_descriptor.type_flags.user_descriptor_available": False,
            "node_descriptor.aps_flags_and_frequency_band.frequency_band": 0x08,  # [2400 MHz]
            "node_descriptor.mac_capability_flags.device_type": 1,  # FULL_FUNCTION_DEVICE
            "node_descriptor.mac_capability_flags.receiver_on_when_idle": True,
            "node_descriptor.mac_capability_flags.power_source": 1,  # MAINS_POWER
            "node_descriptor.descriptor_capability_field"
            ".extended_active_endpoint_list_available": True,
            "node_descriptor.descriptor_capability_field"
            ".extended_simple_descriptor_list_available": True,
            "node_descriptor.server_mask.stack_compliance_revision": 0,
        },
        "note": "Commented out (#) in the source file, with its decoded line. The source lists "
        "the set MAC capabilities it knows; bit 7 (allocate address) of 0x8E is not among them.",
    },
    {
        "name": "zss_log_active_ep_req",
        "source": _ZSS_LOG,
        "cluster": 0x0005,
        "hex": "00 1B 7A",
        "expected": {"nwk_addr_of_interest": 31259},
        "note": "ActiveEndpointsRequest to 31259/0.",
    },
    {
        "name": "zss_log_active_ep_rsp",
        "source": _ZSS_LOG,
        "cluster": 0x8005,
        "hex": "00 00 1B 7A 01 03",
        "expected": {"status": 0x00, "nwk_addr_of_interest": 31259, "active_ep_list": [3]},
        "note": "Commented out (#) in the source file; its APS line says cluster 8002 but the "
        "decoded line says 8005 ActiveEndpointsResponse.",
    },
    {
        "name": "zss_log_simple_desc_req",
        "source": _ZSS_LOG,
        "cluster": 0x0004,
        "hex": "00 1B 7A 03",
        "expected": {"nwk_addr_of_interest": 31259, "endpoint": 3},
        "note": "SimpleDescriptorRequest to 31259/0.",
    },
    {
        "name": "zss_log_simple_desc_rsp",
        "source": _ZSS_LOG,
        "cluster": 0x8004,
        "hex": "00 00 1B 7A 1C 03 5E C0 10 02 02 09 00 10 00 00 03 00 04 00 05 00 06 00 08 00 "
        "00 03 0F FC 01 19 00",
        "expected": {
            "status": 0x00,  # SUCCESS
            "nwk_addr_of_interest": 31259,
            "length": 28,
            "simple_descriptor.endpoint": 3,
            "simple_descriptor.app_profile_id": 0xC05E,
            "simple_descriptor.app_device_id": 528,
            "simple_descriptor.app_device_version.version": 2,
            "simple_descriptor.app_input_cluster_list": [4096, 0, 3, 4, 5, 6, 8, 768, 64527],
            "simple_descriptor.app_output_cluster_list": [25],
        },
        "note": "SimpleDescriptorResponse from 31259/0.",
    },
    {
        "name": "zss_log_nwk_addr_req_1f",
        "source": _ZSS_LOG,
        "cluster": 0x0000,
        "hex": "00 43 1D A5 00 AA 3E B0 7C 00 00",
        "expected": {"ieee_addr": 0x7CB03EAA00A51D43, "request_type": 0, "start_index": 0},
        "note": "NetworkAddressRequest TID=1F.",
    },
    {
        "name": "zss_log_nwk_addr_rsp_single",
        "source": _ZSS_LOG,
        "cluster": 0x8000,
        "hex": "00 00 43 1D A5 00 AA 3E B0 7C 1B 7A",
        "expected": {
            "status": 0x00,  # SUCCESS
            "ieee_addr_remote_dev": 0x7CB03EAA00A51D43,
            "nwk_addr_remote_dev": 31259,
            "start_index": None,  # startIndex=null
            "nwk_addr_assoc_dev_list": [],  # nwkAddrAssocDevList=[]
        },
        "note": "Commented out (#) in the source file, with its decoded line. The source's empty "
        "list means 'no associated-device list in the frame' (ours: None).",
    },
    {
        "name": "zss_log_bind_req_2c",
        "source": _ZSS_LOG,
        "cluster": 0x0021,
        "hex": "00 D1 A0 00 01 00 97 6D 28 01 04 0B 03 49 58 D2 0E 00 6F 0D 00 01",
        "expected": {
            "src_address": 0x286D97000100A0D1,
            "src_endp": 1,
            "cluster_id": 2820,
            "dst_addr_mode": 3,
            "dst_ieee_address": 0x000D6F000ED25849,
            "dst_endp": 1,
        },
        "note": "BindRequest TID=2C.",
    },
    {
        "name": "zss_log_bind_rsp",
        "source": _ZSS_LOG,
        "cluster": 0x8021,
        "hex": "00 00",
        "expected": {"status": 0x00},  # SUCCESS
        "note": "BindResponse from 37410/0.",
    },
    {
        "name": "zss_log_mgmt_bind_req_not_declared",
        "source": _ZSS_LOG,
        "cluster": 0x0033,
        "hex": "00 00",
        "expected": {"tsn": 0x00, "rest": "00"},
        "note": "ManagementBindRequest (startIndex=0): Mgmt_Bind is not one of our commands, so "
        "the frame decodes with command None and its payload kept as bytes.",
    },
    # ---------------------------------------------------------------- zsmartsystems command tests
    {
        "name": "zss_mgmt_rtg_rsp",
        "source": _ZSS_CMD
        + "ManagementRoutingResponseTest.java@3034e2fb4d874c08f2f824bb70ca22e35a0048a5",
        "cluster": 0x8032,
        "hex": "00 00 01 00 01 2A 2F 00 35 38",
        "expected": {
            "routing_table_entries": 1,
            "start_index": 0,
            "routing_table_list[0].destination_address": 12074,
            "routing_table_list[0].next_hop_address": 14389,
            "routing_table_list[0].route_flags.status": 0,  # ACTIVE
        },
        "note": "testReceive.",
    },
    {
        "name": "zss_match_desc_req",
        "source": _ZSS_CMD
        + "MatchDescriptorRequestTest.java@001d1a11f701725204399e1d8a8e6ef221a73b36",
        "cluster": 0x0006,
        "hex": "2E FD FF 04 01 00 01 00 05",
        "expected": {
            "nwk_addr_of_interest": 65533,
            "profile_id": 260,
            "in_cluster_list": [],
            "out_cluster_list": [1280],
        },
        "note": "testReceive.",
    },
    {
        "name": "zss_power_desc_rsp",
        "source": _ZSS_CMD
        + "PowerDescriptorResponseTest.java@04065bfbb1efaf5dbe732cefafe578fb6fe4772d",
        "cluster": 0x8003,
        "hex": "00 00 00 00 10 C1",
        "expected": {
            "status": 0x00,  # SUCCESS
            "power_descriptor.current_power_source_level": 0xC,  # FULL
            "power_descriptor.current_power_mode": 0,  # RECEIVER_ON_IDLE
            "power_descriptor.current_power_source": 0x1,  # MAINS
        },
        "note": "testReceive.",
    },
    {
        "name": "zss_node_desc_rsp",
        "source": _ZSS_CMD
        + "NodeDescriptorResponseTest.java@001d1a11f701725204399e1d8a8e6ef221a73b36",
        "cluster": 0x8002,
        "hex": "00 00 00 00 00 40 8F CD AB 52 80 00 41 2A 80 00 00",
        "expected": {
            "node_descriptor.maximum_buffer_size": 82,
            "node_descriptor.maximum_incoming_transfer_size": 128,
            "node_descriptor.manufacturer_code": 43981,
        },
        "note": "testReceive.",
    },
    {
        "name": "zss_ieee_addr_rsp_ember_count_zero",
        "source": _ZSS_CMD
        + "IeeeAddressResponseTest.java@04065bfbb1efaf5dbe732cefafe578fb6fe4772d",
        "cluster": 0x8001,
        "hex": "00 00 BF 32 17 00 00 A3 22 00 00 00 00",
        "expected": {
            "ieee_addr_remote_dev": 0x0022A300001732BF,
            "status": 0x00,  # SUCCESS
            "start_index": None,  # assertNull(getStartIndex())
        },
        "note": "testReceiveShort ('This is from the Ember response!'): NumAssocDev 0 and no "
        "start index, as the spec has it for an extended response without associated devices.",
    },
    {
        "name": "zss_ieee_addr_rsp_single",
        "source": _ZSS_CMD
        + "IeeeAddressResponseTest.java@04065bfbb1efaf5dbe732cefafe578fb6fe4772d",
        "cluster": 0x8001,
        "hex": "00 00 42 CC 12 00 00 24 E5 7C AD B8",
        "expected": {
            "status": 0x00,  # SUCCESS
            "ieee_addr_remote_dev": 0x7CE524000012CC42,
            "nwk_addr_remote_dev": 47277,
        },
        "note": "testReceiveVeryShort ('This is from the Ember response!').",
    },
    {
        "name": "zss_ieee_addr_rsp_with_tail",
        "source": _ZSS_CMD
        + "IeeeAddressResponseTest.java@04065bfbb1efaf5dbe732cefafe578fb6fe4772d",
        "cluster": 0x8001,
        "hex": "00 00 EC A1 A5 01 00 8D 15 00 35 38 00 01 2A 2F",
        "expected": {
            "ieee_addr_remote_dev": 0x00158D0001A5A1EC,
            "status": 0x00,  # SUCCESS
        },
        "note": "testReceive. NumAssocDev 0 and start index 1 are followed by two more octets "
        "(2A 2F) that no associated device accounts for; the source asserts nothing about them "
        "(we keep them in rest).",
    },
    {
        "name": "zss_nwk_addr_rsp",
        "source": _ZSS_CMD
        + "NetworkAddressResponseTest.java@001d1a11f701725204399e1d8a8e6ef221a73b36",
        "cluster": 0x8000,
        "hex": "00 00 43 1D A5 00 AA 3E B0 7C 74 3B",
        "expected": {"ieee_addr_remote_dev": 0x7CB03EAA00A51D43, "status": 0x00},
        "note": "testReceive.",
    },
    {
        "name": "zss_mgmt_lqi_rsp",
        "source": _ZSS_CMD
        + "ManagementLqiResponseTest.java@1a8f8a25a528a6bca540c973db4b785148ac49aa",
        "cluster": 0x8031,
        "hex": "00 00 02 00 02 14 D4 F1 02 00 4B 12 00 0B 88 DC 00 01 88 17 00 8F 22 15 02 01 3B "
        "14 D4 F1 02 00 4B 12 00 EC A1 A5 01 00 8D 15 00 35 38 15 02 01 58",
        "expected": {
            "neighbor_table_entries": 2,
            "start_index": 0,
            "neighbor_table_list_count": 2,
            "neighbor_table_list[0].lqi": 59,
            "neighbor_table_list[0].joining_info.permit_joining": 2,  # UNKNOWN
            "neighbor_table_list[0].depth": 1,
            "neighbor_table_list[0].device_info.relationship": 1,  # CHILD
            "neighbor_table_list[0].device_info.device_type": 1,  # ROUTER
            "neighbor_table_list[0].device_info.rx_on_when_idle": 1,  # RX_ON
            "neighbor_table_list[0].extended_address": 0x0017880100DC880B,
        },
        "note": "testReceive (the source checks the list has 2 records).",
    },
    {
        "name": "zss_simple_desc_rsp",
        "source": _ZSS_CMD
        + "SimpleDescriptorResponseTest.java@0f9bf7c049cb570b48d0546e1d665b255d9246b3",
        "cluster": 0x8004,
        "hex": "00 00 00 00 14 01 04 01 00 00 00 03 00 00 01 00 06 00 03 00 00 01 00 06 00",
        "expected": {
            "status": 0x00,  # SUCCESS
            "nwk_addr_of_interest": 0,
            "simple_descriptor.endpoint": 1,
            "simple_descriptor.app_profile_id": 0x104,
            "simple_descriptor.app_input_cluster_list": [0, 1, 6],
            "simple_descriptor.app_output_cluster_count": 3,
        },
        "note": "testReceive: the source asserts 3 input clusters containing 0, 1 and 6, and 3 "
        "output clusters.",
    },
    {
        "name": "zss_active_ep_rsp_one",
        "source": _ZSS_CMD
        + "ActiveEndpointsResponseTest.java@04065bfbb1efaf5dbe732cefafe578fb6fe4772d",
        "cluster": 0x8005,
        "hex": "00 00 00 00 01 01",
        "expected": {"status": 0x00, "nwk_addr_of_interest": 0, "active_ep_list": [1]},
        "note": "testReceive.",
    },
    {
        "name": "zss_active_ep_rsp_six",
        "source": _ZSS_CMD
        + "ActiveEndpointsResponseTest.java@04065bfbb1efaf5dbe732cefafe578fb6fe4772d",
        "cluster": 0x8005,
        "hex": "00 00 BD 97 06 01 02 03 04 C8 E8",
        "expected": {
            "status": 0x00,
            "nwk_addr_of_interest": 0x97BD,
            "active_ep_list": [1, 2, 3, 4, 0xC8, 0xE8],
        },
        "note": "testReceive2.",
    },
    {
        "name": "zss_match_desc_rsp_one",
        "source": _ZSS_CMD
        + "MatchDescriptorResponseTest.java@0f9bf7c049cb570b48d0546e1d665b255d9246b3",
        "cluster": 0x8006,
        "hex": "00 00 D2 04 01 01",
        "expected": {"status": 0x00, "nwk_addr_of_interest": 1234, "match_list": [1]},
        "encode_from": {"status": 0x00, "nwk_addr_of_interest": 1234, "match_list": [1]},
        "note": "testSendEndpoint1: MatchDescriptorResponse(SUCCESS, 1234, [1]) serialises to "
        "these octets (TSN left 0).",
    },
    {
        "name": "zss_match_desc_rsp_two",
        "source": _ZSS_CMD
        + "MatchDescriptorResponseTest.java@0f9bf7c049cb570b48d0546e1d665b255d9246b3",
        "cluster": 0x8006,
        "hex": "00 00 D2 04 02 01 02",
        "expected": {"status": 0x00, "nwk_addr_of_interest": 1234, "match_list": [1, 2]},
        "encode_from": {"status": 0x00, "nwk_addr_of_interest": 1234, "match_list": [1, 2]},
        "note": "testSendEndpoint2.",
    },
    {
        "name": "zss_permit_joining_req",
        "source": _ZSS_CMD
        + "ManagementPermitJoiningRequestTest.java@04065bfbb1efaf5dbe732cefafe578fb6fe4772d",
        "cluster": 0x0036,
        "hex": "00 FF 01",
        "expected": {"permit_duration": 255, "tc_significance": 1},
        "encode_from": {"permit_duration": 255, "tc_significance": 1},
        "note": "ManagementPermitJoiningRequest(255, true) serialises to these octets.",
    },
    # ---------------------------------------------------------------- zigpy
    {
        "name": "zigpy_node_desc_req_with_excess",
        "source": _ZIGPY_ZDO + " (test_deserialize)",
        "cluster": 0x0002,
        "hex": "01 02 03 78 78",
        "expected": {"tsn": 1, "nwk_addr_of_interest": 0x0302, "rest": "7878"},
        "note": "zdo.deserialize(2, b'\\x01\\x02\\x03xx'): hdr.tsn == 1, args == [0x0302]; the "
        "two 'x' octets are left over.",
    },
    # ---------------------------------------------------------------- zigbee-herdsman (builders)
    {
        "name": "herdsman_nwk_addr_req_single",
        "source": _HM + " (buildNetworkAddressRequest); " + _HM_CONSTANTS,
        "cluster": 0x0000,
        "hex": "00 11 83 ff 85 23 ac 34 fe 00 01",
        "expected": {"ieee_addr": 0xFE34AC2385FF8311, "request_type": 0, "start_index": 1},
        "encode_from": {"ieee_addr": 0xFE34AC2385FF8311, "request_type": 0, "start_index": 1},
        "note": "buildNetworkAddressRequest(IEEE_ADDRESS1, false, 1).",
    },
    {
        "name": "herdsman_nwk_addr_req_extended",
        "source": _HM + " (buildNetworkAddressRequest); " + _HM_CONSTANTS,
        "cluster": 0x0000,
        "hex": "00 37 ba 34 d8 ec 3f 37 28 01 03",
        "expected": {"ieee_addr": 0x28373FECD834BA37, "request_type": 1, "start_index": 3},
        "encode_from": {"ieee_addr": 0x28373FECD834BA37, "request_type": 1, "start_index": 3},
        "note": "buildNetworkAddressRequest(IEEE_ADDRESS2, true, 3).",
    },
    {
        "name": "herdsman_ieee_addr_req_extended",
        "source": _HM + " (buildIeeeAddressRequest); " + _HM_CONSTANTS,
        "cluster": 0x0001,
        "hex": "00 32 fe 01 03",
        "expected": {"nwk_addr_of_interest": 0xFE32, "request_type": 1, "start_index": 3},
        "encode_from": {"nwk_addr_of_interest": 0xFE32, "request_type": 1, "start_index": 3},
        "note": "buildIeeeAddressRequest(NODE_ID1, true, 3).",
    },
    {
        "name": "herdsman_simple_desc_req",
        "source": _HM + " (buildSimpleDescriptorRequest); " + _HM_CONSTANTS,
        "cluster": 0x0004,
        "hex": "00 32 fe 03",
        "expected": {"nwk_addr_of_interest": 0xFE32, "endpoint": 3},
        "encode_from": {"nwk_addr_of_interest": 0xFE32, "endpoint": 3},
        "note": "buildSimpleDescriptorRequest(NODE_ID1, 3).",
    },
    {
        "name": "herdsman_match_desc_req",
        "source": _HM + " (buildMatchDescriptorRequest); " + _HM_CONSTANTS,
        "cluster": 0x0006,
        "hex": "00 32 fe 04 01 03 09 00 02 07 03 0b 04 06 00 00 00 00 05 08 00",
        "expected": {
            "nwk_addr_of_interest": 0xFE32,
            "profile_id": 0x0104,
            "in_cluster_list": [0x0009, 0x0702, 0x0B03],
            "out_cluster_list": [0x0006, 0x0000, 0x0500, 0x0008],
        },
        "encode_from": {
            "nwk_addr_of_interest": 0xFE32,
            "profile_id": 0x0104,
            "in_cluster_list": [0x0009, 0x0702, 0x0B03],
            "out_cluster_list": [0x0006, 0x0000, 0x0500, 0x0008],
        },
        "note": "buildMatchDescriptorRequest(NODE_ID1, HA_PROFILE_ID, CLUSTER_LIST1, "
        "CLUSTER_LIST2): HA_PROFILE_ID 0x0104 (src/zspec/consts.ts); CLUSTER_LIST1 = genAlarms, "
        "seMetering, haApplianceStatistics (0x0009, 0x0702, 0x0B03); CLUSTER_LIST2 = genOnOff, "
        "genBasic, ssIasZone, genLevelCtrl (0x0006, 0x0000, 0x0500, 0x0008).",
    },
    {
        "name": "herdsman_system_server_discovery_req_r23",
        "source": _HM + " (buildSystemServiceDiscoveryRequest)",
        "cluster": 0x0015,
        "hex": "00 41 2e",
        "expected": {
            "server_mask": 0b0010111001000001,
            "server_mask.primary_trust_center": True,
            "server_mask.backup_trust_center": False,
            "server_mask.network_manager": True,
            "server_mask.stack_compliance_revision": 23,
        },
        "encode_from": {
            "server_mask": {
                "primary_trust_center": True,
                "network_manager": True,
                "stack_compliance_revision": 23,
            }
        },
        "note": "primaryTrustCenter 1, networkManager 1, stackComplianceResivion 23, the rest 0 "
        "-> [0, ...uint16To8Array(0b0010111001000001)].",
    },
    {
        "name": "herdsman_bind_req_unicast",
        "source": _HM + " (buildBindRequest); " + _HM_CONSTANTS,
        "cluster": 0x0021,
        "hex": "00 11 83 ff 85 23 ac 34 fe 02 02 07 03 37 ba 34 d8 ec 3f 37 28 40",
        "expected": {
            "src_address": 0xFE34AC2385FF8311,
            "src_endp": 2,
            "cluster_id": 0x0702,
            "dst_addr_mode": 3,
            "dst_ieee_address": 0x28373FECD834BA37,
            "dst_endp": 64,
        },
        "encode_from": {
            "src_address": 0xFE34AC2385FF8311,
            "src_endp": 2,
            "cluster_id": 0x0702,
            "dst_addr_mode": 3,
            "dst_ieee_address": 0x28373FECD834BA37,
            "dst_endp": 64,
        },
        "note": "buildBindRequest(IEEE_ADDRESS1, 2, seMetering, UNICAST_BINDING, IEEE_ADDRESS2, "
        "123, 64): UNICAST_BINDING = 0x03 (src/zspec/zdo/definition/consts.ts); the group 123 "
        "is not sent.",
    },
    {
        "name": "herdsman_bind_req_group",
        "source": _HM + " (buildBindRequest); " + _HM_CONSTANTS,
        "cluster": 0x0021,
        "hex": "00 11 83 ff 85 23 ac 34 fe 03 02 07 01 7b 00",
        "expected": {
            "src_address": 0xFE34AC2385FF8311,
            "src_endp": 3,
            "cluster_id": 0x0702,
            "dst_addr_mode": 1,
            "dst_group_address": 123,
            "dst_ieee_address": None,
            "dst_endp": None,
        },
        "encode_from": {
            "src_address": 0xFE34AC2385FF8311,
            "src_endp": 3,
            "cluster_id": 0x0702,
            "dst_addr_mode": 1,
            "dst_group_address": 123,
        },
        "note": "buildBindRequest(IEEE_ADDRESS1, 3, seMetering, MULTICAST_BINDING, "
        "IEEE_ADDRESS2, 123, 64): MULTICAST_BINDING = 0x01; neither the IEEE address nor the "
        "endpoint is sent.",
    },
    {
        "name": "herdsman_unbind_req_unicast",
        "source": _HM + " (buildUnbindRequest); " + _HM_CONSTANTS,
        "cluster": 0x0022,
        "hex": "00 11 83 ff 85 23 ac 34 fe 02 02 07 03 37 ba 34 d8 ec 3f 37 28 40",
        "expected": {
            "src_address": 0xFE34AC2385FF8311,
            "dst_addr_mode": 3,
            "dst_ieee_address": 0x28373FECD834BA37,
            "dst_endp": 64,
        },
        "encode_from": {
            "src_address": 0xFE34AC2385FF8311,
            "src_endp": 2,
            "cluster_id": 0x0702,
            "dst_addr_mode": 3,
            "dst_ieee_address": 0x28373FECD834BA37,
            "dst_endp": 64,
        },
        "note": "buildUnbindRequest with the same arguments as the unicast bind.",
    },
    {
        "name": "herdsman_unbind_req_group",
        "source": _HM + " (buildUnbindRequest); " + _HM_CONSTANTS,
        "cluster": 0x0022,
        "hex": "00 11 83 ff 85 23 ac 34 fe 03 02 07 01 7b 00",
        "expected": {"dst_addr_mode": 1, "dst_group_address": 123},
        "encode_from": {
            "src_address": 0xFE34AC2385FF8311,
            "src_endp": 3,
            "cluster_id": 0x0702,
            "dst_addr_mode": 1,
            "dst_group_address": 123,
        },
        "note": "buildUnbindRequest with the same arguments as the group bind.",
    },
    {
        "name": "herdsman_lqi_table_req",
        "source": _HM + " (buildLqiTableRequest)",
        "cluster": 0x0031,
        "hex": "00 fe",
        "expected": {"start_index": 254},
        "encode_from": {"start_index": 254},
        "note": "buildLqiTableRequest(254).",
    },
    {
        "name": "herdsman_routing_table_req",
        "source": _HM + " (buildRoutingTableRequest)",
        "cluster": 0x0032,
        "hex": "00 01",
        "expected": {"start_index": 1},
        "encode_from": {"start_index": 1},
        "note": "buildRoutingTableRequest(1).",
    },
    {
        "name": "herdsman_leave_req_without_rejoin",
        "source": _HM + " (buildLeaveRequest); " + _HM_CONSTANTS,
        "cluster": 0x0034,
        "hex": "00 37 ba 34 d8 ec 3f 37 28 00",
        "expected": {"device_address": 0x28373FECD834BA37, "flags": 0x00},
        "encode_from": {"device_address": 0x28373FECD834BA37, "flags": 0x00},
        "note": "buildLeaveRequest(IEEE_ADDRESS2, LeaveRequestFlags.WITHOUT_REJOIN = 0x00) "
        "(src/zspec/zdo/definition/enums.ts).",
    },
    {
        "name": "herdsman_leave_req_and_rejoin",
        "source": _HM + " (buildLeaveRequest); " + _HM_CONSTANTS,
        "cluster": 0x0034,
        "hex": "00 37 ba 34 d8 ec 3f 37 28 80",
        "expected": {"device_address": 0x28373FECD834BA37, "flags": 0x80},
        "encode_from": {"device_address": 0x28373FECD834BA37, "flags": ["rejoin"]},
        "note": "buildLeaveRequest(IEEE_ADDRESS2, LeaveRequestFlags.AND_REJOIN = 0x80).",
    },
    {
        "name": "herdsman_permit_joining_req",
        "source": _HM + " (buildPermitJoining)",
        "cluster": 0x0036,
        "hex": "00 fe 01",
        "expected": {"permit_duration": 254, "tc_significance": 1},
        "encode_from": {"permit_duration": 254, "tc_significance": 1},
        "note": "buildPermitJoining(254, 1, []).",
    },
]

ZDO_PAYLOADS: list[dict[str, Any]] = [
    {
        "name": "herdsman_nwk_addr_rsp_single",
        "source": _HM + " (readNetworkAddressResponse); " + _HM_CONSTANTS,
        "cluster": 0x8000,
        "hex": "00 11 83 ff 85 23 ac 34 fe 32 fe",
        "expected": {
            "status": 0x00,
            "ieee_addr_remote_dev": 0xFE34AC2385FF8311,
            "nwk_addr_remote_dev": 0xFE32,
            "nwk_addr_assoc_dev_list": [],  # assocDevList: []
        },
        "note": "The source's reader reports startIndex 0 and an empty list for a frame that "
        "carries neither (its defaults); we state only the list, as 'no associated devices'.",
    },
    {
        "name": "herdsman_nwk_addr_rsp_extended",
        "source": _HM + " (readNetworkAddressResponse); " + _HM_CONSTANTS,
        "cluster": 0x8000,
        "hex": "00 37 ba 34 d8 ec 3f 37 28 32 fe 02 03 7b 00 2b cd",
        "expected": {
            "status": 0x00,
            "ieee_addr_remote_dev": 0x28373FECD834BA37,
            "nwk_addr_remote_dev": 0xFE32,
            "start_index": 3,
            "nwk_addr_assoc_dev_list": [123, 52523],
        },
        "note": "bufferWAssoc: count 2, start index 3, addresses 123 and 52523.",
    },
    {
        "name": "herdsman_ieee_addr_rsp_extended",
        "source": _HM + " (readIEEEAddressResponse); " + _HM_CONSTANTS,
        "cluster": 0x8001,
        "hex": "00 37 ba 34 d8 ec 3f 37 28 32 fe 02 03 7b 00 2b cd",
        "expected": {
            "ieee_addr_remote_dev": 0x28373FECD834BA37,
            "nwk_addr_remote_dev": 0xFE32,
            "start_index": 3,
            "nwk_addr_assoc_dev_list": [123, 52523],
        },
        "note": "bufferWAssoc on the IEEE address response reader.",
    },
    {
        "name": "herdsman_power_desc_rsp",
        "source": _HM + " (readPowerDescriptorResponse); " + _HM_CONSTANTS,
        "cluster": 0x8003,
        "hex": "00 32 fe a4 f4",
        "expected": {
            "nwk_addr_of_interest": 0xFE32,
            "power_descriptor.current_power_mode": 0b0100,
            "power_descriptor.available_power_sources": 0b1010,
            "power_descriptor.current_power_source": 0b0100,
            "power_descriptor.current_power_source_level": 0b1111,
        },
        "note": "Octets 0b10100100, 0b11110100 (values deliberately outside the defined ones).",
    },
    {
        "name": "herdsman_simple_desc_rsp",
        "source": _HM + " (readSimpleDescriptorResponse); " + _HM_CONSTANTS,
        "cluster": 0x8004,
        "hex": "00 32 fe 08 01 04 01 7b 00 00 02 e5 1d 70 02 01 ca 14",
        "expected": {
            "nwk_addr_of_interest": 0xFE32,
            "simple_descriptor.endpoint": 1,
            "simple_descriptor.app_profile_id": 0x0104,
            "simple_descriptor.app_device_id": 123,
            "simple_descriptor.app_device_version.version": 0,
            "simple_descriptor.app_input_cluster_list": [7653, 624],
            "simple_descriptor.app_output_cluster_list": [5322],
        },
        "note": "HA_ENDPOINT = 0x01, HA_PROFILE_ID = 0x0104 (src/zspec/consts.ts). The length "
        "octet says 8 although the descriptor takes 14; the source's reader ignores it.",
    },
    {
        "name": "herdsman_simple_desc_rsp_no_clusters",
        "source": _HM + " (readSimpleDescriptorResponse); " + _HM_CONSTANTS,
        "cluster": 0x8004,
        "hex": "00 32 fe 08 01 04 01 7b 00 00 00 00",
        "expected": {
            "nwk_addr_of_interest": 0xFE32,
            "simple_descriptor.endpoint": 1,
            "simple_descriptor.app_profile_id": 0x0104,
            "simple_descriptor.app_device_id": 123,
            "simple_descriptor.app_input_cluster_list": [],
            "simple_descriptor.app_output_cluster_list": [],
        },
        "note": "bufferEmpty.",
    },
    {
        "name": "herdsman_active_ep_rsp",
        "source": _HM + " (readActiveEndpointsResponse); " + _HM_CONSTANTS,
        "cluster": 0x8005,
        "hex": "00 32 fe 02 ef 87",
        "expected": {"nwk_addr_of_interest": 0xFE32, "active_ep_list": [0xEF, 0x87]},
        "note": "buffer.",
    },
    {
        "name": "herdsman_active_ep_rsp_empty",
        "source": _HM + " (readActiveEndpointsResponse); " + _HM_CONSTANTS,
        "cluster": 0x8005,
        "hex": "00 32 fe 00",
        "expected": {"nwk_addr_of_interest": 0xFE32, "active_ep_list": []},
        "note": "bufferEmpty.",
    },
    {
        "name": "herdsman_match_desc_rsp",
        "source": _HM + " (readMatchDescriptorsResponse); " + _HM_CONSTANTS,
        "cluster": 0x8006,
        "hex": "00 32 fe 02 ef 87",
        "expected": {"nwk_addr_of_interest": 0xFE32, "match_list": [0xEF, 0x87]},
        "note": "buffer.",
    },
    {
        "name": "herdsman_device_annce",
        "source": _HM + " (readEndDeviceAnnounce); " + _HM_CONSTANTS,
        "cluster": 0x0013,
        "hex": "32 fe 37 ba 34 d8 ec 3f 37 28 40",
        "expected": {
            "nwk_addr": 0xFE32,
            "ieee_addr": 0x28373FECD834BA37,
            "capability.alternate_pan_coordinator": False,
            "capability.device_type": 0,
            "capability.power_source": 0,
            "capability.receiver_on_when_idle": False,
            "capability.security_capability": True,
            "capability.allocate_address": False,
        },
        "note": "Capabilities 0b01000000: only securityCapability is 1.",
    },
    {
        "name": "herdsman_lqi_table_rsp",
        "source": _HM + " (readLQITableResponse); " + _HM_CONSTANTS,
        "cluster": 0x8031,
        "hex": "00 10 03 02 fd e7 15 03 00 2c 18 2e 11 83 ff 85 23 ac 34 fe 39 ab 25 01 01 eb "
        "03 2b 38 17 41 17 43 17 37 ba 34 d8 ec 3f 37 28 32 fe 42 00 01 b3",
        "expected": {
            "neighbor_table_entries": 16,
            "start_index": 3,
            "neighbor_table_list[0].extended_pan_id": 0x2E182C000315E7FD,
            "neighbor_table_list[0].extended_address": 0xFE34AC2385FF8311,
            "neighbor_table_list[0].network_address": 0xAB39,
            "neighbor_table_list[0].device_info.device_type": 1,
            "neighbor_table_list[0].device_info.rx_on_when_idle": 1,
            "neighbor_table_list[0].device_info.relationship": 2,
            "neighbor_table_list[0].joining_info.permit_joining": 1,
            "neighbor_table_list[0].depth": 1,
            "neighbor_table_list[0].lqi": 235,
            "neighbor_table_list[1].extended_pan_id": 0x1743174117382B03,
            "neighbor_table_list[1].extended_address": 0x28373FECD834BA37,
            "neighbor_table_list[1].network_address": 0xFE32,
            "neighbor_table_list[1].device_info.device_type": 2,
            "neighbor_table_list[1].device_info.rx_on_when_idle": 0,
            "neighbor_table_list[1].device_info.relationship": 4,
            "neighbor_table_list[1].joining_info.permit_joining": 0,
            "neighbor_table_list[1].depth": 1,
            "neighbor_table_list[1].lqi": 179,
        },
        "note": "EXT_PAN_ID2 = [253, 231, 21, 3, 0, 44, 24, 46] and EXT_PAN_ID1 = [3, 43, 56, "
        "23, 65, 23, 67, 23] are octets in wire order (the source compares them as such); the "
        "values above are those octets read little-endian.",
    },
    {
        "name": "herdsman_lqi_table_rsp_empty",
        "source": _HM + " (readLQITableResponse)",
        "cluster": 0x8031,
        "hex": "00 05 04 00",
        "expected": {"neighbor_table_entries": 5, "start_index": 4, "neighbor_table_list": []},
        "note": "bufferEmpty.",
    },
    {
        "name": "herdsman_routing_table_rsp",
        "source": _HM + " (readRoutingTableResponse); " + _HM_CONSTANTS,
        "cluster": 0x8032,
        "hex": "00 04 03 01 39 ab 28 32 fe",
        "expected": {
            "routing_table_entries": 4,
            "start_index": 3,
            "routing_table_list[0].destination_address": 0xAB39,
            "routing_table_list[0].route_flags.status": 0,
            "routing_table_list[0].route_flags.memory_constrained": True,
            "routing_table_list[0].route_flags.many_to_one": False,
            "routing_table_list[0].route_flags.route_record_required": True,
            "routing_table_list[0].next_hop_address": 0xFE32,
        },
        "note": "Status octet 0b00101000.",
    },
    {
        "name": "herdsman_routing_table_rsp_empty",
        "source": _HM + " (readRoutingTableResponse)",
        "cluster": 0x8032,
        "hex": "00 00 00 00",
        "expected": {"routing_table_entries": 0, "start_index": 0, "routing_table_list": []},
        "note": "bufferEmpty.",
    },
]

DESCRIPTOR_VECTORS: list[dict[str, Any]] = [
    {
        "name": "zigpy_node_descriptor",
        "source": _ZIGPY_TYPES + " (test_node_descriptor)",
        "schema": "NODE_DESCRIPTOR",
        "hex": "00 01 02 03 03 04 05 05 06 06 07 07 08",
        "rest": "ff",
        "expected": {
            "type_flags.logical_type": 0,
            "type_flags.complex_descriptor_available": False,
            "type_flags.user_descriptor_available": False,
            "aps_flags_and_frequency_band.aps_flags": 1,
            "aps_flags_and_frequency_band.frequency_band": 0,
            "mac_capability_flags": 0x02,
            "manufacturer_code": 0x0303,
            "maximum_buffer_size": 0x04,
            "maximum_incoming_transfer_size": 0x0505,
            "server_mask": 0x0606,
            "maximum_outgoing_transfer_size": 0x0707,
            "descriptor_capability_field": 0x08,
        },
        "note": "zigpy's 'reserved' (bits 5-7 of octet 0) is 0: our fragmentation_supported "
        "(bit 5) is False.",
    },
    {
        "name": "zigpy_neighbor",
        "source": _ZIGPY_TYPES + " (test_neighbor)",
        "schema": "NEIGHBOR_TABLE_RECORD",
        "hex": "a2 af 8c 59 f5 03 96 b4 3a 70 07 fe ff 57 b4 14 d1 b7 12 01 01 48",
        "rest": "55 aa 65 78 74 72 61 00",
        "expected": {
            "extended_pan_id": 0xB49603F5598CAFA2,  # "b4:96:03:f5:59:8c:af:a2"
            "extended_address": 0x14B457FFFE07703A,  # "14:b4:57:ff:fe:07:70:3a"
            "network_address": 0xB7D1,
            "device_info.device_type": 2,  # EndDevice
            "device_info.rx_on_when_idle": 0,  # Off
            "device_info.relationship": 1,  # Child
            "joining_info.permit_joining": 1,  # Accepting
            "depth": 1,
            "lqi": 72,
        },
        "note": "Followed by b'\\x55\\xaaextra\\x00', which the source finds left over.",
    },
]

REJECTED_FRAMES: list[dict[str, Any]] = [
    {
        "name": "zss_power_desc_rsp_not_supported_status_only",
        "source": _ZSS_CMD
        + "PowerDescriptorResponseTest.java@04065bfbb1efaf5dbe732cefafe578fb6fe4772d",
        "cluster": 0x8003,
        "hex": "84 84",
        "tsn": 0x84,
        "status": 0x84,  # NOT_SUPPORTED
        "note": "testReceiveNotSupported: TSN 0x84, status NOT_SUPPORTED, and nothing else; the "
        "source reads no power descriptor. NWKAddrOfInterest is missing.",
    },
    {
        "name": "zss_simple_desc_rsp_device_not_found_without_length",
        "source": _ZSS_CMD
        + "SimpleDescriptorResponseTest.java@0f9bf7c049cb570b48d0546e1d665b255d9246b3",
        "cluster": 0x8004,
        "hex": "00 81 00 01",
        "tsn": 0x00,
        "status": 0x81,  # DEVICE_NOT_FOUND
        "note": "testReceiveError: status DEVICE_NOT_FOUND and no simple descriptor; the "
        "Length octet that follows NWKAddrOfInterest is missing.",
    },
]

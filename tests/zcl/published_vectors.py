"""ZCL test vectors taken from published sources (not computed by segateway).

Every entry pairs bytes that a third-party source prints with the meaning that the
same source states for them (assertions in a test suite, a decoded log line, or
field-by-field annotation in a manual). Nothing here was encoded or decoded by us;
the values are transcribed.  The vectors built for se-spec.md section 6.6 are
deliberately NOT repeated here.

Lists
-----
PUBLISHED_VECTORS
    Whole ZCL frames (ZCL header + payload = APS payload), hex, lowercase, no spaces.
    Keys: name, source, cluster, hex, header, command, expected, note.
    ``header`` contains only the keys the source states among frame_type (0 global /
    1 cluster), manufacturer_specific, manufacturer, direction (0 client->server /
    1 server->client), disable_default_response, tsn, command_id.
    ``expected`` is the decoded value as the source states it. Records use the keys
    attribute_id, status, data_type, value, direction, min_interval, max_interval,
    reportable_change, timeout.  A key that the source does not state is absent;
    ``expected`` is None when the source asserts nothing about the payload.
PUBLISHED_PAYLOADS
    ZCL payloads without header (the source gives no header, or only part of it).
    Keys: name, source, cluster, command, direction (0/1, or None if not stated),
    hex, expected, note.
PUBLISHED_TYPE_VECTORS
    Single ZCL data-type encodings (no attribute id, no type byte unless noted).
    Keys: name, source, data_type, hex, expected, note.

Source abbreviations used in the "source" strings are spelled out in full; GitHub
sources are "owner/repo path@commit (test name or line)".  zigpy (GPL) is used
only for facts: the bytes and the values its tests assert; no code is taken.

Conventions for values: integers stay integers (ids written in hex where the source
uses hex), strings are str, octet strings are bytes, floats are float, NaN/"non-value"
fields are None.  Field names of the sources (e.g. herdsman attrId/attrData, zsmartsystems
attributeIdentifier) are converted to the snake_case keys above; nothing else is changed.
"""

from __future__ import annotations

from typing import Any

_HM = "Koenkk/zigbee-herdsman test/zcl.test.ts@00637e89bff7666079b85cd4bff6bc8ecbb2c308"
_HMF = (
    "Koenkk/zigbee-herdsman test/zspec/zcl/frame.test.ts@005a47877ecb7d68ea497b12c5ed35a078fb4a60"
)
_ZSS = "zsmartsystems/com.zsmartsystems.zigbee com.zsmartsystems.zigbee/src/test/"
_ZSS_GEN = _ZSS + (
    "resource/logs/cluster-FFFF-General.txt@227e41775fb05f098b42732d1f4a5497f0787961"
)
_ZSS_GEN2 = _ZSS + (
    "resource/logs/cluster-FFFF-General.txt@c50ef610b43dc223f16a72f3d469fa669a400b41"
)
_ZSS_KE = _ZSS + (
    "resource/logs/cluster-0800-KeyEstablishment.txt@9516d1735a75afdf4adad39d38717e0ff7f20f83"
)
_ZSS_BASIC = _ZSS + (
    "resource/logs/cluster-0000-Basic.txt@0257da0d0fabc5894913b4625ee2c78e68e172b0"
)
_ZSS_BASIC_CUSTOM = _ZSS + (
    "resource/logs/cluster-0000-Basic-custom.txt@227e41775fb05f098b42732d1f4a5497f0787961"
)
_ZSS_J = _ZSS + "java/com/zsmartsystems/zigbee/zcl/"
_ZP_ZCL = "zigpy/zigpy tests/test_zcl.py@00613b077c53fa7c33a3dea55182b61b50c7a1fb"
_ZP_FND = "zigpy/zigpy tests/test_zcl_foundation.py@028534de5d62fee1599d6f54b058671d7120e545"
_ZP_CLU = "zigpy/zigpy tests/test_zcl_clusters.py@04a13655ea995256d8ea12f5446532647bfc2067"
_XBEE_S2C = (
    "Digi XBee/XBee-PRO S2C Zigbee RF Module User Guide, 'Send Public Profile "
    "Commands with the API', pp. 215-219 (manualshive.com/en/manual/digi/xbee/2496239); "
    "same table in XBee/XBee-PRO ZB RF Modules manual (2009) p. 119"
)
_XBEE3 = (
    "Digi XBee 3 Zigbee RF Module User Manual, 'Send Zigbee cluster library (ZCL) "
    "commands with the API', p. 246 (manualslib.com/manual/1799228)"
)
_SILABS_THREAD = (
    "Silicon Labs community thread 'Sampled-Data Metering Payload' "
    "(community.silabs.com/t5/Mesh/Sampled-Data-Metering-Payload/m-p/159186)"
)

PUBLISHED_VECTORS: list[dict[str, Any]] = [
    # ------------------------------------------------------------------------------
    # Smart Energy clusters
    # ------------------------------------------------------------------------------
    {
        "name": "drlc_load_control_event_xbee",
        "source": _XBEE_S2C,
        "cluster": 0x0701,
        "hex": "0901007856341214000000000000010004ffff0080008080ff00",
        "header": {
            "frame_type": 1,
            "manufacturer_specific": False,
            "direction": 1,
            "disable_default_response": False,
            "tsn": 0x01,
            "command_id": 0x00,
        },
        "command": "load_control_event",
        "expected": {
            "issuer_event_id": 0x12345678,
            "device_class": 0x0014,
            "utility_enrollment_group": 0x00,
            "start_time": 0x00000000,
            "duration_in_minutes": 1,
            "criticality_level": 0x04,
            "cooling_temperature_offset": 0xFF,
            "heating_temperature_offset": 0xFF,
            "cooling_temperature_set_point": 0x8000,
            "heating_temperature_set_point": 0x8000,
            "average_load_adjustment_percentage": 0x80,
            "duty_cycle": 0xFF,
            "event_control": 0x00,
        },
        "note": (
            "Manual annotates every byte (offsets 23-48 of an XBee 0x11 API frame): device "
            "class 0x0014 = smart appliances + water heaters, start 0 = 'now', criticality "
            "0x04 = 'voluntary', 0xFF offsets / 0x8000 set points / 0x80 load adj / 0xFF duty "
            "cycle = 'not used'. Manual labels offset 40 'Cooling temperature' and offset 48 "
            "'Duty cycle event control' (spec names: Cooling Temperature Offset, Event "
            "Control). Frame control 0x09 described as: type 01 cluster-specific, direction "
            "1 server->client, default response not disabled. API checksum 0x5B in the manual "
            "matches these bytes; the manual's length field (0x0019) is a copy error from the "
            "read-attributes example (real frame data is 0x2E bytes)."
        ),
    },
    {
        "name": "ke_initiate_key_establishment_response_zss",
        "source": _ZSS_KE + " (only entry)",
        "cluster": 0x0800,
        "hex": (
            "09030001000b10"
            "0306861705ec70578bdee50a439e9a188fce404b0863"
            "eeeeeeeeeeeeeeee"
            "5445535453454341"
            "0109000f000000000000"
        ),
        "header": {"tsn": 0x03},
        "command": "initiate_key_establishment_response",
        "expected": {
            "requested_key_establishment_suite": 1,
            "ephemeral_data_generate_time": 11,
            "confirm_key_generate_time": 16,
            "identity": (
                b"\x03\x06\x86\x17\x05\xec\x70\x57\x8b\xde\xe5\x0a\x43\x9e\x9a\x18"
                b"\x8f\xce\x40\x4b\x08\x63\xee\xee\xee\xee\xee\xee\xee\xee"
                b"TESTSECA"
                b"\x01\x09\x00\x0f\x00\x00\x00\x00\x00\x00"
            ),
        },
        "note": (
            "APS frame profile 0x0109, cluster 0x0800. ZSS decodes it as "
            "InitiateKeyEstablishmentResponse TID=03. Identity is the 48-byte implicit "
            "certificate; bytes 30-37 are ASCII 'TESTSECA' (Certicom test CA issuer). "
            "The source shows the identity as a byte array only (no field split)."
        ),
    },
    {
        "name": "metering_read_attributes_response_array_zss",
        "source": _ZSS_GEN + " (ReadAttributesResponse [Metering ...])",
        "cluster": 0x0702,
        "hex": "183e01000000480802000000",
        "header": {"tsn": 0x3E},
        "command": "read_attributes_response",
        "expected": [
            {
                "attribute_id": 0x0000,
                "status": 0x00,
                "data_type": 0x48,
                "value": {"element_type": 0x08, "values": [0, 0]},
            }
        ],
        "note": (
            "Source prints attributeDataType=ORDERED_SEQUENCE_ARRAY, "
            "ZclArrayList [dataType=DATA_8_BIT, values=[0, 0]]. Attribute 0x0000 of "
            "Metering is CurrentSummationDelivered (uint48) in the spec, so this is a "
            "device sending a non-conforming type; a decoder must follow the type byte."
        ),
    },
    {
        "name": "metering_default_response_failure_zss",
        "source": _ZSS_GEN2 + " (DefaultResponse [Metering ...])",
        "cluster": 0x0702,
        "hex": "087a0b0c01",
        "header": {"tsn": 0x7A},
        "command": "default_response",
        "expected": {"command_id": 12, "status": 0x01},
        "note": "Source: commandIdentifier=12, statusCode=FAILURE (FAILURE = 0x01).",
    },
    {
        "name": "metering_start_sampling_silabs",
        "source": (
            _SILABS_THREAD + "; field order from docs.silabs.com/zigbee/7.0/zigbee-af-api/"
            "simple-metering ('zcl metering start-sampling [issuerEventId:4] "
            "[startSamplingTime:4] [sampleType:1] [sampleRequestInterval:2] "
            "[maxNumberOfSamples:2]')"
        ),
        "cluster": 0x0702,
        "hex": "01020701000000000000000101000a00",
        "header": {"tsn": 0x02, "command_id": 0x07},
        "command": "start_sampling",
        "expected": {
            "issuer_event_id": 1,
            "start_sampling_time": 0,
            "sample_type": 1,
            "sample_request_interval": 1,
            "max_number_of_samples": 10,
        },
        "note": (
            "Log line: 'RX len 16, ep 01, clus 0x0702 (Simple Metering) FC 01 seq 02 cmd 07 "
            "payload[01 00 00 00 00 00 00 00 01 01 00 0A 00 ]', produced by the CLI command "
            "'zcl metering start-sampling 1 0 1 1 10'; the values come from that command "
            "line and the documented argument order. Start Sampling is an SE 1.2+ command "
            "(outside SE 1.1). Sent with profile 0x0104 in the thread."
        ),
    },
    {
        "name": "metering_default_response_unsup_cluster_command_silabs",
        "source": _SILABS_THREAD,
        "cluster": 0x0702,
        "hex": "08020b0781",
        "header": {},
        "command": "default_response",
        "expected": {"status": 0x81},
        "note": (
            "'TX buffer: [08 02 0B 07 81 ]' sent in reply to the start_sampling frame above "
            "(seq 02, cmd 07). The answering post says 0x81 is an 'Unsupported Cluster "
            "Response' (ZCL name UNSUP_CLUSTER_COMMAND); the other fields are not decoded "
            "by the source."
        ),
    },
    # ------------------------------------------------------------------------------
    # Time cluster
    # ------------------------------------------------------------------------------
    {
        "name": "time_read_attributes_local_time_zigpy_log",
        "source": (
            "zigpy/zha-device-handlers issue #1603 (debug log, '[0x79B7:1:0x000a] Received "
            "ZCL frame')"
        ),
        "cluster": 0x000A,
        "hex": "0012000700",
        "header": {
            "frame_type": 0,
            "manufacturer_specific": False,
            "direction": 0,
            "disable_default_response": False,
            "tsn": 18,
            "command_id": 0,
        },
        "command": "read_attributes",
        "expected": [0x0007],
        "note": (
            "Real Tuya device reading LocalTime from the coordinator. zigpy prints "
            "'Time:Read_Attributes(attribute_ids=[7])'; its header line uses the old field "
            "name is_reply=0 (= client->server)."
        ),
    },
    {
        "name": "read_attributes_response_utc_herdsman",
        "source": _HM + " ('ZclFrame to buffer readRsp UTC')",
        "cluster": 0x0000,
        "hex": "184a01000000e2ea53da24",
        "header": {
            "frame_type": 0,
            "direction": 1,
            "disable_default_response": True,
            "manufacturer": None,
            "tsn": 74,
            "command_id": 0x01,
        },
        "command": "read_attributes_response",
        "expected": [{"attribute_id": 0, "status": 0, "data_type": 226, "value": 618288106}],
        "note": (
            "UTCTime (0xE2) encoding test. Built with cluster id 0 (Basic) in the test, "
            "not the Time cluster; the attribute is only a carrier for a UTCTime value."
        ),
    },
    # ------------------------------------------------------------------------------
    # Read Attributes / Read Attributes Response
    # ------------------------------------------------------------------------------
    {
        "name": "read_attributes_hw_version_xbee",
        "source": _XBEE3,
        "cluster": 0x0000,
        "hex": "0001000300",
        "header": {
            "frame_type": 0,
            "manufacturer_specific": False,
            "direction": 0,
            "disable_default_response": False,
            "tsn": 0x01,
            "command_id": 0x00,
        },
        "command": "read_attributes",
        "expected": [0x0003],
        "note": (
            "Manual: read the hardware version attribute 0x0003 of the Basic cluster; "
            "'sent in little endian byte order (0x0300)'; frame control bits all 0."
        ),
    },
    {
        "name": "read_attributes_response_strings_herdsman",
        "source": _HM + " ('ZclFrame from buffer readRsp')",
        "cluster": 0x0000,
        "hex": (
            "180701050000421e545241444652492062756c6220453237205753206f70616c203938306c6d"
            "0600004208323031373033333107000030010a0000410f4c4544313534354731324532374555"
        ),
        "header": {
            "frame_type": 0,
            "manufacturer_specific": False,
            "manufacturer": None,
            "direction": 1,
            "disable_default_response": True,
            "tsn": 7,
            "command_id": 1,
        },
        "command": "read_attributes_response",
        "expected": [
            {
                "attribute_id": 5,
                "status": 0,
                "data_type": 66,
                "value": "TRADFRI bulb E27 WS opal 980lm",
            },
            {"attribute_id": 6, "status": 0, "data_type": 66, "value": "20170331"},
            {"attribute_id": 7, "status": 0, "data_type": 48, "value": 1},
            {
                "attribute_id": 10,
                "status": 0,
                "data_type": 65,
                "value": b"LED1545G12E27EU",
            },
        ],
        "note": "Octet string (0x41) value is a Buffer in the source (bytes here).",
    },
    {
        "name": "read_attributes_response_success_uint8_herdsman",
        "source": _HM + " ('ZclFrame from buffer readRsp success')",
        "cluster": 0x0000,
        "hex": "0801010100002003",
        "header": {
            "frame_type": 0,
            "manufacturer_specific": False,
            "manufacturer": None,
            "direction": 1,
            "disable_default_response": False,
            "tsn": 1,
            "command_id": 1,
        },
        "command": "read_attributes_response",
        "expected": [{"attribute_id": 1, "status": 0, "data_type": 0x20, "value": 3}],
        "note": "",
    },
    {
        "name": "read_attributes_response_data8_herdsman",
        "source": _HM + " ('ZclFrame from buffer readRsp alias type')",
        "cluster": 0x0000,
        "hex": "0801010100000803",
        "header": {
            "frame_type": 0,
            "manufacturer_specific": False,
            "manufacturer": None,
            "direction": 1,
            "disable_default_response": False,
            "tsn": 1,
            "command_id": 1,
        },
        "command": "read_attributes_response",
        "expected": [{"attribute_id": 1, "status": 0, "data_type": 0x08, "value": 3}],
        "note": "Type 0x08 = DATA8 (general data).",
    },
    {
        "name": "read_attributes_response_failed_status_herdsman",
        "source": _HM + " ('ZclFrame from buffer readRsp failed')",
        "cluster": 0x0000,
        "hex": "080101010002",
        "header": {
            "frame_type": 0,
            "manufacturer_specific": False,
            "manufacturer": None,
            "direction": 1,
            "disable_default_response": False,
            "tsn": 1,
            "command_id": 1,
        },
        "command": "read_attributes_response",
        "expected": [{"attribute_id": 1, "status": 2}],
        "note": (
            "Non-success status: record has no data type and no value. Status 0x02 is not "
            "a defined ZCL status; the test only checks that any non-zero status ends the "
            "record."
        ),
    },
    {
        "name": "read_attributes_response_char_string_nul_padded_zss",
        "source": _ZSS_BASIC + " (ReadAttributesResponse [Basic ...])",
        "cluster": 0x0000,
        "hex": "183501050000421f4d61657374726f53746174000000cc6d0000cc868bb80100ff000003000000",
        "header": {"tsn": 0x35},
        "command": "read_attributes_response",
        "expected": [
            {"attribute_id": 5, "status": 0x00, "data_type": 0x42, "value": "MaestroStat"}
        ],
        "note": (
            "Real device: character string length byte 0x1F (31) but only 11 printable "
            "characters followed by NUL and garbage; ZSS reports the value as 'MaestroStat' "
            "(it cuts at the first NUL). A strict decoder returns 31 characters; decide "
            "deliberately."
        ),
    },
    {
        "name": "read_attributes_response_octet_string_array_zigpy",
        "source": _ZP_FND + " (test_array)",
        "cluster": None,
        "hex": "183c010100004841040006000d0106000206010d0206000206020d0306000206030d04060002",
        "header": {},
        "command": "read_attributes_response",
        "expected": [
            {
                "attribute_id": 0x0001,
                "status": 0x00,
                "data_type": 0x48,
                "value": {
                    "element_type": 0x41,
                    "values": [
                        b"\x00\x0d\x01\x06\x00\x02",
                        b"\x01\x0d\x02\x06\x00\x02",
                        b"\x02\x0d\x03\x06\x00\x02",
                        b"\x03\x0d\x04\x06\x00\x02",
                    ],
                },
            }
        ],
        "note": (
            "Array (0x48) of octet strings: element type 0x41, count uint16 = 4, each "
            "element a length-prefixed octet string. Source asserts re-serialisation gives "
            "the identical bytes. Element type stated via zigpy's LVBytes mapping."
        ),
    },
    # ------------------------------------------------------------------------------
    # Write Attributes (+Response)
    # ------------------------------------------------------------------------------
    {
        "name": "write_attributes_mfr_char_string_raw_herdsman",
        "source": _HM + " ('ZclFrame write request with string as bytes array')",
        "cluster": 0x0000,
        "hex": "145f110f020104420700020100000014",
        "header": {
            "frame_type": 0,
            "direction": 0,
            "disable_default_response": True,
            "manufacturer": 0x115F,
            "tsn": 15,
            "command_id": 0x02,
        },
        "command": "write_attributes",
        "expected": [
            {
                "attribute_id": 0x0401,
                "data_type": 0x42,
                "value": b"\x07\x00\x02\x01\x00\x00\x00\x14",
            }
        ],
        "note": (
            "Manufacturer-specific global command (FC 0x14). The char-string value is "
            "given as raw bytes INCLUDING its length byte 0x07 (7 data bytes follow)."
        ),
    },
    {
        "name": "write_attributes_response_failure_record_herdsman",
        "source": _HM + " ('ZclFrame write rsp')",
        "cluster": 0x0000,
        "hex": "145f110f04112200",
        "header": {
            "frame_type": 0,
            "direction": 0,
            "disable_default_response": True,
            "manufacturer": 0x115F,
            "tsn": 15,
            "command_id": 0x04,
        },
        "command": "write_attributes_response",
        "expected": [{"status": 0x11, "attribute_id": 0x22}],
        "note": (
            "Encoder test: non-zero status is followed by the attribute id. Status 0x11 is "
            "an arbitrary test value, not a ZCL status; direction as built in the test."
        ),
    },
    # ------------------------------------------------------------------------------
    # Configure Reporting (+Response), Read Reporting Configuration Response
    # ------------------------------------------------------------------------------
    {
        "name": "configure_reporting_boolean_zss",
        "source": _ZSS_GEN + " (ConfigureReportingCommand [On/Off ...])",
        "cluster": 0x0006,
        "hex": "005106000000100100201c",
        "header": {"tsn": 0x51},
        "command": "configure_reporting",
        "expected": [
            {
                "direction": 0,
                "attribute_id": 0,
                "data_type": 0x10,
                "min_interval": 1,
                "max_interval": 7200,
            }
        ],
        "note": "BOOLEAN is discrete: no reportable change field.",
    },
    {
        "name": "configure_reporting_uint16_reportable_change_zss",
        "source": _ZSS_GEN + " (ConfigureReportingCommand [Electrical Measurement ...])",
        "cluster": 0x0B04,
        "hex": "002806000805210300201c0100",
        "header": {"tsn": 0x28},
        "command": "configure_reporting",
        "expected": [
            {
                "direction": 0,
                "attribute_id": 1288,
                "data_type": 0x21,
                "min_interval": 3,
                "max_interval": 7200,
                "reportable_change": 1,
            }
        ],
        "note": "Analog uint16: 2-byte reportable change follows max interval.",
    },
    {
        "name": "configure_reporting_analog_herdsman",
        "source": _HM + " ('ZclFrame from buffer configReportRsp client to server analog')",
        "cluster": 0x0000,
        "hex": "0801060000012001000a0014",
        "header": {
            "frame_type": 0,
            "manufacturer_specific": False,
            "manufacturer": None,
            "direction": 1,
            "disable_default_response": False,
            "tsn": 1,
            "command_id": 6,
        },
        "command": "configure_reporting",
        "expected": [
            {
                "attribute_id": 256,
                "data_type": 32,
                "direction": 0,
                "max_interval": 10,
                "min_interval": 1,
                "reportable_change": 20,
            }
        ],
        "note": (
            "Test title says 'configReportRsp' but command id 6 is Configure Reporting; "
            "the header direction bit is 1 in the test bytes (FC 0x08)."
        ),
    },
    {
        "name": "configure_reporting_discrete_no_change_herdsman",
        "source": _HM + " (second 'ZclFrame from buffer configReportRsp client to server analog')",
        "cluster": 0x0000,
        "hex": "0801060000010801000a00",
        "header": {
            "frame_type": 0,
            "manufacturer_specific": False,
            "manufacturer": None,
            "direction": 1,
            "disable_default_response": False,
            "tsn": 1,
            "command_id": 6,
        },
        "command": "configure_reporting",
        "expected": [
            {
                "attribute_id": 256,
                "data_type": 8,
                "direction": 0,
                "max_interval": 10,
                "min_interval": 1,
            }
        ],
        "note": "DATA8 (0x08) is discrete: record ends after max interval.",
    },
    {
        "name": "configure_reporting_receive_timeout_herdsman",
        "source": _HM + " ('ZclFrame from buffer configReportRsp server to client')",
        "cluster": 0x0000,
        "hex": "0801060101000a0a",
        "header": {
            "frame_type": 0,
            "manufacturer_specific": False,
            "manufacturer": None,
            "direction": 1,
            "disable_default_response": False,
            "tsn": 1,
            "command_id": 6,
        },
        "command": "configure_reporting",
        "expected": [{"attribute_id": 1, "direction": 1, "timeout": 2570}],
        "note": "Record direction 0x01: only a 2-byte timeout period follows the attribute id.",
    },
    {
        "name": "configure_reporting_response_success_zss",
        "source": _ZSS_GEN + " (ConfigureReportingResponse [Electrical Measurement ...])",
        "cluster": 0x0B04,
        "hex": "08280700",
        "header": {"tsn": 0x28},
        "command": "configure_reporting_response",
        "expected": {"status": 0x00, "records": None},
        "note": "Single status byte form; ZSS prints status=SUCCESS, records=null.",
    },
    {
        "name": "configure_reporting_response_success_short_herdsman",
        "source": _HM + " ('ZclFrame from buffer configReportRsp - short')",
        "cluster": 0x0001,
        "hex": "08010700",
        "header": {
            "frame_type": 0,
            "manufacturer_specific": False,
            "manufacturer": None,
            "direction": 1,
            "disable_default_response": False,
            "tsn": 1,
            "command_id": 7,
        },
        "command": "configure_reporting_response",
        "expected": [{"status": 0}],
        "note": "",
    },
    {
        "name": "configure_reporting_response_long_herdsman",
        "source": _HM + " ('ZclFrame from buffer configReportRsp - long')",
        "cluster": 0x0001,
        "hex": "0801070001341201013512",
        "header": {
            "frame_type": 0,
            "manufacturer_specific": False,
            "manufacturer": None,
            "direction": 1,
            "disable_default_response": False,
            "tsn": 1,
            "command_id": 7,
        },
        "command": "configure_reporting_response",
        "expected": [
            {"status": 0, "direction": 1, "attribute_id": 0x1234},
            {"status": 1, "direction": 1, "attribute_id": 0x1235},
        ],
        "note": "A SUCCESS record with direction + attribute id, followed by a failure record.",
    },
    {
        "name": "configure_reporting_response_thermostat_herdsman",
        "source": _HM + " ('ZclFrame from buffer configReportRsp (hvacThermostat)')",
        "cluster": 0x0201,
        "hex": "18030700001200",
        "header": {
            "frame_type": 0,
            "manufacturer_specific": False,
            "manufacturer": None,
            "direction": 1,
            "disable_default_response": True,
            "tsn": 3,
            "command_id": 7,
        },
        "command": "configure_reporting_response",
        "expected": [{"status": 0, "direction": 0, "attribute_id": 18}],
        "note": "Real-device style: full record even though status is SUCCESS.",
    },
    {
        "name": "configure_reporting_response_failed_herdsman",
        "source": _HM + " ('ZclFrame from buffer configReportRsp failed')",
        "cluster": 0x0001,
        "hex": "08010702010101",
        "header": {
            "frame_type": 0,
            "manufacturer_specific": False,
            "manufacturer": None,
            "direction": 1,
            "disable_default_response": False,
            "tsn": 1,
            "command_id": 7,
        },
        "command": "configure_reporting_response",
        "expected": [{"status": 2, "direction": 1, "attribute_id": 257}],
        "note": "Status 0x02 is an arbitrary (undefined) test status.",
    },
    {
        "name": "configure_reporting_response_full_success_record_zss",
        "source": _ZSS_J + "clusters/general/ConfigureReportingResponseTest.java"
        "@3419eac7b4a0e942967c42e1c13c2abd679918cd (test)",
        "cluster": None,
        "hex": "181b0700000000",
        "header": {},
        "command": "configure_reporting_response",
        "expected": [{"attribute_id": 0, "status": 0x00}],
        "note": (
            "Source asserts exactly 1 record with attributeIdentifier 0 and SUCCESS "
            "(status 00, direction 00, attribute 0000): success sent as a full record "
            "instead of the single status byte. Header parsed but not asserted."
        ),
    },
    {
        "name": "read_reporting_configuration_response_zss",
        "source": _ZSS_GEN + " (ReadReportingConfigurationResponse [On/Off ...])",
        "cluster": 0x0006,
        "hex": "082509000000001001002c01",
        "header": {"tsn": 0x25},
        "command": "read_reporting_configuration_response",
        "expected": [
            {
                "status": 0x00,
                "attribute_id": 0,
                "direction": 0,
                "data_type": 0x10,
                "min_interval": 1,
                "max_interval": 300,
            }
        ],
        "note": "BOOLEAN: no reportable change in the record.",
    },
    # ------------------------------------------------------------------------------
    # Report Attributes
    # ------------------------------------------------------------------------------
    {
        "name": "report_attributes_single_float_herdsman",
        "source": _HM + " ('ZclFrame from buffer report')",
        "cluster": 0x000C,
        "hex": "184a0a55003900000000",
        "header": {
            "frame_type": 0,
            "manufacturer_specific": False,
            "manufacturer": None,
            "direction": 1,
            "disable_default_response": True,
            "tsn": 74,
            "command_id": 10,
        },
        "command": "report_attributes",
        "expected": [{"attribute_id": 85, "data_type": 57, "value": 0}],
        "note": "Single-precision float (0x39) 0.0 on Analog Input presentValue (0x0055).",
    },
    {
        "name": "report_attributes_bitmap8_herdsman",
        "source": _HM + " ('ZclFrame from buffer occupancy report')",
        "cluster": 0x0406,
        "hex": "18a90a00001801",
        "header": {
            "frame_type": 0,
            "manufacturer_specific": False,
            "manufacturer": None,
            "direction": 1,
            "disable_default_response": True,
            "tsn": 169,
            "command_id": 10,
        },
        "command": "report_attributes",
        "expected": [{"attribute_id": 0, "data_type": 24, "value": 1}],
        "note": "",
    },
    {
        "name": "report_attributes_mfr_struct_herdsman",
        "source": _HM + " ('ZclFrame from buffer struct')",
        "cluster": 0x0000,
        "hex": "1c3412c20a02ff4c0600100121ce0b21a8432401000000002130022056",
        "header": {
            "frame_type": 0,
            "manufacturer_specific": True,
            "manufacturer": 4660,
            "direction": 1,
            "disable_default_response": True,
            "tsn": 194,
            "command_id": 10,
        },
        "command": "report_attributes",
        "expected": [
            {
                "attribute_id": 65282,
                "data_type": 76,
                "value": [
                    {"type": 16, "value": 1},
                    {"type": 33, "value": 3022},
                    {"type": 33, "value": 17320},
                    {"type": 36, "value": 1},
                    {"type": 33, "value": 560},
                    {"type": 32, "value": 86},
                ],
            }
        ],
        "note": (
            "Structure (0x4C): uint16 element count 6, then (type, value) pairs; includes "
            "a uint40 (0x24) element of 5 bytes. herdsman returns the elements as "
            "elmType/elmVal (renamed type/value here) plus numElms=6."
        ),
    },
    {
        "name": "report_attributes_mfr_struct_zss",
        "source": _ZSS_BASIC_CUSTOM + " (ReportAttributesCommand [On/Off ...])",
        "cluster": 0x0006,
        "hex": "1c3412020a02ff4c0600100121c70b21a8012400000000002180012049",
        "header": {"tsn": 0x02},
        "command": "report_attributes",
        "expected": [
            {
                "attribute_id": 65282,
                "data_type": 0x4C,
                "value": [
                    {"type": 0x10, "value": True},
                    {"type": 0x21, "value": 3015},
                    {"type": 0x21, "value": 424},
                    {"type": 0x24, "value": 0},
                    {"type": 0x21, "value": 384},
                    {"type": 0x20, "value": 73},
                ],
            }
        ],
        "note": (
            "Manufacturer-specific (FC 0x1C) report; ZSS does not print the manufacturer "
            "code. Types printed as names: BOOLEAN, UNSIGNED_16_BIT_INTEGER, "
            "UNSIGNED_40_BIT_INTEGER, UNSIGNED_8_BIT_INTEGER. The APS cluster is 0x0006 "
            "although the file is named Basic-custom."
        ),
    },
    {
        "name": "report_attributes_header_only_mfr_zigpy",
        "source": _ZP_FND + " (test_frame_header)",
        "cluster": None,
        "hex": "1c5f11c00a",
        "header": {
            "direction": 1,
            "manufacturer": 0x115F,
            "tsn": 0xC0,
            "command_id": 0x0A,
        },
        "command": "report_attributes",
        "expected": None,
        "note": (
            "Header-only vector (the test appends unrelated extra bytes). Source also "
            "asserts that clearing the manufacturer-specific flag re-serialises to 18c00a."
        ),
    },
    # ------------------------------------------------------------------------------
    # Default Response
    # ------------------------------------------------------------------------------
    {
        "name": "default_response_unsup_general_command_herdsman",
        "source": _HM + " ('ZclFrame from buffer defaultRsp')",
        "cluster": 0x0000,
        "hex": "18040b0c82",
        "header": {
            "frame_type": 0,
            "manufacturer_specific": False,
            "manufacturer": None,
            "direction": 1,
            "disable_default_response": True,
            "tsn": 4,
            "command_id": 11,
        },
        "command": "default_response",
        "expected": {"command_id": 12, "status": 130},
        "note": "Status 0x82 = UNSUP_GENERAL_COMMAND in reply to Discover Attributes (0x0C).",
    },
    # ------------------------------------------------------------------------------
    # Discover Attributes (+Response), Discover Commands Received
    # ------------------------------------------------------------------------------
    {
        "name": "discover_attributes_zss",
        "source": _ZSS_GEN + " (DiscoverAttributesCommand [On/Off ...])",
        "cluster": 0x0006,
        "hex": "00150c00000a",
        "header": {"tsn": 0x15},
        "command": "discover_attributes",
        "expected": {"start_attribute_id": 0, "max_attribute_ids": 10},
        "note": "",
    },
    {
        "name": "discover_attributes_herdsman",
        "source": _HM + " ('ZclFrame to buffer discover')",
        "cluster": 0x0000,
        "hex": "00080c0000f0",
        "header": {
            "frame_type": 0,
            "direction": 0,
            "disable_default_response": False,
            "manufacturer": None,
            "tsn": 8,
        },
        "command": "discover_attributes",
        "expected": {"start_attribute_id": 0, "max_attribute_ids": 240},
        "note": "",
    },
    {
        "name": "discover_attributes_reserved_bits_herdsman",
        "source": _HM + " ('ZclFrame from buffer with reservered bits')",
        "cluster": 0x0000,
        "hex": "e0080c0000f0",
        "header": {
            "frame_type": 0,
            "manufacturer_specific": False,
            "manufacturer": None,
            "direction": 0,
            "disable_default_response": False,
            "tsn": 8,
            "command_id": 12,
        },
        "command": "discover_attributes",
        "expected": {"start_attribute_id": 0, "max_attribute_ids": 240},
        "note": (
            "Frame control 0xE0: reserved bits 5-7 all set (herdsman reservedBits=7); the "
            "frame still decodes normally. Non-compliant input."
        ),
    },
    {
        "name": "discover_attributes_response_complete_zss",
        "source": _ZSS_GEN + " (DiscoverAttributesResponse [On/Off ...])",
        "cluster": 0x0006,
        "hex": "18150d01000010004010014021024021",
        "header": {"tsn": 0x15},
        "command": "discover_attributes_response",
        "expected": {
            "discovery_complete": True,
            "attributes": [
                {"attribute_id": 0, "data_type": 0x10},
                {"attribute_id": 16384, "data_type": 0x10},
                {"attribute_id": 16385, "data_type": 0x21},
                {"attribute_id": 16386, "data_type": 0x21},
            ],
        },
        "note": "Types printed as BOOLEAN / UNSIGNED_16_BIT_INTEGER.",
    },
    {
        "name": "discover_attributes_response_empty_zss",
        "source": _ZSS_GEN + " (DiscoverAttributesResponse [Thermostat ...])",
        "cluster": 0x0201,
        "hex": "183d0d01",
        "header": {"tsn": 0x3D},
        "command": "discover_attributes_response",
        "expected": {"discovery_complete": True, "attributes": []},
        "note": "No attribute records at all.",
    },
    {
        "name": "discover_attributes_response_incomplete_herdsman",
        "source": _HM + " ('ZclFrame from buffer discoverRsp')",
        "cluster": 0x0001,
        "hex": "18170d00200020210020310030330020350018",
        "header": {
            "frame_type": 0,
            "manufacturer_specific": False,
            "manufacturer": None,
            "direction": 1,
            "disable_default_response": True,
            "tsn": 23,
            "command_id": 13,
        },
        "command": "discover_attributes_response",
        "expected": {
            "discovery_complete": 0,
            "attributes": [
                {"attribute_id": 32, "data_type": 32},
                {"attribute_id": 33, "data_type": 32},
                {"attribute_id": 49, "data_type": 48},
                {"attribute_id": 51, "data_type": 32},
                {"attribute_id": 53, "data_type": 24},
            ],
        },
        "note": "discoverComplete 0 = more attributes remain.",
    },
    {
        "name": "discover_commands_received_zss",
        "source": _ZSS_GEN + " (DiscoverCommandsReceived [On/Off ...])",
        "cluster": 0x0006,
        "hex": "0011110014",
        "header": {"tsn": 0x11},
        "command": "discover_commands_received",
        "expected": {"start_command_id": 0, "max_command_ids": 20},
        "note": "ZCL rev. 6 command (0x11); not required for SE 1.1.",
    },
    # ------------------------------------------------------------------------------
    # Structured read/write (0x0E / 0x0F / 0x10)
    # ------------------------------------------------------------------------------
    {
        "name": "read_attributes_structured_multi_herdsman",
        "source": _HM + " ('ZclFrame from buffer readStructured multiple elements')",
        "cluster": 0x0000,
        "hex": "18020e02000203000400050003060007000800",
        "header": {
            "frame_type": 0,
            "manufacturer_specific": False,
            "manufacturer": None,
            "direction": 1,
            "disable_default_response": True,
            "tsn": 2,
            "command_id": 0x0E,
        },
        "command": "read_attributes_structured",
        "expected": [
            {"attribute_id": 0x0002, "selector": {"indexes": [3, 4]}},
            {"attribute_id": 0x0005, "selector": {"indexes": [6, 7, 8]}},
        ],
        "note": "Test builds the request with direction server->client (FC 0x18).",
    },
    {
        "name": "write_attributes_structured_whole_array_herdsman",
        "source": _HM + " ('ZclFrame to buffer writeStructured whole attribute')",
        "cluster": 0x0000,
        "hex": "10020f090000482003000a0b0c",
        "header": {
            "frame_type": 0,
            "direction": 0,
            "disable_default_response": True,
            "manufacturer": None,
            "tsn": 2,
            "command_id": 0x0F,
        },
        "command": "write_attributes_structured",
        "expected": [
            {
                "attribute_id": 0x0009,
                "selector": {},
                "data_type": 0x48,
                "value": {"element_type": 0x20, "values": [10, 11, 12]},
            }
        ],
        "note": "Selector indicator 0 = whole attribute; value is an array of uint8.",
    },
    {
        "name": "write_attributes_structured_response_mixed_herdsman",
        "source": _HM + " ('ZclFrame from buffer writeStructuredRsp failed mixed selectors')",
        "cluster": 0x0000,
        "hex": "08011093100000950e0002fe002000",
        "header": {
            "frame_type": 0,
            "manufacturer_specific": False,
            "manufacturer": None,
            "direction": 1,
            "disable_default_response": False,
            "tsn": 1,
            "command_id": 0x10,
        },
        "command": "write_attributes_structured_response",
        "expected": [
            {"status": 0x93, "attribute_id": 16, "selector": {"indicator": 0}},
            {"status": 0x95, "attribute_id": 14, "selector": {"indexes": [254, 32]}},
        ],
        "note": "Statuses ACTION_DENIED (0x93) and ABORT (0x95); indicator 0 = whole.",
    },
    # ------------------------------------------------------------------------------
    # Headers, manufacturer codes, cluster-specific commands (non-SE)
    # ------------------------------------------------------------------------------
    {
        "name": "header_cluster_specific_ddr_zss",
        "source": _ZSS_J + "ZclHeaderTest.java@0f9bf7c049cb570b48d0546e1d665b255d9246b3 "
        "(testDeserialize); direction from test output quoted in "
        "zsmartsystems/com.zsmartsystems.zigbee issue #1357",
        "cluster": None,
        "hex": "110401",
        "header": {
            "frame_type": 1,
            "manufacturer_specific": False,
            "direction": 0,
            "disable_default_response": True,
            "tsn": 4,
            "command_id": 1,
        },
        "command": "header_only",
        "expected": None,
        "note": "Header-only vector; source asserts re-serialisation is identical.",
    },
    {
        "name": "header_global_s2c_zss",
        "source": _ZSS_J + "ZclHeaderTest.java@0f9bf7c049cb570b48d0546e1d665b255d9246b3 "
        "(testDeserialize2); direction from test output in issue #1357",
        "cluster": None,
        "hex": "089988",
        "header": {
            "frame_type": 0,
            "manufacturer_specific": False,
            "direction": 1,
            "disable_default_response": False,
            "tsn": 0x99,
            "command_id": 0x88,
        },
        "command": "header_only",
        "expected": None,
        "note": "Command id 0x88 is not a defined global command; header decoding only.",
    },
    {
        "name": "header_global_mfr_zss",
        "source": _ZSS_J + "ZclHeaderTest.java@0f9bf7c049cb570b48d0546e1d665b255d9246b3 "
        "(testDeserializeManufacturerSpecific); direction from test output in issue #1357",
        "cluster": None,
        "hex": "0c4e109988",
        "header": {
            "frame_type": 0,
            "manufacturer_specific": True,
            "manufacturer": 0x104E,
            "direction": 1,
            "disable_default_response": False,
            "tsn": 0x99,
            "command_id": 0x88,
        },
        "command": "header_only",
        "expected": None,
        "note": "Manufacturer code 0x104E little-endian right after the frame control.",
    },
    {
        "name": "header_global_ddr_herdsman",
        "source": _HMF + " ('Reads & Writes disable default response')",
        "cluster": None,
        "hex": "10ea01",
        "header": {
            "frame_type": 0,
            "manufacturer_specific": False,
            "manufacturer": None,
            "direction": 0,
            "disable_default_response": True,
            "tsn": 234,
            "command_id": 1,
        },
        "command": "header_only",
        "expected": None,
        "note": "",
    },
    {
        "name": "header_reserved_bits_herdsman",
        "source": _HMF + " ('Reads & Writes reserved bits - non-compliant use')",
        "cluster": None,
        "hex": "e0ea01",
        "header": {
            "frame_type": 0,
            "manufacturer_specific": False,
            "manufacturer": None,
            "direction": 0,
            "disable_default_response": False,
            "tsn": 234,
            "command_id": 1,
        },
        "command": "header_only",
        "expected": None,
        "note": "Reserved bits = 7 (0xE0) are preserved by herdsman; non-compliant input.",
    },
    {
        "name": "mfr_cluster_command_tradfri_herdsman",
        "source": _HM + " ('ZclFrame from buffer tradfriArrowSingle')",
        "cluster": 0x0005,
        "hex": "057c111d0700010d00",
        "header": {
            "frame_type": 1,
            "manufacturer_specific": True,
            "manufacturer": 4476,
            "direction": 0,
            "disable_default_response": False,
            "tsn": 29,
            "command_id": 7,
        },
        "command": "tradfri_arrow_single",
        "expected": {"value": 256, "value2": 13},
        "note": "Manufacturer-specific cluster command (FC 0x05, code 0x117C) on Scenes.",
    },
    {
        "name": "identify_query_response_zigpy",
        "source": _ZP_ZCL + " (test_deserialize_cluster_client)",
        "cluster": 0x0003,
        "hex": "0901004142",
        "header": {"frame_type": 1, "direction": 1, "tsn": 1, "command_id": 0},
        "command": "identify_query_response",
        "expected": [0x4241],
        "note": "Payload 'AB' = uint16 0x4241 (little-endian).",
    },
    {
        "name": "groups_get_membership_herdsman",
        "source": _HM + " (first 'ZclFrame from buffer genGroups getMembership')",
        "cluster": 0x0004,
        "hex": "117c02020a001400",
        "header": {
            "frame_type": 1,
            "manufacturer_specific": False,
            "manufacturer": None,
            "direction": 0,
            "disable_default_response": True,
            "tsn": 124,
            "command_id": 2,
        },
        "command": "get_group_membership",
        "expected": {"group_count": 2, "group_list": [10, 20]},
        "note": "Count-prefixed list of uint16.",
    },
    {
        "name": "ias_ace_arm_char_string_herdsman",
        "source": _HM + " ('ZclFrame from buffer ssIasAce arm command')",
        "cluster": 0x0501,
        "hex": "015700000631323334353600",
        "header": {
            "frame_type": 1,
            "manufacturer_specific": False,
            "manufacturer": None,
            "direction": 0,
            "disable_default_response": False,
            "tsn": 87,
            "command_id": 0,
        },
        "command": "arm",
        "expected": {"arm_mode": 0, "code": "123456", "zone_id": 0},
        "note": "Character string in a cluster command, followed by a uint8.",
    },
]

PUBLISHED_PAYLOADS: list[dict[str, Any]] = [
    {
        "name": "read_attributes_response_char_string_trailing_bytes_zss",
        "source": _ZSS_J + "clusters/general/ReadAttributesResponseTest.java"
        "@04065bfbb1efaf5dbe732cefafe578fb6fe4772d (testReceive)",
        "cluster": None,
        "command": "read_attributes_response",
        "direction": 1,
        "hex": "05000042064c435430303321001d",
        "expected": [{"attribute_id": 5, "status": 0x00, "data_type": 0x42, "value": "LCT003"}],
        "note": (
            "Only the first record is asserted. The 3 trailing bytes (21 00 1d) would be a "
            "truncated second record; ZSS does not fail on them."
        ),
    },
    {
        "name": "read_attributes_response_uint8_zss",
        "source": _ZSS_J + "clusters/general/ReadAttributesResponseTest.java"
        "@04065bfbb1efaf5dbe732cefafe578fb6fe4772d (testReceiveOtaImageStatus)",
        "cluster": None,
        "command": "read_attributes_response",
        "direction": 1,
        "hex": "0600002002",
        "expected": [{"attribute_id": 6, "status": 0x00, "data_type": 0x20, "value": 2}],
        "note": "",
    },
    {
        "name": "read_attributes_response_unsupported_zss",
        "source": _ZSS_J + "clusters/general/ReadAttributesResponseTest.java"
        "@04065bfbb1efaf5dbe732cefafe578fb6fe4772d (testReceiveNull)",
        "cluster": None,
        "command": "read_attributes_response",
        "direction": 1,
        "hex": "010086",
        "expected": [{"attribute_id": 1, "status": 0x86}],
        "note": "UNSUPPORTED_ATTRIBUTE: no type, no value.",
    },
    {
        "name": "time_read_attributes_response_unsupported_zigpy",
        "source": _ZP_CLU + " (test_time_cluster_unsupported)",
        "cluster": 0x000A,
        "command": "read_attributes_response",
        "direction": 1,
        "hex": "c70086800086",
        "expected": [
            {"attribute_id": 199, "status": 0x86},
            {"attribute_id": 128, "status": 0x86},
        ],
        "note": (
            "Reply of zigpy's Time server to Read Attributes [199, 128]; the test asserts "
            "the last 6 bytes of the reply, which are the whole payload."
        ),
    },
    {
        "name": "read_attribute_record_uint8_zigpy",
        "source": _ZP_FND + " (test_read_attribute_record)",
        "cluster": None,
        "command": "read_attributes_response",
        "direction": 1,
        "hex": "0000002099",
        "expected": [{"attribute_id": 0, "status": 0x00, "data_type": 0x20, "value": 0x99}],
        "note": "",
    },
    {
        "name": "read_attributes_single_zss",
        "source": _ZSS_J + "clusters/general/ReadAttributesCommandTest.java"
        "@0f9bf7c049cb570b48d0546e1d665b255d9246b3 (testSingle)",
        "cluster": 0x0000,
        "command": "read_attributes",
        "direction": 0,
        "hex": "0400",
        "expected": [4],
        "note": "Serialisation test (TID 1, not part of the payload).",
    },
    {
        "name": "write_attributes_char_string_zigpy",
        "source": _ZP_ZCL + " (test_write_attribute_types, model)",
        "cluster": 0x0000,
        "command": "write_attributes",
        "direction": 0,
        "hex": "050042076d6f64656c2078",
        "expected": [{"attribute_id": 0x0005, "data_type": 0x42, "value": "model x"}],
        "note": "Test compares request data[3:] (payload after the 3-byte header).",
    },
    {
        "name": "write_attributes_uint8_zigpy",
        "source": _ZP_ZCL + " (test_write_attribute_types, zcl_version)",
        "cluster": 0x0000,
        "command": "write_attributes",
        "direction": 0,
        "hex": "000020aa",
        "expected": [{"attribute_id": 0x0000, "data_type": 0x20, "value": 0xAA}],
        "note": "",
    },
    {
        "name": "write_attributes_enum8_zigpy",
        "source": _ZP_ZCL + " (test_write_attribute_types, fan_mode)",
        "cluster": 0x0202,
        "command": "write_attributes",
        "direction": 0,
        "hex": "000030de",
        "expected": [{"attribute_id": 0x0000, "data_type": 0x30, "value": 0xDE}],
        "note": "",
    },
    {
        "name": "write_attributes_response_success_zigpy",
        "source": _ZP_FND + " (test_write_attrs_response_deserialize)",
        "cluster": None,
        "command": "write_attributes_response",
        "direction": 1,
        "hex": "00",
        "expected": [{"status": 0x00}],
        "note": "All writes succeeded: a single status byte.",
    },
    {
        "name": "write_attributes_response_failures_zigpy",
        "source": _ZP_FND + " (test_write_attrs_response_deserialize)",
        "cluster": None,
        "command": "write_attributes_response",
        "direction": 1,
        "hex": "863412873512",
        "expected": [
            {"status": 0x86, "attribute_id": 0x1234},
            {"status": 0x87, "attribute_id": 0x1235},
        ],
        "note": "UNSUPPORTED_ATTRIBUTE and INVALID_VALUE records.",
    },
    {
        "name": "write_attributes_response_three_failures_zigpy",
        "source": _ZP_ZCL + " (test_write_attributes_cache_failure, last case)",
        "cluster": 0x0000,
        "command": "write_attributes_response",
        "direction": 1,
        "hex": "020400860500010300",
        "expected": {"failed_attribute_ids": [4, 5, 3]},
        "note": (
            "Source states only which attributes failed (statuses in the bytes: 0x02, 0x86, 0x01)."
        ),
    },
    {
        "name": "configure_reporting_boolean_payload_zss",
        "source": _ZSS_J + "clusters/general/ConfigureReportingCommandTest.java"
        "@27b6aa30a32bca8da5ca6a767dde47f570ee0133 (testSingle)",
        "cluster": 0x0006,
        "command": "configure_reporting",
        "direction": 0,
        "hex": "0000001001005802",
        "expected": [
            {
                "direction": 0,
                "attribute_id": 0,
                "data_type": 0x10,
                "min_interval": 1,
                "max_interval": 600,
            }
        ],
        "note": "Serialisation test; timeoutPeriod is set to 0 but not encoded (direction 0).",
    },
    {
        "name": "configure_reporting_response_success_with_record_zigpy",
        "source": _ZP_FND + " (test_configure_reporting_response_deserialize)",
        "cluster": None,
        "command": "configure_reporting_response",
        "direction": 1,
        "hex": "0001aa55",
        "expected": [{"status": 0x00, "direction": 1, "attribute_id": 0x55AA}],
        "note": (
            "A SUCCESS status followed by direction + attribute id is accepted as one full "
            "record (direction ReceiveReports)."
        ),
    },
    {
        "name": "configure_reporting_response_failures_zigpy",
        "source": _ZP_FND + " (test_configure_reporting_response_deserialize)",
        "cluster": None,
        "command": "configure_reporting_response",
        "direction": 1,
        "hex": "8601341287013512",
        "expected": [
            {"status": 0x86, "attribute_id": 0x1234},
            {"status": 0x87, "attribute_id": 0x1235},
        ],
        "note": (
            "Direction byte 0x01 in both records is not asserted by the source. The same "
            "test asserts that appending extra bytes 01 aa 55 makes deserialisation fail."
        ),
    },
    {
        "name": "read_reporting_configuration_response_payload_zss",
        "source": _ZSS_J + "clusters/general/ReadReportingConfigurationResponseTest.java"
        "@04065bfbb1efaf5dbe732cefafe578fb6fe4772d (testReceive_SUCCESS)",
        "cluster": None,
        "command": "read_reporting_configuration_response",
        "direction": 1,
        "hex": "000000001001002c01",
        "expected": [
            {
                "status": 0x00,
                "attribute_id": 0,
                "data_type": 0x10,
                "min_interval": 1,
                "max_interval": 300,
            }
        ],
        "note": "Record direction byte (0x00) not asserted.",
    },
    {
        "name": "read_reporting_configuration_response_unsupported_zss",
        "source": _ZSS_J + "clusters/general/ReadReportingConfigurationResponseTest.java"
        "@04065bfbb1efaf5dbe732cefafe578fb6fe4772d (testReceive_UNSUPPORTED_ATTRIBUTE)",
        "cluster": None,
        "command": "read_reporting_configuration_response",
        "direction": 1,
        "hex": "86000000",
        "expected": [{"status": 0x86, "attribute_id": 0}],
        "note": "Failure record: status, direction, attribute id and nothing else.",
    },
    {
        "name": "report_attributes_uint16_and_float_zss",
        "source": _ZSS_J + "clusters/general/ReportAttributesCommandTest.java"
        "@001d1a11f701725204399e1d8a8e6ef221a73b36 (testSingle)",
        "cluster": None,
        "command": "report_attributes",
        "direction": None,
        "hex": "05ff215c03550039ffbf3843",
        "expected": [
            {"attribute_id": 65285, "data_type": 0x21, "value": 860},
            {"attribute_id": 85, "data_type": 0x39, "value": 184.74998},
        ],
        "note": (
            "Float asserted with tolerance 1e-4 (|value - 184.74998| < 0.0001). "
            "Direction not stated."
        ),
    },
    {
        "name": "discover_attributes_response_incomplete_zss",
        "source": _ZSS_J + "clusters/general/DiscoverAttributesResponseTest.java"
        "@04065bfbb1efaf5dbe732cefafe578fb6fe4772d (testReceive)",
        "cluster": None,
        "command": "discover_attributes_response",
        "direction": 1,
        "hex": "00020021030021040021070021080030",
        "expected": {
            "attribute_count": 5,
            "attributes_first": {"attribute_id": 2, "data_type": 0x21},
        },
        "note": (
            "Source asserts 5 records and the first one only. First byte 0x00 = discovery "
            "not complete (not asserted)."
        ),
    },
]

PUBLISHED_TYPE_VECTORS: list[dict[str, Any]] = [
    {
        "name": "uint48_read_herdsman",
        "source": _HM + " ('BuffaloZcl read uint48, data48, bitmap48')",
        "data_type": 0x25,
        "hex": "010504050607",
        "expected": 7722435347713,
        "note": "Same bytes/value asserted for data48 (0x0D) and bitmap48 (0x1D).",
    },
    {
        "name": "uint48_write_herdsman",
        "source": _HM + " ('BuffaloZcl write uint48, data48, bitmap48')",
        "data_type": 0x25,
        "hex": "fdffffffffff",
        "expected": 281474976710653,
        "note": "",
    },
    {
        "name": "uint40_write_herdsman",
        "source": _HM + " ('BuffaloZcl write uint40, data40, bitmap40')",
        "data_type": 0x24,
        "hex": "fdffffffff",
        "expected": 1099511627773,
        "note": "",
    },
    {
        "name": "uint40_read_herdsman",
        "source": _HM + " ('BuffaloZcl read uint40, data40, bitmap40')",
        "data_type": 0x24,
        "hex": "0105040506",
        "expected": 25853953281,
        "note": "Test buffer has a 6th byte (07) that is not consumed (position 5).",
    },
    {
        "name": "int40_read_herdsman",
        "source": _HM + " ('BuffaloZcl read int40')",
        "data_type": 0x2C,
        "hex": "feffffff7f",
        "expected": 549755813886,
        "note": "Positive value (sign bit clear).",
    },
    {
        "name": "long_char_string_herdsman",
        "source": _HM + " ('BuffaloZcl read longCharStr' / 'write longCharStr')",
        "data_type": 0x44,
        "hex": "050068656c6c6f",
        "expected": "hello",
        "note": "uint16 little-endian length prefix.",
    },
    {
        "name": "long_octet_string_herdsman",
        "source": _HM + " ('BuffaloZcl read longOctetStr')",
        "data_type": 0x43,
        "hex": "050068656c6c6f",
        "expected": b"hello",
        "note": "",
    },
    {
        "name": "char_string_herdsman",
        "source": _HM + " ('BuffaloZcl write charStr')",
        "data_type": 0x42,
        "hex": "0568656c6c6f",
        "expected": "hello",
        "note": "",
    },
    {
        "name": "octet_string_herdsman",
        "source": _HM + " ('BuffaloZcl write octetStr')",
        "data_type": 0x41,
        "hex": "03010204",
        "expected": b"\x01\x02\x04",
        "note": "",
    },
    {
        "name": "char_string_invalid_herdsman",
        "source": _HM + " ('BuffaloZcl read CHAR_STR non-value')",
        "data_type": 0x42,
        "hex": "ff",
        "expected": "",
        "note": "Length 0xFF = invalid string; herdsman returns empty string.",
    },
    {
        "name": "long_char_string_invalid_herdsman",
        "source": _HM + " ('BuffaloZcl read LONG_CHAR_STR non-value')",
        "data_type": 0x44,
        "hex": "ffff",
        "expected": "",
        "note": "",
    },
    {
        "name": "array_uint8_herdsman",
        "source": _HM + " ('BuffaloZcl read array')",
        "data_type": 0x48,
        "hex": "200300010203",
        "expected": [1, 2, 3],
        "note": "Element type 0x20, uint16 count 3.",
    },
    {
        "name": "array_data8_write_herdsman",
        "source": _HM + " ('BuffaloZcl write array element type numeric')",
        "data_type": 0x48,
        "hex": "08040000000000",
        "expected": {"element_type": 0x08, "values": [0, 0, 0, 0]},
        "note": "",
    },
    {
        "name": "array_octet_strings_write_herdsman",
        "source": _HM + " ('BuffaloZcl write array element type string')",
        "data_type": 0x48,
        "hex": "41040006000d0106000206010d0206000206020d0306000206030d04060002",
        "expected": {
            "element_type": 0x41,
            "values": [
                b"\x00\x0d\x01\x06\x00\x02",
                b"\x01\x0d\x02\x06\x00\x02",
                b"\x02\x0d\x03\x06\x00\x02",
                b"\x03\x0d\x04\x06\x00\x02",
            ],
        },
        "note": "Same element bytes as the zigpy test_array frame.",
    },
    {
        "name": "array_invalid_herdsman",
        "source": _HM + " ('BuffaloZcl read ARRAY non-value')",
        "data_type": 0x48,
        "hex": "20ffff",
        "expected": [],
        "note": "Count 0xFFFF = invalid array; herdsman returns an empty list.",
    },
    {
        "name": "struct_write_herdsman",
        "source": _HM + " ('BuffaloZcl write struct')",
        "data_type": 0x4C,
        "hex": "02002003420161",
        "expected": [{"type": 0x20, "value": 3}, {"type": 0x42, "value": "a"}],
        "note": "uint16 element count, then (type, value) pairs.",
    },
    {
        "name": "struct_invalid_herdsman",
        "source": _HM + " ('BuffaloZcl read STRUCT non-value')",
        "data_type": 0x4C,
        "hex": "ffff",
        "expected": [],
        "note": "",
    },
    {
        "name": "time_of_day_herdsman",
        "source": _HM + " ('BuffaloZcl read TOD' / 'write TOD')",
        "data_type": 0xE0,
        "hex": "003b2258",
        "expected": {"hours": 0, "minutes": 59, "seconds": 34, "hundredths": 88},
        "note": "",
    },
    {
        "name": "date_herdsman",
        "source": _HM + " ('BuffaloZcl read DATE' / 'write DATE')",
        "data_type": 0xE1,
        "hex": "64081f03",
        "expected": {"year": 2000, "month": 8, "day_of_month": 31, "day_of_week": 3},
        "note": "Year byte is year - 1900 (0x64 = 100).",
    },
    {
        "name": "time_of_day_invalid_herdsman",
        "source": _HM + " ('BuffaloZcl write TOD non-value')",
        "data_type": 0xE0,
        "hex": "ffffffff",
        "expected": {"hours": None, "minutes": None, "seconds": None, "hundredths": None},
        "note": "herdsman uses NaN for every field (None here).",
    },
]

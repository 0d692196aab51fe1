"""Our ZCL endpoint answering real frames over the simulated network (ZCL 07-5123 rules).

Every expected frame is written out from the specification's layouts (se-spec.md §1), not taken
from our encoder: frame control, TSN, command id, then the records.
"""

from __future__ import annotations

from segateway.radio import ApsPacket, DstMode, Endpoint
from segateway.se.app import SeConfig
from segateway.zcl.cluster import Side
from segateway.zcl.frame import decode_frame

from .sekit import Home, Probe

METER = 0x00124B0000A1B2C3
BASIC = 0x0000
IDENTIFY = 0x0003
KEY_ESTABLISHMENT = 0x0800


def _answers(probe: Probe, cluster: int) -> list[bytes]:
    return [
        p.payload
        for p in probe.received
        if p.cluster_id == cluster and p.src == 0 and p.profile_id == 0x0109
    ]


def _exchange(home: Home, probe: Probe, cluster: int, frame: str) -> list[bytes]:
    before = len(_answers(probe, cluster))
    probe.send(0x0000, cluster, bytes.fromhex(frame))
    home.run(2.0)
    return _answers(probe, cluster)[before:]


def test_read_attributes_returns_values_and_unsupported_status() -> None:
    """ZCL §2.5.2: each requested attribute gets a status record; value and type only on SUCCESS
    (UNSUPPORTED_ATTRIBUTE 0x86 carries none)."""
    home = Home()
    probe = home.probe(METER)
    # read ZCLVersion (0x0000), PowerSource (0x0007) and a reserved id 0x00F0
    answers = _exchange(home, probe, BASIC, "00 21 00 0000 0700 F000")
    # 0x18: global, server→client, default response disabled; TSN 0x21; 0x01 response
    # ZCLVersion uint8 (0x20) = 0x01; PowerSource enum8 (0x30) = 0x01 mains single phase
    assert answers == [bytes.fromhex("18 21 01 0000 00 20 01 0700 00 30 01 F000 86")]


def test_write_to_a_read_only_attribute_is_refused_and_changes_nothing() -> None:
    """ZCL §2.5.4: writing a read-only attribute gives READ_ONLY (0x88) for that record."""
    home = Home()
    probe = home.probe(METER)
    # write ManufacturerName (0x0004, char string 0x42) = "x"
    answers = _exchange(home, probe, BASIC, "00 22 02 0400 42 01 78")
    assert answers == [bytes.fromhex("18 22 04 88 0400")]
    # and the value is unchanged: read it back
    answers = _exchange(home, probe, BASIC, "00 23 00 0400")
    name = b"segateway"
    assert answers == [bytes.fromhex("18 23 01 0400 00 42") + bytes([len(name)]) + name]


def test_write_undivided_writes_nothing_when_one_record_fails() -> None:
    """ZCL §2.5.5: Write Attributes Undivided writes all attributes or none."""
    home = Home()
    probe = home.probe(METER)
    # LocationDescription (0x0010, RW) = "a", and ManufacturerName (read-only)
    answers = _exchange(home, probe, BASIC, "00 24 03 1000 42 01 61 0400 42 01 78")
    assert answers == [bytes.fromhex("18 24 04 88 0400")]
    basic = home.esi.cluster(BASIC, Side.server)
    assert basic is not None
    assert basic.get("location_description") == ""
    # a plain Write Attributes of the same two records writes the good one
    answers = _exchange(home, probe, BASIC, "00 25 02 1000 42 01 61 0400 42 01 78")
    assert answers == [bytes.fromhex("18 25 04 88 0400")]
    assert basic.get("location_description") == "a"


def test_write_with_the_wrong_data_type_is_refused() -> None:
    """ZCL §2.5.4: a record whose data type differs from the attribute's → INVALID_DATA_TYPE."""
    home = Home()
    probe = home.probe(METER)
    answers = _exchange(home, probe, IDENTIFY, "00 26 02 0000 20 05")  # uint8, not uint16
    assert answers == [bytes.fromhex("18 26 04 8D 0000")]


def test_unknown_cluster_gets_default_response_unsupported_cluster() -> None:
    """ZCL: a command for a cluster the endpoint does not have → Default Response 0xC3."""
    home = Home()
    probe = home.probe(METER)
    answers = _exchange(home, probe, 0x0B04, "00 27 00 0000")
    # Default Response: global, server→client, DDR set; payload = command id, status
    assert answers == [bytes.fromhex("18 27 0B 00 C3")]


def test_unsupported_cluster_command_and_general_command() -> None:
    """ZCL: unknown cluster-specific command → UNSUP_CLUSTER_COMMAND (0x81); unknown
    profile-wide command → UNSUP_GENERAL_COMMAND (0x82); manufacturer-specific ones → 0x83 /
    0x84 (the frame control's manufacturer bit with code 0x1234)."""
    home = Home()
    probe = home.probe(METER)
    assert _exchange(home, probe, IDENTIFY, "01 28 7F") == [bytes.fromhex("18 28 0B 7F 81")]
    assert _exchange(home, probe, IDENTIFY, "00 29 1E") == [bytes.fromhex("18 29 0B 1E 82")]
    assert _exchange(home, probe, IDENTIFY, "05 3412 2A 00") == [
        bytes.fromhex("1C 3412 2A 0B 00 83")
    ]
    assert _exchange(home, probe, IDENTIFY, "04 3412 2B 00 0000") == [
        bytes.fromhex("1C 3412 2B 0B 00 84")
    ]


def test_malformed_command_gets_malformed_status() -> None:
    """ZCL: a command whose payload cannot be parsed → Default Response MALFORMED_COMMAND."""
    home = Home()
    probe = home.probe(METER)
    # Identify needs a uint16 identify time; one octet is sent
    assert _exchange(home, probe, IDENTIFY, "01 2C 00 05") == [bytes.fromhex("18 2C 0B 00 80")]


def test_default_response_rules() -> None:
    """ZCL §2.5.12.2: a Default Response is sent for a unicast command without its own response
    when Disable Default Response is clear; with it set, only for errors; never for a Default
    Response; never for a broadcast."""
    home = Home()
    probe = home.probe(METER)
    # Identify 3 s, DDR clear → Default Response SUCCESS
    assert _exchange(home, probe, IDENTIFY, "01 30 00 0300") == [bytes.fromhex("18 30 0B 00 00")]
    # the same with DDR set → nothing
    assert _exchange(home, probe, IDENTIFY, "11 31 00 0300") == []
    # a Default Response sent to us → nothing back
    assert _exchange(home, probe, IDENTIFY, "00 32 0B 00 00") == []
    # broadcast Identify → nothing back
    before = len(_answers(probe, IDENTIFY))
    probe.node.send(
        ApsPacket(
            0x0109,
            IDENTIFY,
            1,
            0xFF,
            bytes.fromhex("01 33 00 0300"),
            dst=0xFFFF,
            dst_mode=DstMode.broadcast,
        ),
        aps_ack=False,
    )
    home.run(3.0)
    assert _answers(probe, IDENTIFY)[before:] == []


def test_identify_counts_down_and_answers_queries() -> None:
    """Identify: IdentifyTime counts down once a second; Identify Query is answered with the
    remaining time while identifying."""
    home = Home()
    probe = home.probe(METER)
    _exchange(home, probe, IDENTIFY, "11 40 00 1400")  # identify 20 s
    remaining = []
    for tsn in ("41", "42"):
        answers = _exchange(home, probe, IDENTIFY, f"01 {tsn} 01")
        assert len(answers) == 1
        frame = decode_frame(answers[0], IDENTIFY)
        assert frame.command is not None
        assert frame.command.name == "identify_query_response"
        remaining.append(frame.payload.timeout)
        home.run(3.0)
    assert 0 < remaining[1] < remaining[0] < 20
    assert remaining[0] - remaining[1] == 5  # 2 s in the exchange + 3 s run
    home.run(30)
    # not identifying: a query gets only the Default Response (no Identify Query Response)
    assert _exchange(home, probe, IDENTIFY, "01 43 01") == [bytes.fromhex("18 43 0B 01 00")]


def test_configure_reporting_refuses_unreportable_attributes() -> None:
    """ZCL §2.5.7: configuring reports of an attribute that is not reportable →
    UNREPORTABLE_ATTRIBUTE (0x8C) in a status record (status, direction, attribute id)."""
    home = Home()
    probe = home.probe(METER)
    # direction 0, IdentifyTime, uint16, min 1, max 10 (analog: reportable change uint16 = 1)
    answers = _exchange(home, probe, IDENTIFY, "00 43 06 00 0000 21 0100 0A00 0100")
    assert answers == [bytes.fromhex("18 43 07 8C 00 0000")]


def test_discover_attributes_lists_implemented_ones() -> None:
    """ZCL §2.5.13: Discover Attributes returns ids from the start id, at most the maximum, and
    says whether the list is complete."""
    home = Home()
    probe = home.probe(METER)
    answers = _exchange(home, probe, BASIC, "00 44 0C 0000 03")
    # ZCLVersion uint8, ApplicationVersion uint8, StackVersion uint8; more follow → complete 0
    assert answers == [bytes.fromhex("18 44 0D 00 0000 20 0100 20 0200 20")]
    answers = _exchange(home, probe, BASIC, "00 45 0C 1200 10")
    # DeviceEnabled (bool 0x10), AlarmMask (map8 0x18), DisableLocalConfig (map8) → complete
    assert answers == [bytes.fromhex("18 45 0D 01 1200 10 1300 18 1400 18")]


def test_key_establishment_is_refused_honestly() -> None:
    """CBKE is not implemented yet: an Initiate Key Establishment Request is answered with
    Terminate Key Establishment (status NO_RESOURCES 0x04, wait 60 s, suite 1), never faked."""
    home = Home()
    probe = home.probe(METER)
    certificate = "00" * 48
    answers = _exchange(home, probe, KEY_ESTABLISHMENT, f"01 46 00 0100 10 10 {certificate}")
    assert answers == [bytes.fromhex("19 46 03 04 3C 0100")]


def test_direction_bit_correction_is_a_setting() -> None:
    """ZCL_Endpoint.enable_direction_bit_correction: with it on, a command sent with the wrong
    direction bit to a cluster we only have the other side of is taken for that side."""
    meter = Endpoint(1, 0x0109, 0x0501, input_clusters=(0x0702,))
    plain = Home()
    probe = plain.probe(METER, meter)
    # Read Attributes of the Identify server sent with the server→client bit
    assert _exchange(plain, probe, IDENTIFY, "08 50 00 0000") == [bytes.fromhex("10 50 0B 00 C3")]
    corrected = Home(config=SeConfig(direction_bit_correction=True, refresh_rate=0))
    probe = corrected.probe(METER, meter)
    assert _exchange(corrected, probe, IDENTIFY, "08 51 00 0000") == [
        bytes.fromhex("18 51 01 0000 00 21 0000")
    ]


def test_a_read_attributes_response_that_would_not_fit_carries_what_fits() -> None:
    """ZCL §2.5.2.3: when the response would exceed one frame, it carries as many attribute
    records as fit, in the order requested; the requester reads the rest separately."""
    home = Home()
    probe = home.probe(METER)
    # all eleven Basic attributes up to 0x0014 plus ZCLVersion again: far more than one frame
    ids = [0x0000, 0x0001, 0x0002, 0x0003, 0x0004, 0x0005, 0x0006, 0x0007, 0x0010, 0x0011]
    ids += [0x0012, 0x0013, 0x0014, 0x0000, 0x0001, 0x0002, 0x0003]
    request = "00 60 00 " + " ".join(f"{i & 0xFF:02x}{i >> 8:02x}" for i in ids)
    answers = _exchange(home, probe, BASIC, request)
    assert len(answers) == 1
    frame = decode_frame(answers[0], BASIC)
    got = [r.attribute_id for r in frame.payload.records]
    assert 0 < len(got) < len(ids)
    assert got == ids[: len(got)]
    assert len(answers[0]) <= 65

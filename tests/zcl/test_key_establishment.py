"""Key Establishment 0x0800: se-spec.md §2.8 tables and the published certificates of §6.2.

The certificate bytes and their field split are published facts (Certicom web tool output in
zsmartsystems' CerticomCbkeCertificateTest, TI Z-Stack zcl_cert_data.c, zsmartsystems' suite-2
test data, a zsmartsystems KE log). The ZCL header, suite and generate times wrapped around a
certificate are ours.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segateway.zcl.cluster import Side
from segateway.zcl.clusters.key_establishment import (
    SUITE1_CERTIFICATE,
    SUITE2_CERTIFICATE,
    CertificateCurve,
    CertificateHash,
    CertificateType,
    KeyEstablishment,
    KeyEstablishmentStatus,
    KeyEstablishmentSuite,
    KeyUsage,
)
from segateway.zcl.errors import DecodeError, EncodeError
from segateway.zcl.frame import decode_frame
from segateway.zcl.header import Direction
from segateway.zcl.registry import CLUSTERS
from segateway.zcl.types import EUI64

from .helpers import (
    assert_prefixes_rejected,
    assert_trailing_bytes_kept,
    check_commands,
    check_declarations,
    check_round_trip,
    record_strategy,
)
from .published_vectors import PUBLISHED_VECTORS

# ---------------------------------------------------------------------------------------------
# §6.2 published suite-1 certificates: (reconstruction key, subject, issuer, profile data)

_TESTSECA = "5445535453454341"  # issuer "TESTSECA"

SUITE1_CERTS: dict[str, tuple[str, str, str, str]] = {
    # (a) Certicom web tool, zsmartsystems CerticomCbkeCertificateTest
    "certicom": (
        "02020882B1D7DF05538F37CDD09A4F6B15368998642B",
        "0022080000000001",
        _TESTSECA,
        "0109108301234567890A",
    ),
    # (b) TI Z-Stack zcl_cert_data.c TEST_CERT_DATA
    "ti_coordinator": (
        "03078C45DEA506D07F1B822122B5A31EB0A0D62955DB",
        "00124B0000000001",
        _TESTSECA,
        "01090008000000000000",
    ),
    "ti_router": (
        "03069BC98F751FBA22DBCAD64A7D462C209C2ED9015F",
        "00124B0000000002",
        _TESTSECA,
        "01090008000000000000",
    ),
    "ti_end_device": (
        "0204AC2C2656F1EEA4FF5DAC4EDDA176BFE4FA70D956",
        "00124B0000000003",
        _TESTSECA,
        "01090001000001091003",
    ),
}

_SUBJECTS = {
    "certicom": "00:22:08:00:00:00:00:01",
    "ti_coordinator": "00:12:4b:00:00:00:00:01",
    "ti_router": "00:12:4b:00:00:00:00:02",
    "ti_end_device": "00:12:4b:00:00:00:00:03",
}

# (c) zsmartsystems suite-2 (sect283k1) certificate, split as §6.2(c) lists it
SUITE2_SPLIT = (
    "00",  # type: no extensions
    "0B3AD5A312AB75D6",  # serial number
    "0D",  # curve: sect283k1
    "08",  # hash: AES-MMO
    "1112131415161718",  # issuer
    "005B7ED230",  # valid from (40-bit)
    "FFFFFFFF",  # valid to: no expiry
    "0022080000000001",  # subject
    "08",  # key usage: key agreement
    "0205BB3D1D1576197FF9AB6563915019A130437ADB0EE7915432DC4A09C97DC595C5856800",  # point
)
SUITE2_CERT = (
    "000B3AD5A312AB75D60D081112131415161718005B7ED230FFFFFFFF0022080000000001080205BB3D1D15"
    "76197FF9AB6563915019A130437ADB0EE7915432DC4A09C97DC595C5856800"
)


def _initiate_request(suite: str, certificate: str) -> bytes:
    return bytes.fromhex(
        "01"  # frame control: cluster-specific, client → server  (ours)
        "01"  # TSN 1                                             (ours)
        "00"  # command 0x00 Initiate Key Establishment Request
        + suite  # key establishment suite, little-endian         (ours)
        + "10"  # ephemeral data generate time 16 s               (ours)
        + "10"  # confirm key generate time 16 s                  (ours)
        + certificate  # identity: the published certificate
    )


@pytest.mark.parametrize("name", list(SUITE1_CERTS))
def test_initiate_request_with_published_suite1_certificate(name: str) -> None:
    key, subject, issuer, profile = SUITE1_CERTS[name]
    certificate = key + subject + issuer + profile
    assert len(bytes.fromhex(certificate)) == 48
    data = _initiate_request("0100", certificate)
    assert len(data) - 3 == 52  # §2.8.2: the suite-1 request payload is 52 bytes

    frame = decode_frame(data, KeyEstablishment)
    assert frame.command is KeyEstablishment.commands.initiate_key_establishment_request
    p = frame.payload
    assert p.key_establishment_suite is KeyEstablishmentSuite.crypto_suite_1
    assert (p.ephemeral_data_generate_time, p.confirm_key_generate_time) == (0x10, 0x10)
    assert p.identity_283k1 is None
    cert = p.identity
    assert cert.public_reconstruction_key == bytes.fromhex(key)
    assert cert.public_reconstruction_key[0] in (0x02, 0x03)  # compressed point
    assert cert.subject == EUI64(_SUBJECTS[name])
    assert str(cert.subject) == _SUBJECTS[name]
    assert cert.issuer == b"TESTSECA"
    assert cert.profile_attribute_data == bytes.fromhex(profile)
    assert cert.profile_attribute_data[:2] == b"\x01\x09"
    assert SUITE1_CERTIFICATE.encode(cert) == bytes.fromhex(certificate)
    assert frame.encode() == data
    assert_prefixes_rejected(data, KeyEstablishment)
    assert_trailing_bytes_kept(data, KeyEstablishment)


def test_published_initiate_response_from_zsmartsystems_log() -> None:
    vector = next(
        v for v in PUBLISHED_VECTORS if v["name"] == "ke_initiate_key_establishment_response_zss"
    )
    data = bytes.fromhex(vector["hex"])
    expected: dict[str, Any] = vector["expected"]
    frame = decode_frame(data, KeyEstablishment)
    assert frame.header.tsn == vector["header"]["tsn"]
    assert frame.command is not None
    assert frame.command.name == vector["command"]
    p = frame.payload
    assert p.requested_key_establishment_suite == expected["requested_key_establishment_suite"]
    assert p.ephemeral_data_generate_time == expected["ephemeral_data_generate_time"]
    assert p.confirm_key_generate_time == expected["confirm_key_generate_time"]
    # the source prints the identity as 48 raw bytes; ours is the record of its parts
    assert SUITE1_CERTIFICATE.encode(p.identity) == expected["identity"]
    assert p.identity.subject == 0xEEEEEEEEEEEEEEEE
    assert p.identity.issuer == b"TESTSECA"
    assert frame.encode() == data
    assert_prefixes_rejected(data, KeyEstablishment)


def test_initiate_request_with_published_suite2_certificate() -> None:
    assert "".join(SUITE2_SPLIT) == SUITE2_CERT
    assert len(bytes.fromhex(SUITE2_CERT)) == 74  # Ember EMBER_CERTIFICATE_283K1_SIZE
    data = _initiate_request("0200", SUITE2_CERT)
    frame = decode_frame(data, KeyEstablishment)
    p = frame.payload
    assert p.key_establishment_suite is KeyEstablishmentSuite.crypto_suite_2
    assert p.identity is None
    cert = p.identity_283k1
    assert cert.type is CertificateType.no_extensions
    assert cert.serial_number == bytes.fromhex("0B3AD5A312AB75D6")
    assert cert.curve is CertificateCurve.sect283k1
    assert cert.hash is CertificateHash.aes_mmo
    assert cert.issuer == bytes.fromhex("1112131415161718")
    assert cert.valid_from == 0x005B7ED230
    # the note: 2018-08-23T15:26:40Z if read as Unix seconds, as Wireshark does
    assert datetime.fromtimestamp(cert.valid_from, UTC) == datetime(
        2018, 8, 23, 15, 26, 40, tzinfo=UTC
    )
    assert cert.valid_to == 0xFFFFFFFF
    assert str(cert.subject) == "00:22:08:00:00:00:00:01"
    assert cert.key_usage == KeyUsage.key_agreement
    assert cert.public_reconstruction_key == bytes.fromhex(SUITE2_SPLIT[-1])
    assert len(cert.public_reconstruction_key) == 37
    assert SUITE2_CERTIFICATE.encode(cert) == bytes.fromhex(SUITE2_CERT)
    assert frame.encode() == data
    assert_prefixes_rejected(data, KeyEstablishment)
    assert_trailing_bytes_kept(data, KeyEstablishment)


def test_unknown_suite_carries_no_certificate() -> None:
    """A suite we cannot parse leaves the certificate bytes undecoded in ``rest``."""
    data = _initiate_request("0400", "00" * 10)
    frame = decode_frame(data, KeyEstablishment)
    assert frame.payload.identity is None
    assert frame.payload.identity_283k1 is None
    assert frame.rest == bytes(10)
    assert frame.encode() == data


def test_certificate_must_match_the_suite() -> None:
    request = KeyEstablishment.commands.initiate_key_establishment_request
    cert = SUITE1_CERTIFICATE.decode(bytes.fromhex("".join(SUITE1_CERTS["certicom"])), 0)[0]
    with pytest.raises(EncodeError):
        request.encode(
            {
                "key_establishment_suite": 2,
                "ephemeral_data_generate_time": 1,
                "confirm_key_generate_time": 1,
                "identity": cert,
            }
        )
    with pytest.raises(EncodeError):
        request.encode(
            {
                "key_establishment_suite": 1,
                "ephemeral_data_generate_time": 1,
                "confirm_key_generate_time": 1,
            }
        )


def test_ephemeral_data_and_confirm_key() -> None:
    # a published compressed sect163k1 point (§6.2(a) device public key) as QEU
    point = "0207D1CA014786B5E552CFD5F04339A2E856F00EAAEF"
    data = bytes.fromhex(
        "01"  # cluster-specific, client → server
        "02"  # TSN 2
        "01" + point  # 0x01 Ephemeral Data Request  # ephemeral data: 22 octets (suite 1)
    )
    frame = decode_frame(data, KeyEstablishment)
    assert frame.command is KeyEstablishment.commands.ephemeral_data_request
    assert frame.payload.ephemeral_data == bytes.fromhex(point)
    assert len(frame.payload.ephemeral_data) == 22
    assert frame.encode() == data
    for cut in range(3, len(data)):  # the point runs to the end: a cut is just shorter
        assert (
            decode_frame(data[:cut], KeyEstablishment).payload.ephemeral_data
            == (bytes.fromhex(point)[: cut - 3])
        )
    # the published suite-2 public key (§6.2(c)) as QEV, 37 octets
    point2 = "02012F082EE7DB1BD3F89F16EABBF5D6221A5DCD077FC0C9D37B329EEE8E2CDAEE03439DE0"
    data = bytes.fromhex("090201" + point2)  # server → client Ephemeral Data Response
    frame = decode_frame(data, KeyEstablishment)
    assert frame.command is KeyEstablishment.commands.ephemeral_data_response
    assert len(frame.payload.ephemeral_data) == 37

    mac = bytes(range(0x10, 0x20))
    data = (
        bytes.fromhex(
            "01"  # cluster-specific, client → server
            "03"  # TSN 3
            "02"  # 0x02 Confirm Key Data Request
        )
        + mac
    )  # MACU, 16 octets
    frame = decode_frame(data, KeyEstablishment)
    assert frame.command is KeyEstablishment.commands.confirm_key_data_request
    assert frame.payload.secure_message_authentication_code == mac
    assert_prefixes_rejected(data, KeyEstablishment)
    assert_trailing_bytes_kept(data, KeyEstablishment)
    response = bytes.fromhex("090302") + mac  # Confirm Key Data Response, MACV
    frame = decode_frame(response, KeyEstablishment)
    assert frame.command is KeyEstablishment.commands.confirm_key_data_response


@pytest.mark.parametrize("direction", list(Direction))
def test_terminate_key_establishment(direction: Direction) -> None:
    data = bytes([0x01 | (int(direction) << 3)]) + bytes.fromhex(
        "04"  # TSN 4
        "03"  # 0x03 Terminate Key Establishment
        "01"  # status 0x01 UNKNOWN_ISSUER
        "1e"  # wait time 30 s (EmberZNet's value when busy)
        "0100"  # suite 1
    )
    frame = decode_frame(data, KeyEstablishment)
    assert frame.command is KeyEstablishment.command(direction, 0x03)
    assert frame.command is not None
    assert frame.command.name == "terminate_key_establishment"
    p = frame.payload
    assert p.status_code is KeyEstablishmentStatus.unknown_issuer
    assert p.wait_time == 30
    assert p.key_establishment_suite is KeyEstablishmentSuite.crypto_suite_1
    assert len(data) - 3 == 4  # §2.8.2: 4 bytes
    assert frame.encode() == data
    assert_prefixes_rejected(data, KeyEstablishment)
    assert_trailing_bytes_kept(data, KeyEstablishment)


# ---------------------------------------------------------------------------------------------
# Registry: what §2.8 says must exist

_COMMANDS: dict[Direction, dict[int, tuple[str, list[tuple[str, int]]]]] = {
    Direction.client_to_server: {
        0x00: (
            "initiate_key_establishment_request",
            [
                ("key_establishment_suite", 2),
                ("ephemeral_data_generate_time", 1),
                ("confirm_key_generate_time", 1),
                ("identity", 0),
                ("identity_283k1", 0),
            ],
        ),
        0x01: ("ephemeral_data_request", [("ephemeral_data", 0)]),
        0x02: ("confirm_key_data_request", [("secure_message_authentication_code", 16)]),
        0x03: (
            "terminate_key_establishment",
            [("status_code", 1), ("wait_time", 1), ("key_establishment_suite", 2)],
        ),
    },
    Direction.server_to_client: {
        0x00: (
            "initiate_key_establishment_response",
            [
                ("requested_key_establishment_suite", 2),
                ("ephemeral_data_generate_time", 1),
                ("confirm_key_generate_time", 1),
                ("identity", 0),
                ("identity_283k1", 0),
            ],
        ),
        0x01: ("ephemeral_data_response", [("ephemeral_data", 0)]),
        0x02: ("confirm_key_data_response", [("secure_message_authentication_code", 16)]),
        0x03: (
            "terminate_key_establishment",
            [("status_code", 1), ("wait_time", 1), ("key_establishment_suite", 2)],
        ),
    },
}


def test_key_establishment_identity() -> None:
    assert (KeyEstablishment.id, KeyEstablishment.name) == (0x0800, "key_establishment")
    assert CLUSTERS[0x0800] is KeyEstablishment


def test_key_establishment_commands_from_the_note() -> None:
    check_commands(KeyEstablishment, _COMMANDS)
    check_declarations(KeyEstablishment)


@pytest.mark.parametrize("side", list(Side))
def test_key_establishment_suite_attribute_on_both_sides(side: Side) -> None:
    """§2.8.1: 0x0000 KeyEstablishmentSuite, enum16 used as a bitmap, default 0x0001."""
    attr = KeyEstablishment.attribute(side, 0x0000)
    assert attr is not None
    assert attr.type is KeyEstablishmentSuite
    assert attr.wire.type_id == 0x31  # enum16
    assert attr.default == 0x0001
    assert attr.mandatory


def test_key_establishment_enumerations_from_the_note() -> None:
    assert int(KeyEstablishmentSuite.crypto_suite_1) == 0x0001
    assert int(KeyEstablishmentSuite.crypto_suite_2) == 0x0002
    assert {int(m): m.name for m in KeyEstablishmentStatus} == {
        0x00: "success",
        0x01: "unknown_issuer",
        0x02: "bad_key_confirm",
        0x03: "bad_message",
        0x04: "no_resources",
        0x05: "unsupported_suite",
        0x06: "invalid_certificate",
    }
    assert KeyEstablishmentStatus(0x07).name == "undefined_0x07"  # unknown values stay usable


def test_certificate_layouts() -> None:
    """§2.8.4: suite 1 is 48 octets (22/8/8/10); suite 2 is 74 octets."""
    sizes1 = [f.wire.size for f in SUITE1_CERTIFICATE.fields if f.wire is not None]
    assert sizes1 == [22, 8, 8, 10]
    sizes2 = [f.wire.size for f in SUITE2_CERTIFICATE.fields if f.wire is not None]
    assert sizes2 == [1, 8, 1, 1, 8, 5, 4, 8, 1, 37]
    assert sum(s for s in sizes2 if s is not None) == 74
    with pytest.raises(DecodeError):
        SUITE2_CERTIFICATE.decode(bytes(73), 0)


# ---------------------------------------------------------------------------------------------
# Round trips


@pytest.mark.parametrize("suite", [1, 2])
@given(data=st.data())
def test_initiate_round_trip_with_each_certificate(suite: int, data: st.DataObject) -> None:
    certificate = SUITE1_CERTIFICATE if suite == 1 else SUITE2_CERTIFICATE
    cert = data.draw(record_strategy(certificate))
    for command in (
        KeyEstablishment.commands.initiate_key_establishment_request,
        KeyEstablishment.commands.initiate_key_establishment_response,
    ):
        suite_field = command.fields[0].name
        record = command.make(
            **{
                suite_field: suite,
                "ephemeral_data_generate_time": data.draw(st.integers(0, 255)),
                "confirm_key_generate_time": data.draw(st.integers(0, 255)),
                ("identity" if suite == 1 else "identity_283k1"): cert,
            }
        )
        check_round_trip(KeyEstablishment, command, record)

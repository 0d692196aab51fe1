"""Key Establishment cluster 0x0800 — CBKE (se-spec.md §2.8).

The commands carry certificates and elliptic-curve points, which (unlike the rest of ZCL) are
big-endian. Certificates are declared as nested records so that their subject, issuer and the
other parts can be read off a decoded frame; EC points and MACs stay raw octets.

The core types have no big-endian integers, so the two validity times of the suite-2 certificate
use small big-endian wire types defined here (``uint40_be``/``uint32_be``: exact widths, decoded
to ``int``).
"""

from __future__ import annotations

from typing import Any

from .. import types as t
from ..cluster import Attribute, Cluster, Command
from ..schema import Field, Schema
from ..types import Bitmap8, Bitmap16, Enum8, WireType
from .common import ATTRIBUTE_REPORTING_STATUS

__all__ = [
    "SUITE1_CERTIFICATE",
    "SUITE2_CERTIFICATE",
    "CertificateCurve",
    "CertificateHash",
    "CertificateType",
    "KeyEstablishment",
    "KeyEstablishmentStatus",
    "KeyEstablishmentSuite",
    "KeyUsage",
]


# --- big-endian integers of exact width (certificate fields only) --------------------------------


def _uint_be(width: int) -> WireType:
    def post(raw: bytes) -> int:
        return int.from_bytes(raw, "big")

    def pre(value: Any) -> bytes:
        return int(value).to_bytes(width, "big")  # OverflowError → EncodeError in the codec

    def coerce(value: Any) -> int:
        return int(value, 0) if isinstance(value, str) else int(value)

    return WireType(
        None,
        f"uint{8 * width}_be",
        size=width,
        fmt=f"{width}s",
        post=post,
        pre=pre,
        coerce=coerce,
    )


_uint40_be = _uint_be(5)
_uint32_be = _uint_be(4)


# --- named types ---------------------------------------------------------------------------------


class KeyEstablishmentSuite(Bitmap16):
    """Supported/requested key establishment suites (attribute 0x0000 and command field).

    The attribute is an enum16 used as a bitmap, so its data type on the wire is 0x31; inside
    command payloads it is just two little-endian octets.
    """

    __zcl_wire__ = t.enum16

    crypto_suite_1 = 0x0001  # CBKE with ECMQV on sect163k1 (SE 1.0/1.1)
    crypto_suite_2 = 0x0002  # CBKE on sect283k1 (SE 1.2)


class KeyEstablishmentStatus(Enum8):
    """Terminate Key Establishment Status Code."""

    success = 0x00  # reserved: never sent in a Terminate
    unknown_issuer = 0x01
    bad_key_confirm = 0x02
    bad_message = 0x03
    no_resources = 0x04
    unsupported_suite = 0x05
    invalid_certificate = 0x06  # SE 1.2; EmberZNet 5.6 calls the same code INVALID_KEY_USAGE


class CertificateType(Enum8):
    """Suite-2 certificate Type."""

    no_extensions = 0x00


class CertificateCurve(Enum8):
    """Suite-2 certificate Curve."""

    sect283k1 = 0x0D


class CertificateHash(Enum8):
    """Suite-2 certificate Hash."""

    aes_mmo = 0x08


class KeyUsage(Bitmap8):
    """Suite-2 certificate KeyUsage."""

    key_agreement = 0x08
    digital_signature = 0x80


# --- certificates --------------------------------------------------------------------------------

SUITE1_CERTIFICATE = Schema(
    "suite1_certificate",
    [
        Field(
            "public_reconstruction_key",
            t.fixed_octets(22),
            note="compressed sect163k1 point: 02/03 then x",
        ),
        Field("subject", t.ieee_address_be, note="EUI64 of the owner"),
        Field("issuer", t.fixed_octets(8), note='CA id; b"TESTSECA" for the Certicom test CA'),
        Field(
            "profile_attribute_data",
            t.fixed_octets(10),
            note="starts 01 09 (profile 0x0109); the rest is profile-defined",
        ),
    ],
    doc="Suite-1 implicit certificate, 48 octets, big-endian.",
)

SUITE2_CERTIFICATE = Schema(
    "suite2_certificate",
    [
        Field("type", CertificateType),
        Field("serial_number", t.fixed_octets(8)),
        Field("curve", CertificateCurve),
        Field("hash", CertificateHash),
        Field("issuer", t.fixed_octets(8)),
        Field("valid_from", _uint40_be, note="seconds, 40-bit big-endian"),
        Field("valid_to", _uint32_be, note="seconds, big-endian; 0xFFFFFFFF = never expires"),
        Field("subject", t.ieee_address_be),
        Field("key_usage", KeyUsage),
        Field("public_reconstruction_key", t.fixed_octets(37), note="compressed sect283k1 point"),
    ],
    doc="Suite-2 (sect283k1) certificate, 74 octets, big-endian.",
)


def _initiate(suite_field: str) -> list[Field]:
    return [
        Field(suite_field, KeyEstablishmentSuite),
        Field("ephemeral_data_generate_time", t.uint8, note="seconds"),
        Field("confirm_key_generate_time", t.uint8, note="seconds"),
        Field(
            "identity",
            SUITE1_CERTIFICATE,
            present_if=f"{suite_field} == 1",
            note="the sender's certificate (suite 1)",
        ),
        Field(
            "identity_283k1",
            SUITE2_CERTIFICATE,
            present_if=f"{suite_field} == 2",
            note="the sender's certificate (suite 2)",
        ),
    ]


_EPHEMERAL = [
    Field(
        "ephemeral_data",
        t.rest_bytes,
        note="compressed ephemeral public key: 22 octets suite 1, 37 suite 2",
    )
]

_TERMINATE = [
    Field("status_code", KeyEstablishmentStatus),
    Field("wait_time", t.uint8, note="seconds before the partner may try again"),
    Field("key_establishment_suite", KeyEstablishmentSuite),
]


class KeyEstablishment(Cluster):
    """Key Establishment: certificate-based key exchange (CBKE) for the trust-centre link key.

    Its frames travel with network-layer security only, never APS-encrypted (§2.8.3).
    """

    id = 0x0800
    name = "key_establishment"
    label = "Key Establishment"
    server_attributes = (
        Attribute(
            0x0000,
            "key_establishment_suite",
            KeyEstablishmentSuite,
            mandatory=True,
            default=KeyEstablishmentSuite.crypto_suite_1,
            note="suites the server supports",
        ),
        ATTRIBUTE_REPORTING_STATUS,
    )
    client_attributes = (
        Attribute(
            0x0000,
            "key_establishment_suite",
            KeyEstablishmentSuite,
            mandatory=True,
            default=KeyEstablishmentSuite.crypto_suite_1,
            note="suites the client supports",
        ),
    )
    client_to_server = (
        Command(
            0x00,
            "initiate_key_establishment_request",
            _initiate("key_establishment_suite"),
            response="initiate_key_establishment_response",
        ),
        Command(
            0x01,
            "ephemeral_data_request",
            _EPHEMERAL,
            response="ephemeral_data_response",
            note="QEU",
        ),
        Command(
            0x02,
            "confirm_key_data_request",
            [Field("secure_message_authentication_code", t.fixed_octets(16), note="MACU")],
            response="confirm_key_data_response",
        ),
        Command(0x03, "terminate_key_establishment", _TERMINATE),
    )
    server_to_client = (
        Command(
            0x00,
            "initiate_key_establishment_response",
            _initiate("requested_key_establishment_suite"),
        ),
        Command(0x01, "ephemeral_data_response", _EPHEMERAL, note="QEV"),
        Command(
            0x02,
            "confirm_key_data_response",
            [Field("secure_message_authentication_code", t.fixed_octets(16), note="MACV")],
        ),
        Command(0x03, "terminate_key_establishment", _TERMINATE),
    )

"""Install codes: CRC-16/X-25, the AES-MMO hash and link-key derivation.

Every expected value is published (source in the comment beside it) or comes from zigpy 2.4.0 /
crccheck as independent oracles; none comes from the code under test.
"""

from __future__ import annotations

import pytest
import zigpy.util
from crccheck.crc import CrcX25
from hypothesis import given
from hypothesis import strategies as st

from segateway.zigbee.install_code import (
    CODE_LENGTHS,
    InstallCode,
    InstallCodeError,
    crc16_x25,
    mmo_hash,
)

# (install code ‖ CRC as transmitted, derived link key, source)
LINK_KEY_VECTORS = [
    # se-spec.md §6.1 (ZigBee 3.0 specification example); also zigpy tests/test_zigbee_util.py
    # test_convert_install_code.
    (
        "83FED3407A939723A5C639B26916D505 C3B5",
        "66B6900981E1EE3CA4206B6B861C02BB",
        "se-spec §6.1 / zigpy test_convert_install_code",
    ),
    # 8-byte code of se-spec.md §4.1 as printed; key from zsmartsystems/com.zsmartsystems.zigbee
    # src/test/java/.../security/MmoHashTest.java ("83FED3407A939738c552" → A833:A774:…).
    (
        "83FE D340 7A93 9738 C552",
        "A833A77434F3BFBD7A7AB97942149287",
        "se-spec §4.1 code, zsmartsystems MmoHashTest",
    ),
    # zigpy tests/test_zigbee_util.py test_convert_install_code and zsmartsystems MmoHashTest.
    (
        "1122334455667788 4AF7",
        "41618FC0C83B0E14A589954B16E31466",
        "zigpy test_convert_install_code / zsmartsystems MmoHashTest",
    ),
    # zigpy tests/test_zigbee_util.py test_zigbee_security_hash (a 12-byte code with its CRC).
    (
        "7A939723A5C639B269161802 819B",
        "F93903721685FD329D26849B90F2959A",
        "zigpy test_zigbee_security_hash",
    ),
    # zigpy tests/test_zigbee_util.py test_zigbee_security_hash (a 16-byte code with its CRC).
    (
        "83FED3407A939723A5C639B269161802 AEBB",
        "333C23686079468EB27BA24BD9C7E564",
        "zigpy test_zigbee_security_hash",
    ),
]


def _sequence(length: int) -> bytes:
    """Annex C.5 test messages: octet i has the value i mod 256."""
    return bytes(i & 0xFF for i in range(length))


# ZigBee spec 05-3474-21 Annex C.5 (MMO hash), as reproduced in andrebdo/c-crumbs tests/aes-mmo.c.
# C.5.3–C.5.6 straddle 8192 bytes = 2**16 bits, where the padding switches to the 32-bit length.
MMO_VECTORS = [
    (bytes([0xC0]), "AE3A102A28D43EE0D4A09E22788B206C", "C.5.1"),
    (bytes(range(0xC0, 0xD0)), "A7977E88BC0B61E8210827109A228F2D", "C.5.2"),
    (_sequence(8191), "24EC2FE75BBFFCB34789BC0610E7F165", "C.5.3"),
    (_sequence(8192), "DC6B0687F09F8607131C170B3BD31591", "C.5.4"),
    (_sequence(8201), "72C9B15E178AA843E4A16C58E33643A3", "C.5.5"),
    (_sequence(8202), "BC9828D59B2AA323DAF20BE5F2E66511", "C.5.6"),
]


# --- CRC ---------------------------------------------------------------------------------------


def test_crc16_x25_check_value() -> None:
    """CRC-16/X-25 of ASCII "123456789" is 0x906E (se-spec.md §4.1; the CRC catalogue's check)."""
    assert crc16_x25(b"123456789") == 0x906E


def test_crc16_x25_of_nothing_is_zero() -> None:
    """Init 0xFFFF with final XOR 0xFFFF: the empty message gives 0 (catalogue parameters)."""
    assert crc16_x25(b"") == 0x0000


@given(st.binary(max_size=64))
def test_crc16_x25_matches_crccheck(data: bytes) -> None:
    assert crc16_x25(data) == CrcX25.calc(data)


# --- MMO hash ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("message", "digest", "source"), MMO_VECTORS, ids=lambda v: v)
def test_mmo_hash_annex_c5(message: bytes, digest: str, source: str) -> None:
    assert mmo_hash(message) == bytes.fromhex(digest), source


@given(st.binary(max_size=300))
def test_mmo_hash_matches_zigpy(data: bytes) -> None:
    """zigpy's aes_mmo_hash (16-bit length field only, so messages below 8192 bytes)."""
    assert mmo_hash(data) == bytes(zigpy.util.aes_mmo_hash(data))


def test_mmo_hash_refuses_messages_of_2_to_the_32_bits() -> None:
    """The 32-bit length field cannot express 2**32 bits (2**29 bytes) or more."""

    class Huge(bytes):
        def __len__(self) -> int:
            return 1 << 29

    with pytest.raises(ValueError, match="2\\*\\*32 bits"):
        mmo_hash(Huge())


# --- install codes and link keys ---------------------------------------------------------------


@pytest.mark.parametrize(("text", "key", "source"), LINK_KEY_VECTORS, ids=lambda v: v)
def test_link_key_vectors(text: str, key: str, source: str) -> None:
    code = InstallCode.parse(text)
    assert code.crc_ok, source
    assert code.link_key == bytes.fromhex(key), source


def test_printed_example_fields() -> None:
    """se-spec.md §4.1: code 83FED3407A939738, CRC bytes C5 52 (0x52C5, sent low byte first)."""
    code = InstallCode.parse("83FE D340 7A93 9738 C552")
    assert code.code == bytes.fromhex("83FED3407A939738")
    assert code.crc == bytes.fromhex("C552")
    assert code.expected_crc == bytes.fromhex("C552")
    assert str(code) == "83FED3407A939738C552"


def test_from_code_appends_the_crc() -> None:
    """se-spec.md §6.1: code 83FED3407A939723A5C639B26916D505 carries CRC bytes C3 B5."""
    code = InstallCode.from_code(bytes.fromhex("83FED3407A939723A5C639B26916D505"))
    assert code.crc == bytes.fromhex("C3B5")
    assert code.link_key == bytes.fromhex("66B6900981E1EE3CA4206B6B861C02BB")


@pytest.mark.parametrize(
    "text",
    [
        "83FED3407A939738C552",
        "83fed3407a939738c552",
        "83FE D340 7A93 9738 C552",
        "83FE-D340-7A93-9738-C552",
        "83:FE:D3:40:7A:93:97:38:C5:52",
        "0x83FED3407A939738C552",
        "  83FE D340\t7A93 9738 C552\n",
    ],
)
def test_parse_accepts_the_usual_spellings(text: str) -> None:
    # The same code as zsmartsystems MmoHashTest gives with "83FE-D340-7A93-9738-C552".
    assert InstallCode.parse(text).link_key == bytes.fromhex("A833A77434F3BFBD7A7AB97942149287")


def test_bad_crc_is_rejected_with_expected_and_given() -> None:
    """se-spec.md §6.1 negative case 1122334455667788FFFF (zigpy test_fail_convert_install_code)."""
    with pytest.raises(InstallCodeError, match="given FFFF, expected 4AF7"):
        InstallCode.parse("1122334455667788FFFF")
    code = InstallCode.parse("1122334455667788FFFF", verify=False)
    assert not code.crc_ok
    assert code.expected_crc == bytes.fromhex("4AF7")  # zigpy / zsmartsystems vector above


@pytest.mark.parametrize("text", ["", "   ", "--", "0x"])
def test_empty_code_is_rejected(text: str) -> None:
    """se-spec.md §6.1: an empty code is rejected."""
    with pytest.raises(InstallCodeError, match="empty"):
        InstallCode.parse(text)


@pytest.mark.parametrize("total", [n for n in range(1, 22) if n not in (8, 10, 14, 18)])
def test_wrong_lengths_are_rejected(total: int) -> None:
    """se-spec.md §4.1: 6, 8, 12 or 16 bytes plus the 2-byte CRC (8, 10, 14, 18 in all)."""
    with pytest.raises(InstallCodeError, match="8, 10, 14 or 18"):
        InstallCode.parse("AB" * total, verify=False)


@pytest.mark.parametrize("text", ["83FE D340 7A93 9738 C55", "83FED3407A939738C5GG", "83FE/D340"])
def test_non_hex_is_rejected(text: str) -> None:
    with pytest.raises(InstallCodeError, match="hex digits"):
        InstallCode.parse(text)


def test_direct_construction_checks_lengths() -> None:
    with pytest.raises(InstallCodeError):
        InstallCode(bytes(7), bytes(2))
    with pytest.raises(InstallCodeError):
        InstallCode(bytes(8), bytes(3))


def test_install_code_error_is_a_value_error() -> None:
    assert issubclass(InstallCodeError, ValueError)


@given(st.sampled_from(CODE_LENGTHS).flatmap(lambda n: st.binary(min_size=n, max_size=n)))
def test_link_key_matches_zigpy(code: bytes) -> None:
    """zigpy.util.convert_install_code checks the CRC and hashes code ‖ CRC: same key as ours."""
    ours = InstallCode.from_code(code)
    transmitted = code + CrcX25.calcbytes(code, byteorder="little")
    assert ours.code + ours.crc == transmitted
    assert InstallCode.parse(transmitted.hex()).link_key == ours.link_key
    assert ours.link_key == bytes(zigpy.util.convert_install_code(transmitted))


@given(
    st.sampled_from(CODE_LENGTHS).flatmap(lambda n: st.binary(min_size=n, max_size=n)),
    st.binary(min_size=2, max_size=2),
)
def test_crc_verdict_matches_zigpy(code: bytes, crc: bytes) -> None:
    """zigpy raises ValueError on a CRC mismatch exactly when we report one."""
    ours = InstallCode(code, crc)
    try:
        zigpy.util.convert_install_code(code + crc)
    except ValueError:
        theirs_ok = False
    else:
        theirs_ok = True
    assert ours.crc_ok is theirs_ok

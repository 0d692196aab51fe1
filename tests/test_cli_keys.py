"""``segateway keys install-code``: CRC check and link-key derivation from the command line.

Expected keys and CRCs are the published vectors of tests/zigbee/test_install_code.py.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from segateway.cli import main

SPEC_CODE = "83FED3407A939723A5C639B26916D505C3B5"  # se-spec.md §6.1
SPEC_KEY = "66B6900981E1EE3CA4206B6B861C02BB"


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["keys", "install-code", *argv], out=out)
    return code, out.getvalue()


def test_matching_crc_prints_the_link_key_in_every_form() -> None:
    code, text = run(SPEC_CODE)
    assert code == 0
    assert "install code  83FED3407A939723A5C639B26916D505 (16 bytes + 2-byte CRC)" in text
    assert "CRC given     C3B5" in text
    assert "CRC expected  C3B5  (matches)" in text
    assert f"link key      {SPEC_KEY}" in text
    assert "66:B6:90:09:81:E1:EE:3C:A4:20:6B:6B:86:1C:02:BB" in text
    assert f'<link_key type="base16">{SPEC_KEY}</link_key>' in text
    assert f'"{SPEC_KEY}","Normal","install code {SPEC_CODE}"' in text


def test_code_as_printed_on_a_label_in_several_arguments() -> None:
    """se-spec.md §4.1 label form; key from zsmartsystems MmoHashTest."""
    code, text = run("83FE", "D340", "7A93", "9738", "C552")
    assert code == 0
    assert "link key      A833A77434F3BFBD7A7AB97942149287" in text


def test_mismatch_shows_the_expected_crc_and_exits_1() -> None:
    """se-spec.md §6.1 negative case; 4AF7 is the CRC of 1122334455667788 (zigpy, zsmartsystems)."""
    code, text = run("1122-3344-5566-7788-FFFF")
    assert code == 1
    assert "CRC given     FFFF" in text
    assert "CRC expected  4AF7  MISMATCH" in text
    assert "link key      not derived" in text
    assert "swapped" not in text


def test_swapped_crc_bytes_get_a_hint() -> None:
    code, text = run("1122334455667788F74A")
    assert code == 1
    assert "look swapped" in text
    assert "1122334455667788 4AF7".replace(" ", "") in text


def test_code_without_its_crc_gets_a_hint() -> None:
    """An 8-byte code typed without CRC reads as a 6-byte code with a wrong CRC."""
    code, text = run("83FED3407A939738")
    assert code == 1
    assert "if the CRC was left out, the code with its CRC is 83FED3407A939738C552" in text


def test_json() -> None:
    code, text = run(SPEC_CODE, "--json")
    assert code == 0
    assert json.loads(text) == {
        "code": "83FED3407A939723A5C639B26916D505",
        "crc": "C3B5",
        "expected_crc": "C3B5",
        "crc_ok": True,
        "link_key": SPEC_KEY,
    }
    code, text = run("--json", "1122334455667788FFFF")
    assert code == 1
    assert json.loads(text)["expected_crc"] == "4AF7"
    assert json.loads(text)["link_key"] is None


@pytest.mark.parametrize(
    ("arg", "message"),
    [
        ("83FED3", "8, 10, 14 or 18 bytes, not 3"),
        ("83FED3407A939723A5C639B26916D505C3B500", "8, 10, 14 or 18 bytes, not 19"),
        ("83FED3407A93973G", "hex digits"),
        ("", "empty"),
    ],
)
def test_bad_input_exits_1_with_a_clear_message(
    arg: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, text = run("--", arg)
    assert code == 1
    assert text == ""
    assert message in capsys.readouterr().err


def test_missing_argument_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as exc:
        main(["keys", "install-code"])
    assert exc.value.code == 2


def test_runs_as_a_module() -> None:
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "segateway", "keys", "install-code", SPEC_CODE, "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0
    assert json.loads(done.stdout)["link_key"] == SPEC_KEY

"""The `segateway` command line (zcl decode / encode / clusters)."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from segateway.cli import main

RAR = (
    "18 09 01 0000 00 25 15CD5B070000 0003 00 30 00 0103 00 22 010000"
    " 0203 00 22 E80300 0303 00 18 33"
)


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


def test_decode_text_names_attributes_and_engineering_values() -> None:
    code, text = run("zcl", "decode", *RAR.split(), "--cluster", "0x0702")
    assert code == 0
    assert "read_attributes_response" in text
    assert "0x0000 current_summation_delivered" in text
    assert "unit_of_measure" in text
    assert "123456.789 kWh" in text  # the §6.6 vector in engineering units


def test_decode_json_shape() -> None:
    code, text = run("zcl", "decode", RAR.replace(" ", ""), "--cluster", "0x0702", "--json")
    assert code == 0
    obj = json.loads(text)
    assert set(obj) == {"header", "command", "fields"}
    assert obj["command"] == "read_attributes_response"
    assert obj["header"]["tsn"] == 9
    assert obj["header"]["direction"] == 1
    first = obj["fields"]["records"][0]
    assert first == {"attribute_id": 0, "status": "SUCCESS", "data_type": "uint48",
                     "value": 123456789}  # fmt: skip


def test_encode_then_decode_round_trip() -> None:
    code, hexed = run(
        "zcl", "encode", "--command", "read_attributes", "--direction", "c2s", "--tsn", "9",
        "--json", '{"attribute_ids": [0, 768, 769, 770, 771]}',
    )  # fmt: skip
    assert code == 0
    assert hexed.strip() == "00090000000003010302030303"  # the §6.6 Read Attributes vector


def test_decode_json_can_be_fed_back_to_encode() -> None:
    _, text = run("zcl", "decode", RAR, "--cluster", "0x0702", "--json")
    obj = json.loads(text)
    code, hexed = run(
        "zcl", "encode", "--cluster", "0x0702", "--command", obj["command"], "--direction", "s2c",
        "--tsn", "9", "--disable-default-response", "--json", json.dumps(obj["fields"]),
    )  # fmt: skip
    assert code == 0
    assert hexed.strip() == RAR.replace(" ", "").lower()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["zcl", "decode", "0102"], "at least 3 bytes"),
        (["zcl", "decode", "zz"], "not hex"),
        (["zcl", "encode", "--command", "nope", "--direction", "c2s"], "no cluster was given"),
        (
            [
                "zcl",
                "encode",
                "--command",
                "read_attributes",
                "--json",
                "[1]",
                "--direction",
                "c2s",
            ],
            "JSON object",
        ),
        (
            ["zcl", "encode", "--command", "read_attributes", "--json", "{", "--direction", "c2s"],
            "not valid JSON",
        ),
        (["zcl", "encode", "--command", "read_attributes", "--json", "{}"], "direction"),
        (["zcl", "encode", "--cluster", "0x9999", "--command", "x"], "not defined here"),
    ],
)
def test_errors_are_reported(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = run(*argv)
    assert code == 1
    assert message in capsys.readouterr().err


def test_clusters_listing() -> None:
    code, text = run("zcl", "clusters")
    assert code == 0
    assert "0x000A time" in text
    code, text = run("zcl", "clusters", "--cluster", "0x000a")
    assert "time_status" in text


def test_module_entry_point() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "segateway", "zcl", "decode", "18010b0000", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(done.stdout)["fields"] == {"command_id": 0, "status": "SUCCESS"}

"""``segateway run`` for real: a subprocess serving on port 0 of 127.0.0.1, reached over HTTP by
the CLI client (``segateway rpc get_time``, ``devices``), stopped by SIGINT; bounded in time."""

from __future__ import annotations

import io
import json
import signal
import time
import urllib.request
from pathlib import Path

from segateway.cli import main

from ..gateway_process import running_gateway


def test_run_serves_the_cli_client_over_real_http(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with running_gateway(
        data,
        *("--http", "127.0.0.1:0", "--duration", "30", "--quiet"),
        start_within=20,
        stop_within=15,
    ) as process:
        assert (data / "token").stat().st_mode & 0o077 == 0
        out = io.StringIO()
        assert main(["rpc", "get_time", "--data-dir", str(data)], out=out) == 0
        assert json.loads(out.getvalue())["response"] == "get_time_response"
        out = io.StringIO()
        assert main(["rpc", "get_version", "--data-dir", str(data)], out=out) == 0
        out = io.StringIO()
        assert main(["devices", "--data-dir", str(data)], out=out) == 0
        assert "coordinator" in out.getvalue()
        out = io.StringIO()
        assert main(["rpc", "get_time", "--data-dir", str(data), "--token", "bad"], out=out) == 1
        # an XML request document, as a Digi application sends it (reference §2.1)
        request = tmp_path / "get_time.xml"
        request.write_text(
            '<rci_request version="1.1"><do_command target="RPC_request">'
            '<get_time synchronous="TRUE"/></do_command></rci_request>',
            encoding="utf-8",
        )
        out = io.StringIO()
        assert main(["rpc", "--xml", str(request), "--data-dir", str(data)], out=out) == 0
        reply = out.getvalue()
        assert reply.lstrip().startswith("<rci_reply"), reply
        assert "<get_time_response" in reply
        assert main(["rpc", "get_time", "--xml", str(request), "--data-dir", str(data)]) == 1
    output = process.stdout_text  # type: ignore[attr-defined]
    assert "token" in output
    assert "stopped" in output
    assert not (data / "gateway.json").exists()


def test_an_open_event_stream_does_not_keep_the_gateway_from_stopping(tmp_path: Path) -> None:
    """Found while writing the getting-started test: with a `segateway events` client still
    connected, SIGINT left the gateway waiting for the stream to end. It now stops within the
    shutdown grace period."""

    data = tmp_path / "data"
    with running_gateway(
        data, *("--http", "127.0.0.1:0", "--duration", "60", "--quiet"), start_within=20
    ) as process:
        url = json.loads((data / "gateway.json").read_text())["url"]
        token = (data / "token").read_text().strip()
        request = urllib.request.Request(  # noqa: S310 - our own loopback server
            url.rstrip("/") + "/events", headers={"Authorization": f"Bearer {token}"}
        )
        stream = urllib.request.urlopen(request, timeout=10)  # noqa: S310
        process.send_signal(signal.SIGINT)
        started = time.monotonic()
        process.wait(timeout=15)
        stream.close()
    assert time.monotonic() - started < 10

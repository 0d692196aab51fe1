"""Durability of the ESI servers: events survive a SIGKILL and a restart resumes every schedule.

DESIGN.md: "Persistence before acknowledgement. An RPC that creates an event answers only after
the event is durable; a restart (even after SIGKILL) resumes every schedule."
"""

from __future__ import annotations

import selectors
import signal
import subprocess
import sys
from pathlib import Path

from segateway.se.bus import ReceivedReportEventStatus
from segateway.se.servers import DrlcServer, MessagingServer, PriceServer
from segateway.store import Store

from .esi_stream_child import FIRST_START, SPACING
from .esikit import (
    DRLC,
    IPD_A,
    IPD_B,
    IPD_C,
    MESSAGING,
    PRICE,
    client,
    frames_from_esi,
    go_away,
    hexb,
    le,
    server,
)
from .sekit import Home

HELPER = Path(__file__).with_name("esi_child.py")
ROOT = Path(__file__).resolve().parents[2]
CHILD_EVENT = 0x0000D0D0
TIMEOUT = 60.0


def _read_line(process: subprocess.Popen[str], timeout: float) -> str:
    """One line of the child's output, or "" when none came within ``timeout`` seconds."""
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            return ""
    return process.stdout.readline()


def test_an_event_survives_sigkill_right_after_on_done(tmp_path: Path) -> None:
    """Issue 4 §3/§6: "an event is written to the store … before any frame goes out and before
    on_done". A process killed with SIGKILL as soon as on_done has run still has the event when
    the store is opened again, and a client joining afterwards gets it."""
    path = tmp_path / "esi.sqlite"
    child = subprocess.Popen(  # noqa: S603 - our own interpreter and helper script
        [sys.executable, str(HELPER), str(path)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = _read_line(child, TIMEOUT)
    finally:
        child.kill()  # SIGKILL
        _, errors = child.communicate(timeout=TIMEOUT)
    assert line == f"DONE 0 {IPD_A:016x}\n", errors
    assert child.returncode == -signal.SIGKILL

    home = Home(store=Store(path))
    drlc = server(home, DRLC, DrlcServer)
    (event,) = drlc.get_DRLC_events()
    assert event["issuer_event_id"] == CHILD_EVENT
    assert drlc.deliveries(CHILD_EVENT)[IPD_A]["status"] == "delivered"
    c = client(home, IPD_C)
    (frame,) = frames_from_esi(c, DRLC)
    assert frame == hexb(
        f"09 {frame[1]:02x} 00 {le(CHILD_EVENT, 4)} FF 0F 00 {le(event['start_time'], 4)}"
        "78 00 01 FF FF 00 80 00 80 80 FF 03"  # 120 minutes, the record's defaults
    )


def test_a_restart_reloads_events_rearms_their_expiry_and_resumes_deliveries(
    tmp_path: Path,
) -> None:
    """Issue 4 §6: "on application restart (start()), each server reloads its events from the
    store, re-arms its expiry timers and carries on"; a device that was away before the restart
    gets what it missed when it is back after it."""
    path = tmp_path / "esi.sqlite"
    home = Home(store=Store(path))
    client(home, IPD_A)
    b = client(home, IPD_B)
    go_away(home, b)
    drlc = server(home, DRLC, DrlcServer)
    drlc.create_DRLC_event({"issuer_event_id": 1, "duration_in_minutes": 30})
    server(home, PRICE, PriceServer).create_price_event(
        {"issuer_event_id": 2, "duration_in_minutes": 0xFFFF, "price": 5}
    )
    server(home, MESSAGING, MessagingServer).create_message_event(
        {"message_id": 3, "duration_in_minutes": 10, "message": "m"}
    )
    home.run(5)
    assert drlc.deliveries(1)[IPD_B]["status"] == "pending"
    home.esi.close()
    home.store.close()

    again = Home(store=Store(path))  # a new process would do the same: open the file
    drlc = server(again, DRLC, DrlcServer)
    prices = server(again, PRICE, PriceServer)
    messaging = server(again, MESSAGING, MessagingServer)
    assert [e["issuer_event_id"] for e in drlc.get_DRLC_events()] == [1]
    assert [p["issuer_event_id"] for p in prices.get_price_events()] == [2]
    assert [m["message_id"] for m in messaging.get_message_events()] == [3]
    b = client(again, IPD_B)  # the same device, back on the (new) network
    assert [f[2] for f in frames_from_esi(b, DRLC)] == [0x00]  # its Load Control Event
    assert len(frames_from_esi(b, PRICE)) == 1
    assert len(frames_from_esi(b, MESSAGING)) == 1
    assert drlc.deliveries(1)[IPD_B]["status"] == "delivered"
    again.run(40 * 60)  # the re-armed timers end the DRLC event and the message
    assert drlc.get_DRLC_events() == []
    assert messaging.get_message_events() == []
    assert [p["issuer_event_id"] for p in prices.get_price_events()] == [2]


STREAM_HELPER = Path(__file__).with_name("esi_stream_child.py")


def test_kill_9_in_a_stream_of_creations_loses_nothing_acknowledged(tmp_path: Path) -> None:
    """Issue 4, crash test: "kill -9 the gateway process in the middle of a stream of event
    creations; after restart every acknowledged event is present and fires on time"."""
    path = tmp_path / "esi.sqlite"
    child = subprocess.Popen(  # noqa: S603 - our own interpreter and helper script
        [sys.executable, str(STREAM_HELPER), str(path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    acknowledged: list[int] = []
    try:
        while len(acknowledged) < 20:
            line = _read_line(child, TIMEOUT)
            assert line.startswith("ACK "), line
            acknowledged.append(int(line.split()[1]))
    finally:
        child.send_signal(signal.SIGKILL)  # mid-stream: it is creating the next ones
        _, errors = child.communicate(timeout=TIMEOUT)
    assert child.returncode == -signal.SIGKILL, errors
    assert acknowledged == list(range(1, 21))

    home = Home(store=Store(path))  # the restarted gateway
    drlc = server(home, DRLC, DrlcServer)
    held = [e["issuer_event_id"] for e in drlc.get_DRLC_events()]
    assert held[: len(acknowledged)] == acknowledged  # all there (maybe one more, unacknowledged)
    ipd = home.app(IPD_A)  # an IPD joins after the restart and gets them all
    last = FIRST_START + SPACING * len(held) + 120
    home.run(last - home.timebase.now())
    started = {
        n.record["issuer_event_id"]: n.record["event_status_time"]
        for n in home.of(ReceivedReportEventStatus)
        if n.record["event_status"] == 0x02 and n.source_address == IPD_A
    }
    for event_id in acknowledged:  # each fires at its start time, to the second
        assert started.get(event_id) == FIRST_START + SPACING * event_id
    assert ipd.started

"""The IPD's Time client on the air: probes play the ESIs' Time servers, answering the IPD's
Read Attributes with hand-written responses (se-spec.md §1.3, §2.3), in virtual time."""

from __future__ import annotations

from segateway.se.bus import ReceivedPriceEvent, StatusMessage, UpdatedActivePriceEvent
from segateway.se.clients._engine_host import LATE_JOIN_WAIT
from segateway.se.clients.price import PriceClient
from segateway.se.clients.time import TimeClient
from segateway.se.endpoint import LocalCluster

from .ipdkit import (
    ESI_A,
    ESI_B,
    PRICE,
    TIME,
    Esi,
    Ipd,
    esi_probe,
    le,
    quiet_home,
    run_until,
    start_ipd,
)
from .sekit import START_UTC, Home

MASTER = 0x01
SUPERSEDING = 0x08
MASTER_ZONE_DST = 0x04
INVALID = 0xFFFFFFFF
# Read Attributes (0x00) of Time 0x0000, TimeStatus 0x0001, LastSetTime 0x0008,
# ValidUntilTime 0x0009; frame control 0x00: profile-wide, client→server
READ_TIME = bytes.fromhex("00 00 0000 0100 0800 0900")


def time_reads(esi: Esi) -> list[int]:
    """TSNs of the Read Attributes of the Time cluster the ESI got from the IPD."""
    frames = esi.commands(TIME, 0x00, specific=False)
    assert all(f.tail == READ_TIME for f in frames)
    return [f.tsn for f in frames]


def wait_reads(home: Home, esi: Esi, count: int, timeout: float = 30) -> int:
    """Run until the ESI has been asked ``count`` times; the last request's TSN."""
    run_until(home, lambda: len(time_reads(esi)) >= count, timeout)
    return time_reads(esi)[-1]


def answer(
    esi: Esi,
    tsn: int,
    *,
    time: int,
    status: int,
    last_set: int = INVALID,
    valid_until: int = INVALID,
) -> None:
    """Read Attributes Response (0x01), frame control 0x18 (profile-wide, server→client,
    Disable Default Response): per attribute id, status 0x00, data type, value."""
    esi.send(
        TIME,
        f"18 {tsn:02X} 01"
        f" 0000 00 E2 {le(time, 4)}"  # Time, UTCTime
        f" 0100 00 18 {status:02X}"  # TimeStatus, bitmap8
        f" 0800 00 E2 {le(last_set, 4)}"  # LastSetTime, UTCTime
        f" 0900 00 E2 {le(valid_until, 4)}",  # ValidUntilTime, UTCTime
    )


def synced(ipd: Ipd) -> list[StatusMessage]:
    return [n for _, n in ipd.of(StatusMessage) if n.status == 0x0003]


def unsynchronized_ipd(home: Home, *clusters: LocalCluster) -> Ipd:
    """An IPD whose clock starts at UTCTime 0 (year 2000), not synchronised."""
    chosen = list(clusters) or [TimeClient()]
    return start_ipd(home, chosen, synchronized=False, utc_at_zero=0)


def test_of_two_servers_the_master_superseding_one_is_followed() -> None:
    """se-spec.md §2.3: "read Time, TimeStatus, LastSetTime, ValidUntilTime from every ESI, then
    prefer, in order: (1) Master+Superseding over Master only; (2) Master over not-Master; (3)
    among equals, the lower short address". The IPD's UTCTime becomes the chosen server's, and
    the framework's Time Synchronized message (status 0x0003, digi-se-rpc.md §5) follows."""
    home = quiet_home()
    ipd = unsynchronized_ipd(home)
    a = esi_probe(home, ipd, ESI_A, [TIME])
    tsn = wait_reads(home, a, 1)
    first = START_UTC + 1000
    answer(a, tsn, time=first, status=MASTER)
    home.run(0.5)
    assert ipd.app.timebase.synchronized
    assert ipd.now() == first
    assert [m.device for m in synced(ipd)] == [ESI_A]

    b = esi_probe(home, ipd, ESI_B, [TIME])
    # B becoming active starts a new synchronisation that reads both servers
    tsn_a, tsn_b = wait_reads(home, a, 2), wait_reads(home, b, 1)
    # the Master+Superseding server is the one with the HIGHER short address: rule (1) must
    # beat rule (3)
    best, other = (a, b) if a.nwk > b.nwk else (b, a)
    best_time, other_time = START_UTC + 5000, START_UTC + 9000
    answer(other, tsn_a if other is a else tsn_b, time=other_time, status=MASTER)
    home.run(0.1)  # one after the other: the two probes cannot hear each other
    answer(
        best,
        tsn_a if best is a else tsn_b,
        time=best_time,
        status=MASTER | MASTER_ZONE_DST | SUPERSEDING,
        last_set=best_time - 10,
    )
    run_until(home, lambda: len(synced(ipd)) == 2, 5)
    assert ipd.now() == best_time
    assert [m.device for m in synced(ipd)] == [ESI_A, best.ieee]
    assert synced(ipd)[-1].description == "Time Synchronized"
    client = ipd.app.cluster(TIME, TimeClient.side)
    assert isinstance(client, TimeClient)
    assert client.status() == {
        "synchronized": True,
        "source_address": best.ieee,
        "time_status": 0x0D,
    }


def test_a_server_with_neither_master_nor_synchronized_is_never_chosen() -> None:
    """se-spec.md §2.3 rule (4): "never pick a server that has neither Master nor Synchronized
    set" (Superseding alone counts for nothing); the IPD tries again later (60 s)."""
    home = quiet_home()
    ipd = unsynchronized_ipd(home)
    a = esi_probe(home, ipd, ESI_A, [TIME])
    tsn = wait_reads(home, a, 1)
    asked_at = home.clock.now()
    answer(a, tsn, time=START_UTC, status=SUPERSEDING)
    home.run(1.0)
    assert not ipd.app.timebase.synchronized
    assert synced(ipd) == []
    tsn = wait_reads(home, a, 2, 70)
    assert 60 <= home.clock.now() - asked_at < 62  # retries fall on whole seconds, rounded up
    answer(a, tsn, time=START_UTC + 70, status=0x02)  # Synchronized only: usable
    home.run(0.5)
    assert ipd.now() == START_UTC + 70


def test_resync_comes_at_the_valid_until_time() -> None:
    """se-spec.md §2.3: "ValidUntilTime tells clients when to resync"; without it the client
    reads again after its resync period (3600 s by default)."""
    home = quiet_home()
    ipd = unsynchronized_ipd(home)
    a = esi_probe(home, ipd, ESI_A, [TIME])
    tsn = wait_reads(home, a, 1)
    base = home.clock.now()

    def server_time() -> int:  # the server's clock: START_UTC when it first answers
        return START_UTC + int(home.clock.now() - base)

    answer(a, tsn, time=server_time(), status=MASTER, valid_until=START_UTC + 300)
    tsn = wait_reads(home, a, 2, 310)
    assert 300 <= home.clock.now() - base < 302  # on whole seconds, rounded up
    answered_at = home.clock.now()
    answer(a, tsn, time=server_time(), status=MASTER)
    wait_reads(home, a, 3, 3700)
    assert 3600 <= home.clock.now() - answered_at < 3602
    assert abs(ipd.app.timebase.now_exact() - (START_UTC + home.clock.now() - base)) < 1
    # resyncs that find the same time from the same server are silent
    assert len(synced(ipd)) == 1


def test_event_clients_ask_the_esi_only_once_the_time_is_synchronized() -> None:
    """digi-se-rpc.md §6.1: "SE event functions need synchronised time": the Price client's
    late-join requests (Get Current Price, Get Scheduled Prices) wait for the first time
    synchronisation, so that the answers are judged against the network's time."""
    home = quiet_home()
    ipd = unsynchronized_ipd(home, TimeClient(), PriceClient())
    esi = esi_probe(home, ipd, ESI_A, [TIME, PRICE])
    tsn = wait_reads(home, esi, 1)
    home.run(2.0)
    assert esi.commands(PRICE, 0x00) == []
    answer(esi, tsn, time=START_UTC, status=MASTER)
    home.run(10.0)  # relayed by the coordinator, each with its APS ack: a retry may be needed
    assert sorted(f.command_id for f in esi.frames(PRICE)) == [0x00, 0x01]


def test_without_a_time_answer_the_late_join_requests_go_out_after_a_while() -> None:
    """The wait for the first synchronisation is bounded (30 s): a silent Time server does not
    keep the IPD from catching up with prices."""
    home = quiet_home()
    ipd = unsynchronized_ipd(home, TimeClient(), PriceClient())
    esi = esi_probe(home, ipd, ESI_A, [TIME, PRICE])
    wait_reads(home, esi, 1)
    active_at = home.clock.now()
    run_until(home, lambda: bool(esi.frames(PRICE)), 60)
    assert LATE_JOIN_WAIT - 2 <= home.clock.now() - active_at <= LATE_JOIN_WAIT + 1


def test_a_price_held_before_the_sync_takes_effect_when_the_time_is_set() -> None:
    """A price received while the IPD's clock is still wrong is judged again when the time is
    synchronised: it is active at once if the network's time is within it."""
    home = quiet_home()
    ipd = unsynchronized_ipd(home, TimeClient(), PriceClient())
    esi = esi_probe(home, ipd, ESI_A, [TIME, PRICE])
    tsn = wait_reads(home, esi, 1)
    network_now = START_UTC + 50_000
    # Publish Price (SE 1.0 fields): provider 1, no label, id 0x90, current time, kWh, USD,
    # 2 decimals, start an hour ago (network time), 2 hours, price 120
    esi.send(
        PRICE,
        f"19 33 00 01000000 00 90000000 {le(network_now, 4)} 00 4803 20 00"
        f" {le(network_now - 3600, 4)} 7800 78000000",
    )
    home.run(1.0)
    assert [n.status for _, n in ipd.of(ReceivedPriceEvent)] == [0x00]
    assert ipd.of(UpdatedActivePriceEvent) == []  # in the far future of the IPD's clock
    answer(esi, tsn, time=network_now, status=MASTER)
    home.run(0.5)
    [(when, update)] = ipd.of(UpdatedActivePriceEvent)
    assert when == network_now
    assert [r["issuer_event_id"] for r in update.record_list] == [0x90]

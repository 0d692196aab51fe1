"""The In-Premise Display, the range extender and a sleepy device against the gateway."""

from __future__ import annotations

from segateway.se.bus import ReceivedMessageConfirmation
from segateway.sim.devices import Ipd, RangeExtender, WaterHeater

from .devkit import (
    create_drlc_event,
    create_message_event,
    create_price_event,
    device_ieee,
    gateway_and_household,
    household_with,
    start,
    statuses,
)

IPD = device_ieee(1)


def test_the_ipd_shows_the_price_the_message_and_the_dr_events_and_confirms() -> None:
    """Messaging: Message Control bit 7 (0x80) asks the user to confirm; the IPD's user does
    ``confirm_after`` seconds later and the gateway receives the Message Confirmation."""
    ipd = Ipd("ipd", confirms=True, confirm_after=30.0)
    home, _ = household_with(ipd, IPD)
    create_price_event(
        home, issuer_event_id=0x700, start_time=0, duration_in_minutes=60, price=1234
    )
    home.run(5 * 60)  # a price increase applies after up to PriceIncreaseRandomizeMinutes (5)
    assert ipd.price is not None
    assert ipd.price["price"] == 1234
    create_message_event(
        home,
        message_id=0x4D1,
        message_control=0x80,
        start_time=0,
        duration_in_minutes=30,
        message="Peak event at 5pm",
    )
    assert ipd.message is not None
    assert ipd.message["message"] == "Peak event at 5pm"
    assert not home.of(ReceivedMessageConfirmation)
    home.run(40)
    confirmations = home.of(ReceivedMessageConfirmation)
    assert [c.record["message_id"] for c in confirmations] == [0x4D1]
    assert confirmations[0].source_address == IPD
    assert ipd.confirmed == [0x4D1]
    create_drlc_event(
        home, issuer_event_id=0xB1, device_class=0x0001, start_time=0, duration_in_minutes=15
    )
    home.run(5)
    assert [e["issuer_event_id"] for e in ipd.drlc_events] == [0xB1]
    home.run(15 * 60)
    assert ipd.drlc_events == []
    # the IPD's class value is 0x0FFF: it addresses HVAC too and reports like any client
    assert statuses(home, IPD, 0xB1) == [0x01, 0x02, 0x03]


def test_a_message_without_the_confirmation_bit_is_not_confirmed() -> None:
    ipd = Ipd("ipd", confirms=True, confirm_after=1.0)
    home, _ = household_with(ipd, IPD)
    create_message_event(
        home, message_id=7, message_control=0x00, start_time=0, duration_in_minutes=5, message="hi"
    )
    home.run(30)
    assert home.of(ReceivedMessageConfirmation) == []
    assert ipd.confirmed == []


def test_a_device_that_hears_only_the_range_extender_joins_and_takes_part_through_it() -> None:
    home, household = gateway_and_household()
    extender = household.add(RangeExtender("extender"), device_ieee(2))
    heater = WaterHeater("wh", seed=1)
    household.add(heater, device_ieee(3), hears=[extender.node])
    start(home, household, settle=240)
    create_drlc_event(
        home, issuer_event_id=0xB2, device_class=0x0004, start_time=0, duration_in_minutes=5
    )
    home.run(6 * 60)
    assert statuses(home, device_ieee(3), 0xB2) == [0x01, 0x02, 0x03]


def test_a_sleepy_ipd_polls_its_parent_and_still_gets_the_price() -> None:
    """An end device with its receiver off gets the price through its parent's buffer: it
    learns the time (Time client) and the price, then shows it."""
    home, household = gateway_and_household(poll_interval=1.0)
    ipd = Ipd("ipd")
    household.add(ipd, IPD, sleepy=True)
    start(home, household, settle=240)
    create_price_event(home, issuer_event_id=0x701, start_time=0, duration_in_minutes=60, price=99)
    home.sim.run_until(lambda: ipd.price is not None, timeout=1800)
    assert ipd.price is not None
    assert ipd.price["price"] == 99


def test_a_sleepy_ipd_polling_every_5_s_learns_the_time() -> None:
    """A sleepy device gets every answer only when it next polls its parent, so it waits for
    answers two poll intervals longer (as the APS layer does for acknowledgements). With the
    ZDO wait of 5 s alone, a display polling every 5 s timed out on each discovery answer,
    never found the ESI's Time server and never learned the time (found by the simulator)."""
    home, household = gateway_and_household(poll_interval=5.0)
    ipd = Ipd("ipd")
    household.add(ipd, IPD, sleepy=True)
    household.start()
    member = household.members[-1]
    assert home.sim.run_until(
        lambda: member.app is not None and member.app.timebase.synchronized, timeout=900
    )
    assert member.app is not None
    assert member.app.port.info().poll_interval == 5.0
    assert member.app.response_margin == 10.0
    assert abs(member.app.timebase.now() - home.timebase.now()) <= 1

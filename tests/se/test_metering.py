"""The Metering client against a simulated meter, over the simulated network (real frames).

Expected engineering values are computed here by plain arithmetic from the formatting attributes
(se-spec.md §2.6.1: value = raw × Multiplier ÷ Divisor, in UnitofMeasure), and expected energy
from the load's integral worked out by hand, never from the code under test.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from segateway.radio import ApsPacket, NetworkState
from segateway.se.app import Role, SeApplication, SeConfig
from segateway.se.bus import AttributeReport, DeviceStatusChanged
from segateway.se.clients.metering import (
    AttributeValue,
    MeteringClient,
    MeteringSettings,
    Mode,
    ProfileResult,
)
from segateway.se.endpoint import Incoming
from segateway.se.general import (
    BasicServer,
    IdentifyServer,
    KeyEstablishmentClient,
    KeyEstablishmentServer,
)
from segateway.se.timebase import TimeBase
from segateway.sim.devices import MeteringServer, SimulatedMeter, StepLoad, simulated_meter
from segateway.store import Store
from segateway.zcl.cluster import Side
from segateway.zcl.clusters.metering import GetProfileStatus, Metering, ProfileIntervalPeriod
from segateway.zcl.frame import ZclFrame, decode_frame

from .sekit import START_UTC, Home, fixed_bytes

METER = 0x00124B0000A1B2C3
IPD = 0x00124B00000D15D1
DISPLAY = 0x00124B00000D15D7
SUMMATION, DEMAND = 0x0000, 0x0400
J_PER_WH = 3600


def esi_clusters(client: MeteringClient) -> list[Any]:
    return [
        BasicServer(),
        IdentifyServer(),
        KeyEstablishmentServer(),
        KeyEstablishmentClient(),
        client,
    ]


class Air:
    """Metering frames a node receives, decoded, with the clock time they arrived."""

    def __init__(self, home: Home, node: Any) -> None:
        self.home = home
        self.frames: list[tuple[float, ZclFrame, bytes]] = []
        node.add_listener(on_packet=self._got)

    def _got(self, packet: ApsPacket) -> None:
        if packet.cluster_id == 0x0702 and packet.profile_id == 0x0109:
            frame = decode_frame(packet.payload, Metering)
            self.frames.append((self.home.clock.now(), frame, packet.payload))

    def payloads(self, command_id: int, *, general: bool = True) -> list[bytes]:
        """Frames with this command id, without their frame control and TSN."""
        return [
            p[2:]
            for _t, f, p in self.frames
            if f.header.command_id == command_id and ((p[0] & 0x03) == 0) == general
        ]

    def reads(self, attribute_ids: list[int]) -> list[float]:
        """Times of Read Attributes frames asking for exactly ``attribute_ids``."""
        return [
            t
            for t, f, p in self.frames
            if p[0] & 0x03 == 0
            and f.header.command_id == 0x00
            and list(f.payload.attribute_ids) == attribute_ids
        ]


@dataclass
class Rig:
    home: Home
    client: MeteringClient
    meter: SimulatedMeter
    at_meter: Air  # what the meter received
    at_esi: Air  # what the gateway received
    stamped: list[tuple[float, AttributeReport]]

    def reports(self, attribute_id: int, *, after: float = -1.0) -> list[tuple[float, Any]]:
        return [
            (t, r)
            for t, n in self.stamped
            for r in n.record_list
            if r["attribute_id"] == attribute_id and t > after
        ]

    def run(self, seconds: float) -> None:
        self.home.run(seconds)

    def run_to(self, when: float) -> None:
        self.home.run(when - self.home.clock.now())

    @property
    def now(self) -> float:
        return self.home.clock.now()


def meter_rig(
    metering: MeteringServer,
    *,
    settings: MeteringSettings | None = None,
    store: Store | None = None,
    config: SeConfig | None = None,
) -> Rig:
    """An ESI Coordinator with a Metering client, and a meter that joined it and was set up."""
    client = MeteringClient(settings)
    home = Home(clusters=esi_clusters(client), store=store, config=config)
    stamped: list[tuple[float, AttributeReport]] = []
    home.esi.bus.subscribe(
        lambda n: stamped.append((home.clock.now(), n)) if isinstance(n, AttributeReport) else None
    )
    metering.timebase = TimeBase(home.clock, START_UTC)
    meter = simulated_meter(
        home.sim, METER, trust_center=home.coordinator, metering=metering, random_bytes=fixed_bytes
    )
    rig = Rig(home, client, meter, Air(home, meter.node), Air(home, home.coordinator), stamped)
    assert home.sim.run_until(lambda: meter.running, timeout=60)
    assert home.sim.run_until(
        lambda: client.mode(METER, SUMMATION) not in (None, Mode.pending), timeout=30
    )
    home.run(2)
    return rig


def read_now(rig: Rig, ids: list[int]) -> list[AttributeValue]:
    got: list[list[AttributeValue] | None] = []
    rig.client.read_attributes(METER, ids, got.append)
    rig.run(3)
    assert got
    assert got[0] is not None
    return got[0]


def get_profile(rig: Rig, end_time: int = 0, periods: int = 24, channel: int = 0) -> ProfileResult:
    got: list[ProfileResult | None] = []
    rig.client.get_profile(METER, channel, end_time, periods, got.append)
    rig.run(3)
    assert got
    assert got[0] is not None
    return got[0]


def utc_multiple_after(after: float, period: int) -> float:
    """The first clock time > ``after`` at which UTCTime is a multiple of ``period``."""
    utc = START_UTC + after
    return (math.floor(utc / period) + 1) * period - START_UTC


def wh(joules: Fraction) -> int:
    """Whole watt-hours in an energy (the register's resolution with Divisor 1000)."""
    return math.floor(joules / J_PER_WH)


# --- formatting and engineering values -----------------------------------------------------------


def test_formatting_is_read_and_values_come_in_engineering_units() -> None:
    """se-spec §2.6.1: the client reads UnitofMeasure, Multiplier, Divisor, the formatting
    bitmaps and MeteringDeviceType; summation raw 0x00000F4240 with Multiplier 1 and Divisor
    1000 is 1000.000 kWh, demand raw 1234 is 1.234 kW."""
    rig = meter_rig(MeteringServer(1234.0, summation=0x00000F4240, multiplier=1, divisor=1000))
    # the first Metering frame the meter heard: Read Attributes 0x0300-0x0306
    assert rig.at_meter.frames[0][2][0] == 0x00  # global, client→server
    assert rig.at_meter.payloads(0x00)[0] == bytes.fromhex("00 0003 0103 0203 0303 0403 0503 0603")
    # the meter's answer as it went on the air (type ids from se-spec §1.4)
    assert rig.at_esi.payloads(0x01)[0] == bytes.fromhex(
        "01"
        "0003 00 30 00"  # UnitofMeasure enum8: kWh
        "0103 00 22 010000"  # Multiplier uint24: 1
        "0203 00 22 E80300"  # Divisor uint24: 1000
        "0303 00 18 33"  # SummationFormatting: 6 digits left, 3 right
        "0403 00 18 2B"  # DemandFormatting: 5 left, 3 right
        "0503 00 18 2B"  # HistoricalConsumptionFormatting
        "0603 00 18 00"  # MeteringDeviceType (bitmap8): electric
    )
    # then Configure Reporting with the default settings: summation uint48 (0x25) min 60
    # max 600 change 1, demand int24 (0x2A) min 30 max 600 change 1
    assert rig.at_meter.payloads(0x06) == [
        bytes.fromhex("06 00 0000 25 3C00 5802 010000000000 00 0004 2A 1E00 5802 010000")
    ]
    assert rig.at_esi.payloads(0x07) == [bytes.fromhex("07 00")]  # all accepted
    reading = rig.client.reading(METER)
    assert reading is not None
    assert reading.summation_raw == 0x0F4240
    assert reading.summation is not None
    assert reading.summation.value == Decimal(1_000_000 * 1) / Decimal(1000)
    assert reading.summation.value == Decimal("1000.000")
    assert reading.summation.unit == "kWh"
    assert reading.summation.text() == "001000.000 kWh"
    assert reading.demand_raw == 1234
    assert reading.demand is not None
    assert reading.demand.value == Decimal("1.234")
    assert reading.demand.unit == "kW"
    assert reading.metering_device_type == 0x00
    record = reading.record()
    assert (record["summation_delivered"], record["summation_unit"]) == ("1000", "kWh")
    assert (record["instantaneous_demand"], record["demand_unit"]) == ("1.234", "kW")
    # the reports became notifications with raw and engineering values
    _t, first = rig.reports(SUMMATION)[0]
    assert first["value"] == 0x0F4240
    assert first["attribute_type"] == 0x25
    assert Decimal(first["engineering_value"]) == Decimal(1000)
    assert first["unit"] == "kWh"
    assert first["pseudo_reporting"] is False


def test_multiplier_and_divisor_scale_summation_and_demand_alike() -> None:
    """Value = raw × Multiplier ÷ Divisor exactly, for summation and demand: with Multiplier 5
    and Divisor 10000, raw 123456 is 61.728 kWh and 1.5 kW is raw 3000 (3000 × 5 ÷ 10000)."""
    rig = meter_rig(MeteringServer(1500.0, summation=123_456, multiplier=5, divisor=10_000))
    by_id = {v.attribute_id: v for v in read_now(rig, [SUMMATION, DEMAND, 0x0301, 0x0302])}
    assert (by_id[0x0301].value, by_id[0x0302].value) == (5, 10_000)
    summation = by_id[SUMMATION]
    assert summation.quantity is not None
    assert summation.quantity.value == Decimal(summation.value) * 5 / 10_000
    assert by_id[DEMAND].value == 3000
    assert by_id[DEMAND].quantity is not None
    assert by_id[DEMAND].quantity.value == Decimal("1.5")
    # the starting register, on its own: 123456 × 5 ÷ 10000
    _t, first = rig.reports(SUMMATION)[0]
    assert first["value"] == 123_456
    assert Decimal(first["engineering_value"]) == Decimal("61.728")


# --- reporting -----------------------------------------------------------------------------------


def test_reports_arrive_at_the_maximum_interval_and_on_change_at_the_minimum() -> None:
    """ZCL §2.5.7 reporting, as the client configured it: a report at once, one per maximum
    interval (600 s) while nothing changes, and on change no closer than the minimum interval
    (60 s for the summation); the meter refreshes its registers on UTC multiples of its
    DefaultUpdatePeriod (30 s)."""
    rig = meter_rig(MeteringServer(0.0))
    client = rig.client
    assert client.mode(METER, SUMMATION) is Mode.reported
    assert client.mode(METER, DEMAND) is Mode.reported
    rig.run(1900)
    times = [t for t, _r in rig.reports(SUMMATION)]
    assert len(times) == 4  # at once, then at +600, +1200, +1800
    assert [round(b - a, 1) for a, b in itertools.pairwise(times)] == [600.0] * 3
    demand_times = [t for t, _r in rig.reports(DEMAND)]
    assert [round(b - a, 1) for a, b in itertools.pairwise(demand_times)] == [600.0] * 3
    # a 1.5 kW load starts 15 s before an update tick
    tick = utc_multiple_after(rig.now + 20, 30)
    rig.meter.metering.set_load(StepLoad(0.0).then(tick - 15, 1500.0))
    rig.run_to(tick + 200)
    changed = [round(t - tick, 1) for t, _r in rig.reports(SUMMATION, after=tick - 1)]
    assert changed == [0.0, 60.0, 120.0, 180.0]
    demand = [(round(t - tick, 1), r["value"]) for t, r in rig.reports(DEMAND, after=tick - 1)]
    assert demand == [(0.0, 1500)]  # changed once, reported at the tick
    values = [r["value"] for _t, r in rig.reports(SUMMATION, after=tick - 1)]
    # 15 s at 1.5 kW by the tick, then 60 s more for each report: 6.25, 31.25, 56.25, 81.25 Wh
    assert values == [wh(Fraction(1500 * (15 + 60 * k))) for k in range(4)]
    assert all(r["pseudo_reporting"] is False for _t, r in rig.reports(SUMMATION))


def test_a_meter_that_refuses_reporting_is_polled_at_the_configured_interval() -> None:
    """start_receiving_reports falls back to pseudo reporting: a meter that answers Configure
    Reporting with UNREPORTABLE_ATTRIBUTE (0x8C) is read every poll interval (the setting
    ``metering.poll_interval`` of the gateway configuration, 45 s here)."""
    config = SeConfig(refresh_rate=0, extra={"metering.poll_interval": 45})
    rig = meter_rig(MeteringServer(1000.0, reportable=()), config=config)
    assert rig.client.settings.poll_interval == 45
    # the meter refused both: status records (status, direction, attribute id)
    assert rig.at_esi.payloads(0x07) == [bytes.fromhex("07 8C 00 0000 8C 00 0004")]
    assert rig.client.mode(METER, SUMMATION) is Mode.polled
    assert rig.client.mode(METER, DEMAND) is Mode.polled
    start = rig.now
    rig.run(900)
    polls = rig.at_meter.reads([SUMMATION, DEMAND])
    assert len(polls) == 21  # the first at once, then 20 × 45 s (the last at +900 s or so)
    assert [round(b - a, 1) for a, b in itertools.pairwise(polls)] == [45.0] * 20
    assert polls[-1] <= start + 900
    # every poll answer is a pseudo report with growing summation
    pseudo = rig.reports(SUMMATION)
    assert len(pseudo) == len(polls)
    assert all(r["pseudo_reporting"] is True for _t, r in pseudo)
    values = [r["value"] for _t, r in pseudo]
    assert values == sorted(values)
    assert values[-1] - values[0] == wh(Fraction(1000 * 900))  # 1 kW for 45 s × 20 = 250 Wh


def test_silent_reports_fall_back_to_polling_and_back_when_reports_return() -> None:
    """No report within 2 × the maximum interval → pseudo reporting by polling; a report
    arriving again → back to reports (polling stops)."""
    rig = meter_rig(MeteringServer(1500.0))
    rig.run(120)
    rig.meter.metering.forget_reporting()  # a meter that loses its configuration
    last = rig.reports(SUMMATION)[-1][0]
    rig.run(1300)
    assert rig.client.mode(METER, SUMMATION) is Mode.polled
    assert rig.client.mode(METER, DEMAND) is Mode.polled
    polls = rig.at_meter.reads([SUMMATION]) + rig.at_meter.reads([SUMMATION, DEMAND])
    assert polls
    assert abs(min(polls) - (last + 2 * 600)) < 0.1  # summation: 2 × max interval after
    # reports start again (someone configures the meter): the client follows them
    peer = rig.home.esi.peer(METER)
    records = [
        {
            "direction": 0,
            "attribute_id": SUMMATION,
            "data_type": 0x25,
            "minimum_reporting_interval": 60,
            "maximum_reporting_interval": 600,
            "reportable_change": 1,
        }
    ]
    rig.client.send_command(peer, "configure_reporting", {"records": records})
    rig.run(5)
    assert rig.client.mode(METER, SUMMATION) is Mode.reported
    assert rig.client.mode(METER, DEMAND) is Mode.polled  # still silent
    before = len(rig.at_meter.reads([SUMMATION])) + len(rig.at_meter.reads([SUMMATION, DEMAND]))
    rig.run(300)
    assert (
        len(rig.at_meter.reads([SUMMATION])) + len(rig.at_meter.reads([SUMMATION, DEMAND]))
        == before
    )  # the summation is no longer polled
    assert rig.at_meter.reads([DEMAND])  # the demand still is


# --- energy balance ------------------------------------------------------------------------------


def test_energy_balance_constant_load() -> None:
    """1.5 kW for exactly 2 h is 3.000 kWh: the summation read through the gateway moves by
    exactly 3000 raw units (Divisor 1000, Multiplier 1)."""
    rig = meter_rig(MeteringServer(0.0, summation=5_000))
    t0 = math.ceil(rig.now) + 10
    rig.meter.metering.set_load(StepLoad(0.0, [(t0, 1500.0), (t0 + 7200, 0.0)]))
    rig.run_to(t0 + 7200 + 60)
    summation = {v.attribute_id: v for v in read_now(rig, [SUMMATION])}[SUMMATION]
    assert summation.value - 5_000 == 1500 * 7200 // J_PER_WH == 3000
    assert summation.quantity is not None
    assert summation.quantity.value - Decimal(5) == Decimal("3.000")


def test_energy_balance_step_load_and_a_plain_callable() -> None:
    """A step load and a load given as any callable (here a ramp, integrated numerically):
    the summation equals the hand-computed integral to the register's resolution (1 Wh)."""
    steps = [(0.0, 800.0), (1500.0, 2200.0), (4500.0, 350.0), (5300.0, 0.0)]
    rig = meter_rig(MeteringServer(0.0))
    t0 = math.ceil(rig.now) + 10
    start = rig.client.reading(METER)
    assert start is not None
    rig.meter.metering.set_load(StepLoad(0.0, [(t0 + t, w) for t, w in steps]))
    rig.run_to(t0 + 5400)
    # 800 W × 1500 s + 2200 W × 3000 s + 350 W × 800 s = 8,080,000 J = 2244.44 Wh
    energy = Fraction(800 * 1500 + 2200 * 3000 + 350 * 800)
    summation = {v.attribute_id: v for v in read_now(rig, [SUMMATION])}[SUMMATION]
    assert summation.value - (start.summation_raw or 0) == wh(energy) == 2244

    # a ramp from 0 to 36 kW over an hour: ∫ 10 t dt = 5 × 3600² J = 18 kWh
    t1 = math.ceil(rig.now) + 10

    def ramp(t: float) -> float:
        return 10.0 * (t - t1) if t1 <= t < t1 + 3600 else 0.0

    before = summation.value
    rig.meter.metering.set_load(ramp)
    rig.run_to(t1 + 3700)
    after = {v.attribute_id: v for v in read_now(rig, [SUMMATION])}[SUMMATION]
    assert after.value - before == 5 * 3600 * 3600 // J_PER_WH == 18_000


# --- Get Profile ---------------------------------------------------------------------------------


def test_get_profile_intervals_add_up_to_the_summation_delta() -> None:
    """Get Profile (se-spec §2.6.2): the newest intervals first, ending at an interval
    boundary; their sum is the register's change over them; paging back with End Time; an End
    Time before any data → status 0x05; the received channel is not metered → 0x02."""
    metering = MeteringServer(
        0.0, summation=777, profile_interval_period=ProfileIntervalPeriod.minutes_15
    )
    rig = meter_rig(metering)
    first_boundary = utc_multiple_after(rig.now, 900)
    t0 = first_boundary + 100
    # 2 kW from 100 s into the first interval, 1.2 kW from the 4th boundary on, off 100 s
    # into the 12th interval
    load = StepLoad(0.0, [(t0, 2000.0), (first_boundary + 3 * 900, 1200.0), (t0 + 9900, 0.0)])
    metering.set_load(load)
    rig.run_to(first_boundary + 13 * 900 + 30)
    result = get_profile(rig)
    assert result.status is GetProfileStatus.success
    assert result.period is ProfileIntervalPeriod.minutes_15
    assert result.period_seconds == 900
    # the newest complete interval ends at the 14th boundary after the meter started
    assert result.end_time == START_UTC + first_boundary + 13 * 900
    assert result.end_time % 900 == 0
    # 13 intervals between 14 boundaries, and the partial one from the meter's start
    assert len(result.intervals_raw) == 14
    reading = {v.attribute_id: v for v in read_now(rig, [SUMMATION])}[SUMMATION]
    assert sum(result.intervals_raw) == reading.value - 777
    # by hand: the energy (J) at each boundary, and the register (Wh) there; an interval's
    # value is the register's change over it
    per_interval = [0, 2000 * 800, 2000 * 900, 2000 * 900, *[1200 * 900] * 8, 1200 * 100, 0]
    at_boundary = list(itertools.accumulate(Fraction(j) for j in per_interval))
    expected = [wh(at_boundary[0])] + [wh(b) - wh(a) for a, b in itertools.pairwise(at_boundary)]
    assert expected[2:4] == [500, 500]  # 2 kW × 15 min
    assert expected[4:12] == [300] * 8  # 1.2 kW × 15 min
    assert result.intervals_raw[::-1] == expected
    assert sum(q.value for q in result.intervals if q is not None) == Decimal(
        sum(result.intervals_raw)
    ) / Decimal(1000)
    assert result.interval_ends[:2] == [result.end_time, result.end_time - 900]
    # the request as it went on the air: channel 0, end time 0, 24 periods
    assert rig.at_meter.payloads(0x00, general=False)[-1] == bytes.fromhex("00 00 00000000 18")
    # paging back: the block before the 4 newest
    page = get_profile(rig, end_time=result.end_time - 4 * 900, periods=3)
    assert page.end_time == result.end_time - 4 * 900
    assert page.intervals_raw == result.intervals_raw[4:7]
    # before any data
    early = get_profile(rig, end_time=START_UTC + first_boundary - 1)
    assert early.status is GetProfileStatus.no_intervals_available_for_the_requested_time
    assert early.intervals_raw == []
    # consumption received is not metered by this meter
    received = get_profile(rig, channel=1)
    assert received.status is GetProfileStatus.interval_channel_not_supported
    # more periods than MaxNumberOfPeriodsDelivered (15 for this meter): capped
    rig.run(12 * 900)
    assert len(get_profile(rig, periods=40).intervals_raw) == 15


def test_a_meter_powered_off_counts_nothing_and_keeps_its_intervals_aligned() -> None:
    """While the meter is off nothing is metered; when it comes back the boundaries it missed
    close empty intervals, so every interval still ends on a 15-minute boundary."""
    metering = MeteringServer(0.0, profile_interval_period=ProfileIntervalPeriod.minutes_15)
    rig = meter_rig(metering)
    switched_on = math.ceil(rig.now) + 10
    metering.set_load(StepLoad(0.0).then(switched_on, 1000.0))
    b0 = utc_multiple_after(switched_on, 900)
    rig.run_to(b0 + 2 * 900 + 300)
    rig.meter.app.close()  # power off 300 s into the third interval
    rig.run_to(b0 + 4 * 900 + 600)
    rig.meter.app.start()  # on again 600 s into the fifth
    rig.run_to(b0 + 6 * 900 + 30)
    result = get_profile(rig)
    assert result.end_time == START_UTC + b0 + 6 * 900
    assert result.interval_ends[:7] == [START_UTC + b0 + k * 900 for k in range(6, -1, -1)]
    # energy in each interval at 1 kW: up to b0, 2 full, 300 s, off, 300 s, 1 full
    seconds = [b0 - switched_on, 900, 900, 300, 0, 300, 900]
    at_boundary = list(itertools.accumulate(Fraction(1000) * Fraction(s) for s in seconds))
    expected = [wh(at_boundary[0])] + [wh(b) - wh(a) for a, b in itertools.pairwise(at_boundary)]
    assert result.intervals_raw[:7][::-1] == expected
    assert expected[1:3] == [250, 250]
    assert expected[4] == 0


# --- activity and restart ------------------------------------------------------------------------


def test_an_offline_meter_is_polled_into_inactivity_and_set_up_again_when_back() -> None:
    """A meter that goes silent: no reports → polling → failed polls → the device manager marks
    it inactive (3 consecutive failures); back on the air, the next poll reaches it, it is
    active again and the client sets it up again (formatting, reporting)."""
    rig = meter_rig(MeteringServer(1500.0))
    home = rig.home
    home.sim.set_online(rig.meter.node, False)
    rig.run(1200 + 4 * 60 + 60)
    device = home.esi.devices.get(METER)
    assert device is not None
    assert not device.active
    assert [n.active for n in home.of(DeviceStatusChanged)][-1] is False
    status = rig.client.meter_status(METER)
    assert status is not None
    assert status["poll_failures"] >= 3
    assert status["summation_mode"] == "polled"
    configured = len(rig.at_meter.payloads(0x06))
    home.sim.set_online(rig.meter.node, True)
    rig.run(90)
    assert device.active
    assert len(rig.at_meter.payloads(0x06)) == configured + 1  # set up again
    assert rig.client.mode(METER, SUMMATION) is Mode.reported
    later = rig.reports(SUMMATION, after=rig.now - 60)
    assert later
    assert later[-1][1]["pseudo_reporting"] is False


def test_a_restart_restores_the_latest_reading(tmp_path: Path) -> None:
    """The latest reading of each meter is persisted: a new application on the same store
    knows it before hearing from the meter again."""
    path = tmp_path / "gw.sqlite"
    rig = meter_rig(MeteringServer(900.0, summation=42_000), store=Store(path))
    rig.run(600)
    before = rig.client.reading(METER)
    assert before is not None
    assert before.summation_raw is not None
    assert before.summation_raw > 42_000
    rig.home.esi.close()
    rig.home.store.close()
    store = Store(path)
    client = MeteringClient()
    esi = SeApplication(
        rig.home.coordinator,
        rig.home.clock,
        store,
        config=SeConfig(refresh_rate=0),
        rng=random.Random(1),  # noqa: S311 - test determinism
        timebase=rig.home.timebase,
        clusters=esi_clusters(client),
    )
    esi.start()
    after = client.reading(METER)
    assert after is not None
    assert after.summation_raw == before.summation_raw
    assert after.summation == before.summation
    assert after.demand == before.demand
    assert (after.summation_utc, after.demand_utc) == (before.summation_utc, before.demand_utc)
    assert after.format == before.format
    rig.run(120)
    newer = client.reading(METER)
    assert newer is not None
    assert (newer.summation_raw or 0) > before.summation_raw
    esi.close()
    store.close()


def test_readings_stored_by_an_earlier_release_are_restored_and_split() -> None:
    """Earlier releases kept every meter's reading in one store state (``metering:94``, a JSON
    object keyed ``<ieee>/<endpoint>``); it is read at start and rewritten as a state per meter
    (``metering:94/<ieee>/<endpoint>`` and ``…/formatting``)."""
    store = Store(":memory:")
    key = f"{METER:016x}/1"
    store.put_state(
        "metering:94",
        {
            key: {
                "reading": {
                    "endpoint": 1,
                    "format": {
                        "unit_of_measure": 0,  # kWh
                        "multiplier": 1,
                        "divisor": 1000,
                        "summation_formatting": 0x33,
                        "demand_formatting": 0x2B,
                        "historical_consumption_formatting": 0x2B,
                    },
                    "metering_device_type": 0,
                    "summation_raw": 1_234_567,
                    "summation_utc": START_UTC - 60,
                    "demand_raw": 1500,
                    "demand_utc": START_UTC - 30,
                    "status": 0,
                    "pseudo": False,
                },
                "formatting": {
                    "768": 0,
                    "769": 1,
                    "770": 1000,
                    "771": 0x33,
                    "772": 0x2B,
                    "773": 0x2B,
                    "774": 0,
                },
            }
        },
    )
    client = MeteringClient()
    Home(clusters=esi_clusters(client), store=store)
    reading = client.reading(METER)
    assert reading is not None
    assert reading.summation is not None
    assert reading.demand is not None
    assert (reading.summation.value, reading.summation.unit) == (Decimal("1234.567"), "kWh")
    assert (reading.demand.value, reading.demand.unit) == (Decimal("1.5"), "kW")
    assert (reading.summation_utc, reading.demand_utc) == (START_UTC - 60, START_UTC - 30)
    assert store.get_state("metering:94") is None
    assert sorted(store.states("metering:94/")) == [
        f"metering:94/{key}",
        f"metering:94/{key}/formatting",
    ]
    assert store.get_state(f"metering:94/{key}/formatting")["770"] == 1000


# --- the IPD configuration -----------------------------------------------------------------------


def test_an_ipd_finds_a_meter_that_joined_before_it() -> None:
    """IPD Router: the Metering client searches for Metering servers when it starts
    (Match_Desc), so a meter already on the network is found, set up and read."""
    rig = meter_rig(MeteringServer(600.0))
    home = rig.home
    node = home.join(IPD)
    client = MeteringClient()
    ipd = SeApplication(
        node,
        home.clock,
        Store(":memory:"),
        config=SeConfig(role=Role.ipd_router, refresh_rate=0),
        rng=random.Random(2),  # noqa: S311 - test determinism
        timebase=TimeBase(home.clock, START_UTC),
        clusters=esi_clusters(client),
    )
    ipd.start()
    assert home.sim.run_until(lambda: client.reading(METER) is not None, timeout=30)
    home.run(10)
    reading = client.reading(METER)
    assert reading is not None
    assert reading.demand is not None
    assert reading.demand.value == Decimal("0.6")
    assert client.mode(METER, SUMMATION) is Mode.reported
    assert node.state is NetworkState.joined


def test_a_second_client_configuring_reports_does_not_cut_the_first_off() -> None:
    """ZCL §2.5.7: a server keeps one reporting configuration per attribute and reports it to
    every destination (bound devices); a display configuring the meter's summation after the
    gateway gets reports too, and the gateway keeps getting them. A maximum interval of 0xFFFF
    (reporting off) from the display stops only the display's. (The display's Configure
    Reporting frames are handed to the meter's endpoint as received, so that no application link
    key has to be set up for a second client.)"""
    rig = meter_rig(MeteringServer(1000.0))
    endpoint = rig.meter.app.endpoint
    metering = endpoint.cluster(0x0702, Side.server)
    assert metering is not None
    sent_to: list[tuple[float, int | None, str]] = []
    send = metering.send_command

    def recording(peer: Any, command: str, payload: Any, **kw: Any) -> Any:
        sent_to.append((rig.home.clock.now(), peer.ieee, command))
        return send(peer, command, payload, **kw)

    metering.send_command = recording  # type: ignore[method-assign,assignment]

    def configure(tsn: int, maximum: str) -> None:
        # direction 0, CurrentSummationDelivered uint48, min 1 s, max, reportable change 1
        frame = decode_frame(
            bytes.fromhex(f"00 {tsn:02X} 06 00 0000 25 0100 {maximum} 010000000000"), 0x0702
        )
        packet = ApsPacket(
            profile_id=0x0109,
            cluster_id=0x0702,
            src_ep=1,
            dst_ep=1,
            payload=b"",
            src=0x7A7A,
            src_ieee=DISPLAY,
            aps_security=True,
        )
        endpoint._configure_reporting(metering, Incoming(packet, frame))

    configure(0x60, "1E00")  # max 30 s
    start = rig.home.clock.now()
    rig.run(700)
    reports = [(t, ieee) for t, ieee, c in sent_to if c == "report_attributes" and t > start]
    assert len([t for t, ieee in reports if ieee == DISPLAY]) >= 700 // 30 - 1
    assert rig.reports(SUMMATION, after=start)  # the gateway still gets its reports
    configure(0x61, "FFFF")  # the display turns its reporting off
    stopped = rig.home.clock.now()
    rig.run(1300)
    after = [ieee for t, ieee, c in sent_to if c == "report_attributes" and t > stopped]
    assert DISPLAY not in after
    assert rig.reports(SUMMATION, after=stopped)

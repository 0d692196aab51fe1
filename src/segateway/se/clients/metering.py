"""The Metering client (ESI and IPD configurations): follows every meter of the network.

For each meter (a device with a Simple Metering server endpoint), whenever the device manager
says it became usable (discovered, or back after being inactive):

1. read its Formatting Set (UnitofMeasure, Multiplier, Divisor, Summation/Demand/Historical
   Consumption Formatting, MeteringDeviceType); a failed read is retried after
   ``retry_interval``;
2. configure reporting of CurrentSummationDelivered and InstantaneousDemand (min/max intervals
   and reportable change from :class:`MeteringSettings`);
3. each of the two attributes is then in one of the modes of :data:`TRANSITIONS`: *reported*
   (reports arrive; a watchdog expects one within ``report_timeout_factor`` × its maximum
   interval) or *polled* (pseudo-reporting: Read Attributes every ``poll_interval``) — polled
   when the meter refused the configuration (any non-success status, a Default Response, no
   answer) or when the watchdog expired; reported again as soon as a report of it arrives.

Every value received (a report or a poll) becomes an :class:`~segateway.se.bus.AttributeReport`
notification (records carry the raw value, the engineering value, its unit, and
``pseudo_reporting`` for polled values) and updates the meter's latest reading
(:class:`MeterReading`), which is persisted so that it survives a restart: store state
``metering:<endpoint>/<ieee>/<meter endpoint>`` holds the latest values and
``…/formatting`` the Formatting Set, both group-committed (a crash loses at most the last second
of readings, which the next report replaces). Polling goes on while a device is inactive: a poll
that is delivered again is what brings a silent meter back (the device manager marks it active on
the answer).

Engineering values come from :mod:`segateway.zcl.formatting` only (raw × Multiplier ÷ Divisor).
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields, replace
from types import MappingProxyType
from typing import Any, ClassVar

from ...sim.clock import TimerHandle
from ...zcl.cluster import Side
from ...zcl.clusters.metering import (
    GetProfileStatus,
    IntervalChannel,
    Metering,
    ProfileIntervalPeriod,
)
from ...zcl.formatting import FormattingError, MeteringFormat, Quantity, engineering_kind
from ...zcl.frame import ZclFrame
from ...zcl.status import Status
from ..app import SeApplication
from ..bus import AttributeReport
from ..devices import Device, DiscoveryStatus
from ..endpoint import Incoming, LocalCluster, Peer

__all__ = [
    "FORMATTING_ATTRIBUTES",
    "INTERVAL_SECONDS",
    "REPORTED_ATTRIBUTES",
    "TRANSITIONS",
    "AttributeValue",
    "Event",
    "MeterReading",
    "MeteringClient",
    "MeteringSettings",
    "Mode",
    "ProfileResult",
]

log = logging.getLogger(__name__)

METERING = 0x0702
SUMMATION = 0x0000  # CurrentSummationDelivered
DEMAND = 0x0400  # InstantaneousDemand
STATUS = 0x0200  # Status
DEVICE_TYPE = 0x0306  # MeteringDeviceType
FORMATTING_ATTRIBUTES = (0x0300, 0x0301, 0x0302, 0x0303, 0x0304, 0x0305, DEVICE_TYPE)
"""Read from every meter before anything else (the Formatting Set of se-spec.md §2.6.1)."""
REPORTED_ATTRIBUTES = (SUMMATION, DEMAND)
"""The attributes the client asks every meter to report (or polls)."""
_NO_DATA = 0xFFFFFF  # a Get Profile interval without valid data

INTERVAL_SECONDS: Mapping[ProfileIntervalPeriod, int] = MappingProxyType(
    {
        ProfileIntervalPeriod.daily: 86_400,
        ProfileIntervalPeriod.minutes_60: 3600,
        ProfileIntervalPeriod.minutes_30: 1800,
        ProfileIntervalPeriod.minutes_15: 900,
        ProfileIntervalPeriod.minutes_10: 600,
        ProfileIntervalPeriod.minutes_7_5: 450,
        ProfileIntervalPeriod.minutes_5: 300,
        ProfileIntervalPeriod.minutes_2_5: 150,
    }
)
"""Length of each ProfileIntervalPeriod (se-spec.md §2.6.3), in seconds."""


# --- settings ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeteringSettings:
    """The Metering client's settings; in ``SeConfig.extra`` as ``metering.<name>``."""

    summation_min_interval: int = 60  # seconds
    summation_max_interval: int = 600
    summation_change: int = 1  # raw units
    demand_min_interval: int = 30
    demand_max_interval: int = 600
    demand_change: int = 1
    poll_interval: float = 60.0  # pseudo-reporting: seconds between reads
    report_timeout_factor: float = 2.0  # × max interval without a report → poll
    retry_interval: float = 60.0  # a failed formatting read is retried after this
    search_at_start: bool = True  # broadcast a Match_Desc for Metering servers when starting

    PREFIX: ClassVar[str] = "metering."

    def __post_init__(self) -> None:
        for kind in ("summation", "demand"):
            low = getattr(self, f"{kind}_min_interval")
            high = getattr(self, f"{kind}_max_interval")
            if not (0 <= low <= high <= 0xFFFE and high > 0):
                msg = (
                    f"metering.{kind}_min_interval/max_interval must satisfy "
                    f"0 ≤ min ≤ max ≤ 65534 and max > 0, not {low}/{high}"
                )
                raise ValueError(msg)
            if getattr(self, f"{kind}_change") < 0:
                msg = f"metering.{kind}_change cannot be negative"
                raise ValueError(msg)
        if self.poll_interval <= 0 or self.retry_interval <= 0 or self.report_timeout_factor < 1:
            msg = "poll and retry intervals must be positive and the report timeout factor ≥ 1"
            raise ValueError(msg)

    @classmethod
    def from_mapping(cls, settings: Mapping[str, Any]) -> MeteringSettings:
        """From settings named ``metering.<field>`` (others are ignored)."""
        values = {
            f.name: settings[cls.PREFIX + f.name]
            for f in fields(cls)
            if cls.PREFIX + f.name in settings
        }
        return cls(**values)

    def reporting(self, attribute_id: int) -> tuple[int, int, int]:
        """(min interval, max interval, reportable change) for a reported attribute."""
        if attribute_id == SUMMATION:
            return (
                self.summation_min_interval,
                self.summation_max_interval,
                self.summation_change,
            )
        return self.demand_min_interval, self.demand_max_interval, self.demand_change


# --- how values reach us: a table ----------------------------------------------------------------


class Mode(enum.Enum):
    """How one attribute of one meter reaches the client."""

    pending = "pending"  # formatting read / Configure Reporting under way
    reported = "reported"  # the meter reports it
    polled = "polled"  # pseudo-reporting: we read it every poll_interval


class Event(enum.Enum):
    configured = "configured"  # Configure Reporting Response: success for the attribute
    refused = "refused"  # a failure status for it, or a Default Response
    no_answer = "no_answer"  # no Configure Reporting Response at all
    report = "report"  # a report of the attribute arrived
    report_timeout = "report_timeout"  # none within factor × max interval
    restart = "restart"  # the device became usable: set it up again


TRANSITIONS: Mapping[tuple[Mode, Event], Mode] = MappingProxyType(
    {
        **{(mode, Event.restart): Mode.pending for mode in Mode},
        **{(mode, Event.configured): Mode.reported for mode in Mode},
        **{(mode, Event.refused): Mode.polled for mode in Mode},
        **{(mode, Event.report): Mode.reported for mode in Mode},
        (Mode.pending, Event.no_answer): Mode.polled,
        (Mode.polled, Event.no_answer): Mode.polled,
        (Mode.reported, Event.no_answer): Mode.reported,  # its reports already arrive
        (Mode.reported, Event.report_timeout): Mode.polled,
    }
)
"""(mode, event) → next mode. Pairs not listed leave the mode as it is."""


# --- results -------------------------------------------------------------------------------------


def _quantity(fmt: MeteringFormat | None, attribute_id: int, raw: Any) -> Quantity | None:
    if fmt is None or not isinstance(raw, int):
        return None
    try:
        return fmt.attribute(attribute_id, raw)
    except FormattingError:
        return None


@dataclass(frozen=True)
class AttributeValue:
    """One record of a Read Attributes Response, with its engineering value when metered."""

    attribute_id: int
    status: Status
    value: Any = None
    quantity: Quantity | None = None


@dataclass(frozen=True)
class MeterReading:
    """The latest values of one meter. ``summation``/``demand`` are in engineering units
    (``.value`` a Decimal, ``.unit`` e.g. kWh / kW); the raw registers are kept beside them.
    Times are ZCL UTCTime of reception; ``time`` is the clock time (this run only)."""

    ieee: int
    endpoint: int
    format: MeteringFormat | None = None
    metering_device_type: int | None = None
    summation_raw: int | None = None
    summation_utc: int | None = None
    demand_raw: int | None = None
    demand_utc: int | None = None
    status: int | None = None
    time: float | None = None
    pseudo: bool = False  # the last update came from a poll

    @property
    def summation(self) -> Quantity | None:
        return _quantity(self.format, SUMMATION, self.summation_raw)

    @property
    def demand(self) -> Quantity | None:
        return _quantity(self.format, DEMAND, self.demand_raw)

    @property
    def utc(self) -> int | None:
        """When the newest of the two values was received."""
        times = [t for t in (self.summation_utc, self.demand_utc) if t is not None]
        return max(times, default=None)

    def record(self) -> dict[str, Any]:
        """The reading as a flat record for the RPC layer (engineering values as text)."""
        summation, demand = self.summation, self.demand
        return {
            "source_address": self.ieee,
            "source_endpoint_id": self.endpoint,
            "summation_delivered": None if summation is None else str(summation.value),
            "summation_unit": None if summation is None else summation.unit,
            "summation_raw": self.summation_raw,
            "summation_time": self.summation_utc,
            "instantaneous_demand": None if demand is None else str(demand.value),
            "demand_unit": None if demand is None else demand.unit,
            "demand_raw": self.demand_raw,
            "demand_time": self.demand_utc,
            "status": self.status,
            "metering_device_type": self.metering_device_type,
            "pseudo_reporting": self.pseudo,
        }

    def to_json(self) -> dict[str, Any]:
        fmt = self.format
        return {
            "endpoint": self.endpoint,
            "format": None
            if fmt is None
            else {name: getattr(fmt, name) for name in _FORMAT_FIELDS},
            "metering_device_type": self.metering_device_type,
            "summation_raw": self.summation_raw,
            "summation_utc": self.summation_utc,
            "demand_raw": self.demand_raw,
            "demand_utc": self.demand_utc,
            "status": self.status,
            "pseudo": self.pseudo,
        }

    @classmethod
    def from_json(cls, ieee: int, data: Mapping[str, Any]) -> MeterReading:
        fmt_data = data.get("format")
        fmt = None
        if fmt_data is not None:
            try:
                fmt = MeteringFormat(**fmt_data)
            except (FormattingError, TypeError):
                log.warning("stored formatting of %016x is unusable: %r", ieee, fmt_data)
        return cls(
            ieee=ieee,
            endpoint=int(data["endpoint"]),
            format=fmt,
            metering_device_type=data.get("metering_device_type"),
            summation_raw=data.get("summation_raw"),
            summation_utc=data.get("summation_utc"),
            demand_raw=data.get("demand_raw"),
            demand_utc=data.get("demand_utc"),
            status=data.get("status"),
            pseudo=bool(data.get("pseudo", False)),
        )


_FORMAT_FIELDS = tuple(f.name for f in fields(MeteringFormat))


@dataclass(frozen=True)
class ProfileResult:
    """A Get Profile Response: raw intervals newest first, and in engineering units
    (HistoricalConsumptionFormatting, Multiplier, Divisor; None where the meter had no data)."""

    status: GetProfileStatus
    end_time: int
    period: ProfileIntervalPeriod
    intervals_raw: list[int]
    format: MeteringFormat | None

    @property
    def period_seconds(self) -> int | None:
        return INTERVAL_SECONDS.get(self.period)

    @property
    def intervals(self) -> list[Quantity | None]:
        fmt = self.format
        if fmt is None:
            return [None] * len(self.intervals_raw)
        return [None if raw == _NO_DATA else fmt.consumption(raw) for raw in self.intervals_raw]

    @property
    def interval_ends(self) -> list[int]:
        """UTCTime at which each interval ends (newest first)."""
        step = self.period_seconds or 0
        return [self.end_time - k * step for k in range(len(self.intervals_raw))]


# --- one meter -----------------------------------------------------------------------------------


class _Meter:
    """What the client tracks of one Metering server endpoint."""

    __slots__ = (
        "endpoint",
        "format_values",
        "generation",
        "ieee",
        "modes",
        "poll_failures",
        "poll_timer",
        "polls",
        "reading",
        "reported_at",
        "retry_timer",
        "watchdogs",
    )

    def __init__(self, ieee: int, endpoint: int) -> None:
        self.ieee = ieee
        self.endpoint = endpoint
        self.format_values: dict[int, int] = {}
        self.modes: dict[int, Mode] = dict.fromkeys(REPORTED_ATTRIBUTES, Mode.pending)
        self.reading = MeterReading(ieee, endpoint)
        self.generation = 0  # bumped by every set-up: callbacks of older ones are ignored
        self.watchdogs: dict[int, TimerHandle] = {}
        # clock time of the last report of each watched attribute: a report does not move its
        # watchdog, which looks here when it fires and waits on if a report came meanwhile
        self.reported_at: dict[int, float] = {}
        self.poll_timer: TimerHandle | None = None
        self.retry_timer: TimerHandle | None = None
        self.polls = 0
        self.poll_failures = 0

    def polled(self) -> list[int]:
        return [aid for aid, mode in self.modes.items() if mode is Mode.polled]

    def cancel(self) -> None:
        timers = [*self.watchdogs.values(), self.poll_timer, self.retry_timer]
        for timer in timers:
            if timer is not None:
                timer.cancel()
        self.watchdogs.clear()
        self.poll_timer = self.retry_timer = None


# --- the cluster side ----------------------------------------------------------------------------


class MeteringClient(LocalCluster):
    """Simple Metering client: reads, follows and remembers every meter (module doc)."""

    definition = Metering
    side = Side.client

    def __init__(self, settings: MeteringSettings | None = None) -> None:
        super().__init__()
        self._given = settings
        self.settings = settings or MeteringSettings()
        self._meters: dict[tuple[int, int], _Meter] = {}
        self._app_ref: SeApplication | None = None
        self._unlisten: Callable[[], None] | None = None

    # --- lifecycle --------------------------------------------------------------------------

    @property
    def app(self) -> SeApplication:
        if self._app_ref is None:
            host = self.host
            if not isinstance(host, SeApplication):
                msg = "the Metering client runs in an SeApplication"
                raise TypeError(msg)
            self._app_ref = host
        return self._app_ref

    @property
    def state_name(self) -> str:
        """The prefix of the store states holding the latest readings (one per meter, named
        ``<state_name>/<ieee>/<endpoint>``; earlier versions kept them all in one state of this
        name, which ``start()`` still reads and splits)."""
        endpoint = self.endpoint
        return f"metering:{endpoint.endpoint_id if endpoint is not None else 0}"

    def start(self) -> None:
        app = self.app
        if self._given is None:
            self.settings = MeteringSettings.from_mapping(app.config.extra)
        self._restore()
        self._unlisten = app.devices.on_active(self._device_active)
        for device in list(app.devices.devices.values()):
            if device.active and device.discovery_status is DiscoveryStatus.complete:
                self._device_active(device)
        if self.settings.search_at_start:
            app.devices.find_servers([METERING])

    def close(self) -> None:
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None
        for meter in self._meters.values():
            meter.cancel()

    # --- the API ----------------------------------------------------------------------------

    def reading(self, ieee: int, endpoint: int | None = None) -> MeterReading | None:
        """The latest reading of a meter (its first Metering endpoint unless given)."""
        meter = self._find(ieee, endpoint)
        return None if meter is None else meter.reading

    def readings(self) -> list[MeterReading]:
        """The latest reading of every meter, by IEEE address and endpoint."""
        return [self._meters[key].reading for key in sorted(self._meters)]

    def mode(self, ieee: int, attribute_id: int, endpoint: int | None = None) -> Mode | None:
        """How ``attribute_id`` (0x0000 or 0x0400) of a meter reaches us now."""
        meter = self._find(ieee, endpoint)
        return None if meter is None else meter.modes.get(attribute_id)

    def meter_status(self, ieee: int, endpoint: int | None = None) -> dict[str, Any] | None:
        """What the client knows of one meter, as a record for the RPC layer."""
        meter = self._find(ieee, endpoint)
        if meter is None:
            return None
        return {
            "source_address": meter.ieee,
            "source_endpoint_id": meter.endpoint,
            "summation_mode": meter.modes[SUMMATION].value,
            "demand_mode": meter.modes[DEMAND].value,
            "formatting": dict(meter.format_values),
            "polls": meter.polls,
            "poll_failures": meter.poll_failures,
            "reading": meter.reading.record(),
        }

    def refresh(self, ieee: int, endpoint: int | None = None) -> None:
        """Set a meter up again: read its formatting, configure its reporting."""
        meter = self._meter(ieee, self._meter_endpoint(ieee, endpoint))
        self._setup(meter)

    def read_attributes(
        self,
        ieee: int,
        attribute_ids: Iterable[int],
        on_done: Callable[[list[AttributeValue] | None], None],
        *,
        endpoint: int | None = None,
    ) -> None:
        """Read Metering server attributes of a meter; ``on_done`` gets one record per
        attribute (None when no Read Attributes Response came). Values that make a reading
        (summation, demand, status, formatting) update it; no AttributeReport is published."""
        meter = self._meter(ieee, self._meter_endpoint(ieee, endpoint))
        ids = [int(a) for a in attribute_ids]

        def got(frame: ZclFrame | None) -> None:
            records = _read_records(frame)
            if records is None:
                on_done(None)
                return
            self._take(meter, _successes(records), pseudo=False, publish=False)
            fmt = meter.reading.format
            on_done(
                [
                    AttributeValue(
                        r.attribute_id,
                        Status(r.status),
                        _raw(r.value) if r.status == Status.SUCCESS else None,
                        _quantity(fmt, r.attribute_id, _raw(r.value))
                        if r.status == Status.SUCCESS
                        else None,
                    )
                    for r in records
                ]
            )

        self._send(meter, "read_attributes", {"attribute_ids": ids}, got)

    def get_profile(
        self,
        ieee: int,
        channel: IntervalChannel | int,
        end_time: int,
        number_of_periods: int,
        on_done: Callable[[ProfileResult | None], None],
        *,
        endpoint: int | None = None,
    ) -> None:
        """Send Get Profile to a meter; ``on_done`` gets the response (None when no Get Profile
        Response came: no answer, or a Default Response)."""
        meter = self._meter(ieee, self._meter_endpoint(ieee, endpoint))

        def got(frame: ZclFrame | None) -> None:
            command = None if frame is None else frame.command
            if frame is None or command is None or command.name != "get_profile_response":
                on_done(None)
                return
            p = frame.payload
            on_done(
                ProfileResult(
                    status=GetProfileStatus(int(p.status)),
                    end_time=int(p.end_time),
                    period=ProfileIntervalPeriod(int(p.profile_interval_period)),
                    intervals_raw=[int(v) for v in p.intervals],
                    format=meter.reading.format,
                )
            )

        payload = {
            "interval_channel": IntervalChannel(int(channel)),
            "end_time": end_time,
            "number_of_periods": number_of_periods,
        }
        self._send(meter, "get_profile", payload, got)

    # --- set-up -----------------------------------------------------------------------------

    def _device_active(self, device: Device) -> None:
        for ep in device.servers_of(METERING):
            self._setup(self._meter(device.ieee, ep))

    def _setup(self, meter: _Meter) -> None:
        meter.cancel()
        meter.generation += 1
        for aid in REPORTED_ATTRIBUTES:
            self._event(meter, aid, Event.restart)
        self._read_format(meter, configure=True)

    def _read_format(self, meter: _Meter, *, configure: bool) -> None:
        generation = meter.generation

        def got(frame: ZclFrame | None) -> None:
            if meter.generation != generation:
                return
            records = _read_records(frame)
            if records is None:
                if self.app.devices.get(meter.ieee) is not None:  # a device we manage
                    meter.retry_timer = self.host.clock.call_later(
                        self.settings.retry_interval, self._retry, meter, generation, configure
                    )
                return
            self._take(meter, _successes(records), pseudo=False, publish=False)
            if configure:
                self._configure(meter)

        self._send(meter, "read_attributes", {"attribute_ids": list(FORMATTING_ATTRIBUTES)}, got)

    def _retry(self, meter: _Meter, generation: int, configure: bool) -> None:
        if meter.generation != generation:
            return
        meter.retry_timer = None
        if configure:
            self._setup(meter)
        else:
            self._read_format(meter, configure=False)

    def _configure(self, meter: _Meter) -> None:
        generation = meter.generation
        records = []
        for aid in REPORTED_ATTRIBUTES:
            low, high, change = self.settings.reporting(aid)
            records.append(
                {
                    "direction": 0,
                    "attribute_id": aid,
                    "data_type": Metering.attributes_by_side[Side.server][aid].wire.type_id,
                    "minimum_reporting_interval": low,
                    "maximum_reporting_interval": high,
                    "reportable_change": change,
                }
            )

        def got(frame: ZclFrame | None) -> None:
            if meter.generation != generation:
                return
            command = None if frame is None else frame.command
            if frame is None or command is None:
                events = dict.fromkeys(REPORTED_ATTRIBUTES, Event.no_answer)
            elif command.name != "configure_reporting_response":
                events = dict.fromkeys(REPORTED_ATTRIBUTES, Event.refused)
            else:
                events = dict.fromkeys(REPORTED_ATTRIBUTES, Event.configured)
                for record in frame.payload.records:
                    if record.status == Status.SUCCESS:
                        continue
                    if record.attribute_id is None:  # a failure naming no attribute: all
                        events = dict.fromkeys(REPORTED_ATTRIBUTES, Event.refused)
                    elif record.attribute_id in events:
                        events[record.attribute_id] = Event.refused
            for aid, event in events.items():
                self._event(meter, aid, event)

        self._send(meter, "configure_reporting", {"records": records}, got)

    # --- the modes --------------------------------------------------------------------------

    def _event(self, meter: _Meter, attribute_id: int, event: Event) -> None:
        old = meter.modes[attribute_id]
        if event is Event.report and old is Mode.reported and attribute_id in meter.watchdogs:
            meter.reported_at[attribute_id] = self.host.clock.now()  # the usual case: no change
            return
        new = TRANSITIONS.get((old, event), old)
        meter.modes[attribute_id] = new
        if old is not new:
            log.debug(
                "meter %016x/%d attribute 0x%04x: %s --%s--> %s",
                meter.ieee,
                meter.endpoint,
                attribute_id,
                old.value,
                event.value,
                new.value,
            )
        watchdog = meter.watchdogs.pop(attribute_id, None)
        if watchdog is not None:
            watchdog.cancel()
        clock = self.host.clock
        if new is Mode.reported:
            meter.reported_at[attribute_id] = clock.now()
            meter.watchdogs[attribute_id] = clock.call_later(
                self._report_timeout_after(attribute_id),
                self._report_timeout,
                meter,
                attribute_id,
                meter.generation,
            )
        if new is Mode.polled and meter.poll_timer is None:
            meter.poll_timer = clock.call_later(0.0, self._poll, meter, meter.generation)
        elif not meter.polled() and meter.poll_timer is not None:
            meter.poll_timer.cancel()
            meter.poll_timer = None

    def _report_timeout_after(self, attribute_id: int) -> float:
        _low, high, _change = self.settings.reporting(attribute_id)
        return high * self.settings.report_timeout_factor

    def _report_timeout(self, meter: _Meter, attribute_id: int, generation: int) -> None:
        if meter.generation != generation:
            return
        clock = self.host.clock
        due = meter.reported_at.get(attribute_id, 0.0) + self._report_timeout_after(attribute_id)
        if due > clock.now():  # a report came since the watchdog was set: wait from it
            meter.watchdogs[attribute_id] = clock.call_at(
                due, self._report_timeout, meter, attribute_id, generation
            )
            return
        meter.watchdogs.pop(attribute_id, None)
        self._event(meter, attribute_id, Event.report_timeout)

    def _poll(self, meter: _Meter, generation: int) -> None:
        meter.poll_timer = None
        if meter.generation != generation:
            return
        ids = meter.polled()
        if not ids:
            return
        meter.poll_timer = self.host.clock.call_later(
            self.settings.poll_interval, self._poll, meter, generation
        )
        meter.polls += 1

        def got(frame: ZclFrame | None) -> None:
            records = _read_records(frame)
            if records is None:
                meter.poll_failures += 1
                return
            self._take(meter, _successes(records), pseudo=True, publish=True)

        self._send(meter, "read_attributes", {"attribute_ids": ids}, got)

    # --- receiving --------------------------------------------------------------------------

    def on_report(self, incoming: Incoming, records: list[Any]) -> None:
        peer = incoming.peer
        ieee = peer.ieee if peer.ieee is not None else self.app.devices.ieee_of(peer.nwk)
        if ieee is None:
            log.info("Metering report from unknown device 0x%04x ignored", peer.nwk or 0)
            return
        known = (int(ieee), peer.endpoint) in self._meters
        meter = self._meter(ieee, peer.endpoint)
        values = [(int(r.attribute_id), int(r.data_type), r.value) for r in records]
        for aid, _type, _value in values:
            if aid in meter.modes:
                self._event(meter, aid, Event.report)
        self._take(meter, values, pseudo=False, publish=True)
        if not known and meter.reading.format is None:
            self._read_format(meter, configure=False)  # a meter we did not set up reports

    def _take(
        self,
        meter: _Meter,
        values: list[tuple[int, int, Any]],
        *,
        pseudo: bool,
        publish: bool,
    ) -> None:
        """Fold received values into the meter's reading; persist; publish if asked."""
        app = self.app
        utc = app.timebase.now()
        changes: dict[str, Any] = {}
        formatting = False
        for aid, _type, value in values:
            raw = _raw(value)
            if aid == SUMMATION:
                changes.update(summation_raw=raw, summation_utc=utc)
            elif aid == DEMAND:
                changes.update(demand_raw=raw, demand_utc=utc)
            elif aid == STATUS:
                changes["status"] = raw
            elif aid in FORMATTING_ATTRIBUTES and isinstance(raw, int):
                meter.format_values[aid] = raw
                formatting = True
        if formatting:
            changes["metering_device_type"] = meter.format_values.get(DEVICE_TYPE)
            try:
                changes["format"] = MeteringFormat.from_attributes(meter.format_values)
            except FormattingError as exc:
                log.warning("meter %016x: %s", meter.ieee, exc)
                changes["format"] = None
        if not changes:
            return
        reading = replace(meter.reading, **changes, time=app.clock.now(), pseudo=pseudo)
        meter.reading = reading
        self._save(meter, formatting=formatting)
        if publish:
            app.bus.publish(
                AttributeReport(
                    source_address=meter.ieee,
                    source_endpoint_id=meter.endpoint,
                    destination_endpoint_id=self.endpoint.endpoint_id if self.endpoint else 0,
                    cluster_id=METERING,
                    record_list=[
                        _record(reading.format, aid, type_id, _raw(value), pseudo)
                        for aid, type_id, value in values
                    ],
                )
            )

    # --- plumbing ---------------------------------------------------------------------------

    def _find(self, ieee: int, endpoint: int | None) -> _Meter | None:
        if endpoint is not None:
            return self._meters.get((ieee, endpoint))
        keys = sorted(key for key in self._meters if key[0] == ieee)
        return self._meters[keys[0]] if keys else None

    def _meter_endpoint(self, ieee: int, endpoint: int | None) -> int:
        if endpoint is not None:
            return endpoint
        known = self._find(ieee, None)
        if known is not None:
            return known.endpoint
        device = self.app.devices.get(ieee)
        eps = [] if device is None else device.servers_of(METERING)
        if not eps:
            msg = f"{ieee:016x} is not a known meter (no Metering server endpoint)"
            raise KeyError(msg)
        return eps[0]

    def _meter(self, ieee: int, endpoint: int) -> _Meter:
        key = (int(ieee), int(endpoint))  # plain ints (ZDO gives EUI64 addresses)
        meter = self._meters.get(key)
        if meter is None:
            meter = self._meters[key] = _Meter(*key)
        return meter

    def _send(
        self,
        meter: _Meter,
        command: str,
        payload: Any,
        on_response: Callable[[ZclFrame | None], None],
    ) -> None:
        device = self.app.devices.get(meter.ieee)
        if device is None or device.nwk is None:
            on_response(None)  # not on the network (as far as we know): nothing to send to
            return
        self.send_command(
            Peer(device.nwk, meter.ieee, meter.endpoint), command, payload, on_response=on_response
        )

    def _key(self, meter: _Meter) -> str:
        return f"{self.state_name}/{meter.ieee:016x}/{meter.endpoint}"

    def _save(self, meter: _Meter, *, formatting: bool) -> None:
        """Keep one meter's latest values (and its Formatting Set when it changed): received
        data, group-committed. Two small states per meter, so a report writes ~150 bytes."""
        app = self.app
        store = app.store.deferred(app.clock)
        key = self._key(meter)
        r = meter.reading
        store.put_state(
            key,
            {
                "endpoint": r.endpoint,
                "summation_raw": r.summation_raw,
                "summation_utc": r.summation_utc,
                "demand_raw": r.demand_raw,
                "demand_utc": r.demand_utc,
                "status": r.status,
                "pseudo": r.pseudo,
            },
        )
        if formatting:
            values = {str(aid): v for aid, v in sorted(meter.format_values.items())}
            store.put_state(key + _FORMATTING, values)

    def _restore(self) -> None:
        store = self.app.store
        prefix = self.state_name + "/"
        readings: dict[tuple[int, int], Mapping[str, Any]] = {}
        formatting: dict[tuple[int, int], Mapping[str, Any]] = {}
        for name, value in store.states(prefix).items():
            ieee_text, endpoint_text, *rest = name[len(prefix) :].split("/")
            key = (int(ieee_text, 16), int(endpoint_text))
            (formatting if rest else readings)[key] = value
        for key, values in readings.items():
            meter = self._meter(*key)
            meter.format_values = {int(a): int(v) for a, v in formatting.get(key, {}).items()}
            meter.reading = replace(
                MeterReading.from_json(key[0], values),
                **_formatting_fields(meter.ieee, meter.format_values),
            )
        legacy = store.get_state(self.state_name)  # every meter in one state (older releases)
        if not isinstance(legacy, dict):
            return
        with store.transaction():  # one state per meter from now on
            for key_text, value in legacy.items():
                ieee = int(key_text.split("/", 1)[0], 16)
                reading = MeterReading.from_json(ieee, value["reading"])
                meter = self._meter(ieee, reading.endpoint)
                if (meter.ieee, meter.endpoint) in readings:
                    continue  # already saved the new way: newer
                meter.reading = reading
                meter.format_values = {int(a): int(v) for a, v in value["formatting"].items()}
                self._save(meter, formatting=True)
            store.delete_state(self.state_name)


_FORMATTING = "/formatting"


def _formatting_fields(ieee: int, values: Mapping[int, int]) -> dict[str, Any]:
    """``format`` and ``metering_device_type`` of a reading, from the Formatting Set values."""
    if not values:
        return {}
    try:
        fmt = MeteringFormat.from_attributes(values)
    except FormattingError as exc:
        log.warning("stored formatting of %016x is unusable: %s", ieee, exc)
        return {"metering_device_type": values.get(DEVICE_TYPE)}
    return {"format": fmt, "metering_device_type": values.get(DEVICE_TYPE)}


def _raw(value: Any) -> Any:
    """A received value as plain data (enums and bitmaps as their integer)."""
    return int(value) if isinstance(value, int) else value


def _read_records(frame: ZclFrame | None) -> list[Any] | None:
    """The records of a Read Attributes Response (None for no answer or anything else)."""
    if frame is None or frame.command is None:
        return None
    if frame.command.name != "read_attributes_response":
        return None
    return list(frame.payload.records)


def _successes(records: list[Any]) -> list[tuple[int, int, Any]]:
    return [
        (int(r.attribute_id), int(r.data_type), r.value)
        for r in records
        if r.status == Status.SUCCESS
    ]


def _record(
    fmt: MeteringFormat | None, attribute_id: int, type_id: int, raw: Any, pseudo: bool
) -> dict[str, Any]:
    """One record of an AttributeReport notification."""
    record: dict[str, Any] = {
        "attribute_id": attribute_id,
        "attribute_type": type_id,
        "value": raw,
        "pseudo_reporting": pseudo,
    }
    quantity = _quantity(fmt, attribute_id, raw) if engineering_kind(attribute_id) else None
    if quantity is not None:
        record["engineering_value"] = str(quantity.value)
        record["unit"] = quantity.unit
        record["display"] = quantity.text()
    return record

"""The DRLC client rules engine (cluster 0x0701, se-spec.md §2.5.3), sans-I/O.

What a load-control device does with the ESI's Load Control Event, Cancel Load Control Event and
Cancel All Load Control Events commands and with its user's opt-in/opt-out: which Report Event
Status to send, when, to whom, and which events run. The engine reads no clock, sends nothing and
never sleeps. Time is ZCL UTCTime (int seconds since 2000-01-01 00:00 UTC), passed to every call;
randomness comes from the ``random.Random`` given to the constructor. Every call first performs the
transitions due at or before ``now`` (as :meth:`DrlcEngine.advance` does), then handles its input,
then performs what that made due; it returns output records, in order, for the caller to turn into
frames (:class:`ReportStatus`, :class:`DefaultResponse`) and notifications (:class:`Received`,
:class:`CancelReceived`, :class:`ActiveChanged`).

An event's life (Report Event Status sent on each arrow):

=========== ============================================ =========== ==========================
from        on                                           to          status
=========== ============================================ =========== ==========================
(none)      Load Control Event accepted                  scheduled   0x01 (to the sending ESI)
scheduled   a newer overlapping event (all its classes)  (gone)      0x07, at once
scheduled   its effective start                          running     0x02; 0x04 if opted out
scheduled   its start, while a later event already holds (gone)      0x07
            all its classes
scheduled   cancel effective before its start            (gone)      0x06
running     user opts out / in                           running     0x04 / 0x05
running     the superseding event starts (all classes)   (gone)      0x07
running     cancel effective                             (gone)      0x06
running     its effective end                            (gone)      0x03, 0x08, 0x09 or 0x0A
=========== ============================================ =========== ==========================

Where the two stacks the reference draws on differ (EMB: Silicon Labs, FSL: Freescale) or say
nothing, the choice is named in a comment marked "Choice" beside the code that makes it.
"""

from __future__ import annotations

import dataclasses
import enum
import random
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

from ..zcl.clusters.drlc import CancelControl, EventControl, EventStatus
from ..zcl.status import Status

__all__ = [
    "MAX_DURATION_MINUTES",
    "MAX_RANDOMIZATION_MINUTES",
    "NOT_USED_PERCENTAGE",
    "NOT_USED_SET_POINT",
    "NOT_USED_U8",
    "ActiveChanged",
    "CancelLike",
    "CancelReceived",
    "DefaultResponse",
    "DrlcClientSettings",
    "DrlcEngine",
    "DrlcEvent",
    "EventFields",
    "EventState",
    "Ignored",
    "LoadControlEventLike",
    "Output",
    "Received",
    "ReportStatus",
]

UTC_NOW: Final = 0x00000000  # Start Time / Effective Time meaning "now"
UTC_INVALID: Final = 0xFFFFFFFF
MAX_DURATION_MINUTES: Final = 1440
MAX_RANDOMIZATION_MINUTES: Final = 0x3C
NOT_USED_U8: Final = 0xFF  # temperature offsets, duty cycle
NOT_USED_SET_POINT: Final = -0x8000  # 0x8000 as int16
NOT_USED_PERCENTAGE: Final = -0x80  # 0x80 as int8
# Choice (rule 4): the reference gives no set point range; a set point below absolute zero
# (-273.15 °C in 0.01 °C units) is out of range.
_ABSOLUTE_ZERO: Final = -27315
_REPORT_SIGNATURE: Final = b"\xff" * 42  # Signature Type 0x00 and 42 × 0xFF, as EMB sends


# --- inputs --------------------------------------------------------------------------------------


@dataclass(slots=True)
class DrlcClientSettings:
    """The DRLC client attributes the rules read (§2.5.1). The ESI may write them at any time; the
    engine reads them when it needs them and never keeps a copy."""

    device_class: int  # DeviceClassValue: bitmap of DeviceClass
    utility_enrollment_group: int = 0x00
    start_randomization_minutes: int = 0x1E
    duration_randomization_minutes: int = 0x00


class LoadControlEventLike(Protocol):
    """A Load Control Event payload: the codec's record, or anything with its field names."""

    @property
    def issuer_event_id(self) -> int: ...
    @property
    def device_class(self) -> int: ...
    @property
    def utility_enrollment_group(self) -> int: ...
    @property
    def start_time(self) -> int: ...
    @property
    def duration_in_minutes(self) -> int: ...
    @property
    def criticality_level(self) -> int: ...
    @property
    def cooling_temperature_offset(self) -> int: ...
    @property
    def heating_temperature_offset(self) -> int: ...
    @property
    def cooling_temperature_set_point(self) -> int: ...
    @property
    def heating_temperature_set_point(self) -> int: ...
    @property
    def average_load_adjustment_percentage(self) -> int: ...
    @property
    def duty_cycle(self) -> int: ...
    @property
    def event_control(self) -> int: ...


class CancelLike(Protocol):
    """A Cancel Load Control Event payload: the codec's record, or anything with its field names."""

    @property
    def issuer_event_id(self) -> int: ...
    @property
    def device_class(self) -> int: ...
    @property
    def utility_enrollment_group(self) -> int: ...
    @property
    def cancel_control(self) -> int: ...
    @property
    def effective_time(self) -> int: ...


def _signed(value: int, bits: int) -> int:
    """A signed field given either signed or as its unsigned wire form (0x8000 for -0x8000)."""
    return value - (1 << bits) if value >= 1 << (bits - 1) else value


# field name → (lowest, highest) value its wire type can carry; signed fields also take their
# unsigned wire form
_WIRE_RANGES: Final[dict[str, tuple[int, int]]] = {
    "issuer_event_id": (0, 0xFFFFFFFF),
    "device_class": (0, 0xFFFF),
    "utility_enrollment_group": (0, 0xFF),
    "start_time": (0, 0xFFFFFFFF),
    "duration_in_minutes": (0, 0xFFFF),
    "criticality_level": (0, 0xFF),
    "cooling_temperature_offset": (0, 0xFF),
    "heating_temperature_offset": (0, 0xFF),
    "cooling_temperature_set_point": (-0x8000, 0xFFFF),
    "heating_temperature_set_point": (-0x8000, 0xFFFF),
    "average_load_adjustment_percentage": (-0x80, 0xFF),
    "duty_cycle": (0, 0xFF),
    "event_control": (0, 0xFF),
}


@dataclass(frozen=True, slots=True)
class EventFields:
    """The fields of a Load Control Event as received, as plain ints, signed fields signed."""

    issuer_event_id: int
    device_class: int
    utility_enrollment_group: int
    start_time: int
    duration_in_minutes: int
    criticality_level: int
    cooling_temperature_offset: int
    heating_temperature_offset: int
    cooling_temperature_set_point: int
    heating_temperature_set_point: int
    average_load_adjustment_percentage: int
    duty_cycle: int
    event_control: int

    @classmethod
    def of(cls, event: LoadControlEventLike) -> EventFields:
        """Read ``event``; ``ValueError`` if a value cannot be on the wire (a caller's mistake:
        the codec never decodes one)."""
        values = {
            "issuer_event_id": event.issuer_event_id,
            "device_class": event.device_class,
            "utility_enrollment_group": event.utility_enrollment_group,
            "start_time": event.start_time,
            "duration_in_minutes": event.duration_in_minutes,
            "criticality_level": event.criticality_level,
            "cooling_temperature_offset": event.cooling_temperature_offset,
            "heating_temperature_offset": event.heating_temperature_offset,
            "cooling_temperature_set_point": event.cooling_temperature_set_point,
            "heating_temperature_set_point": event.heating_temperature_set_point,
            "average_load_adjustment_percentage": event.average_load_adjustment_percentage,
            "duty_cycle": event.duty_cycle,
            "event_control": event.event_control,
        }
        for name, (low, high) in _WIRE_RANGES.items():
            if not low <= values[name] <= high:
                msg = f"{name} {values[name]!r} does not fit its wire type"
                raise ValueError(msg)
        values = {name: int(value) for name, value in values.items()}
        for name in ("cooling_temperature_set_point", "heating_temperature_set_point"):
            values[name] = _signed(values[name], 16)
        values["average_load_adjustment_percentage"] = _signed(
            values["average_load_adjustment_percentage"], 8
        )
        return cls(**values)

    @property
    def end_time(self) -> int:
        """Start time plus duration: the end without randomization."""
        return self.start_time + 60 * self.duration_in_minutes


# --- outputs -------------------------------------------------------------------------------------


class EventState(enum.Enum):
    """Where a stored event is in its life (it leaves the store when it ends)."""

    scheduled = "scheduled"
    running = "running"


@dataclass(frozen=True, slots=True)
class DrlcEvent:
    """A stored event as it stands.

    ``device_class`` holds the classes of this device the event still controls (the event's
    classes ANDed with DeviceClassValue on receipt, less those superseded since);
    ``fields.start_time`` is resolved (0 → time of receipt). ``effective_start`` is when it
    started or will start, ``effective_end`` when it will end as things stand (randomization,
    a pending cancel or supersession, a following event included).
    """

    fields: EventFields
    device_class: int
    state: EventState
    effective_start: int
    effective_end: int
    opted_out: bool
    servers: tuple[Hashable, ...]

    @property
    def issuer_event_id(self) -> int:
        return self.fields.issuer_event_id


@dataclass(frozen=True, slots=True)
class Received:
    """A Load Control Event reached the client (``received_DRLC_event``): ``status`` is SUCCESS
    (stored), INVALID_FIELD (rejected, 0xFE or 0xFB reported) or DUPLICATE_EXISTS."""

    status: Status
    event: LoadControlEventLike


@dataclass(frozen=True, slots=True)
class CancelReceived:
    """A Cancel Load Control Event reached the client (``received_DRLC_cancel_event``):
    SUCCESS (applied), NOT_FOUND (0xFD reported) or INVALID_FIELD (0xF8 or 0xF9 reported)."""

    status: Status
    cancel: CancelLike


@dataclass(frozen=True, slots=True)
class Ignored:
    """A command the rules drop without an answer; ``reason`` says which rule."""

    reason: str


@dataclass(frozen=True, slots=True)
class DefaultResponse:
    """Answer ``server``'s command with a Default Response carrying ``status``."""

    status: Status
    server: Hashable


@dataclass(frozen=True, slots=True)
class ReportStatus:
    """Send Report Event Status to each of ``servers``; the other fields are the command's."""

    servers: tuple[Hashable, ...]
    issuer_event_id: int
    event_status: EventStatus
    event_status_time: int
    criticality_level_applied: int
    cooling_temperature_set_point_applied: int
    heating_temperature_set_point_applied: int
    average_load_adjustment_percentage_applied: int
    duty_cycle_applied: int
    event_control: int

    def payload(self) -> dict[str, Any]:
        """The ``report_event_status`` payload, unsigned as in SE 1.1: Signature Type 0x00 and
        42 × 0xFF (se-spec.md §2.5.2)."""
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        del values["servers"]
        return values | {"signature_type": 0x00, "signature": _REPORT_SIGNATURE}


@dataclass(frozen=True, slots=True)
class ActiveChanged:
    """The running events changed (started, ended, lost classes, opted out or in):
    ``updated_active_DRLC_events``. ``events`` are all the running events after the change."""

    events: tuple[DrlcEvent, ...]


Output = Received | CancelReceived | Ignored | DefaultResponse | ReportStatus | ActiveChanged


# --- the engine ----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Supersession:
    """A running event loses ``device_class`` when the newer event ``by`` starts, at ``at``."""

    by: int  # the newer event's sequence number
    device_class: int
    at: int


@dataclass(slots=True, eq=False)
class _Entry:
    """A stored event. ``seq`` numbers acceptances; the offsets are the random draws of rule 12,
    made once on acceptance and kept (snapshots carry them)."""

    seq: int
    fields: EventFields
    device_class: int
    servers: list[Hashable]
    received_at: int
    start_offset: int
    end_offset: int
    started_at: int | None = None
    opted_out: bool = False
    opt_changed_while_running: bool = False
    cancel_at: int | None = None
    supersessions: list[_Supersession] = field(default_factory=list)

    @property
    def running(self) -> bool:
        return self.started_at is not None

    @property
    def start_due(self) -> int:
        """When it starts (or started): randomized start, not before it was received."""
        if self.started_at is not None:
            return self.started_at
        return max(self.fields.start_time + self.start_offset, self.received_at)

    def will_start(self) -> bool:
        """False when a cancel takes effect before its start."""
        return self.running or self.cancel_at is None or self.cancel_at > self.start_due


class _Action(enum.IntEnum):
    """What a transition does; the value orders one event's transitions due at the same time."""

    cancel = 0  # Choice: an ESI's cancel wins a tie with a supersession or the natural end
    supersede = 1
    end = 2
    start = 3


def _clamp_minutes(minutes: int) -> int:
    """Rule 12: both randomization attributes are limited to 60 minutes."""
    return max(0, min(minutes, MAX_RANDOMIZATION_MINUTES))


def _overlap(a: EventFields, b: EventFields) -> bool:
    """Rule 8, in time: the intervals [start, start + duration) intersect."""
    return a.start_time < b.end_time and b.start_time < a.end_time


def _group_matches(group: int, local: int) -> bool:
    """Rule 2 (EMB): the event's group is 0x00, the client's is 0x00, or they are equal."""
    return 0x00 in (group, local) or group == local


def _is_invalid(f: EventFields) -> bool:
    """Rule 4: the event is rejected with Report Event Status 0xFE."""
    cooling, heating = f.cooling_temperature_set_point, f.heating_temperature_set_point
    percentage = f.average_load_adjustment_percentage
    return (
        f.start_time == UTC_INVALID  # EMB
        or f.duration_in_minutes > MAX_DURATION_MINUTES  # EMB
        # FSL: values outside the ranges of §2.5.2, "not used" values excepted
        or any(v != NOT_USED_SET_POINT and v < _ABSOLUTE_ZERO for v in (cooling, heating))
        or (percentage != NOT_USED_PERCENTAGE and not -100 <= percentage <= 100)
        or (f.duty_cycle != NOT_USED_U8 and f.duty_cycle > 100)
        # Choice (FSL "inconsistent heating/cooling pairs"): heating above the cooling set point
        or (NOT_USED_SET_POINT not in (cooling, heating) and heating > cooling)
    )


def _completion_status(entry: _Entry) -> EventStatus:
    """Rules 7 and 20: how an event that ran to its end reports."""
    if entry.opt_changed_while_running:
        if entry.opted_out:
            return EventStatus.event_partially_completed_with_user_opt_out
        return EventStatus.event_partially_completed_with_user_opt_in
    if entry.opted_out:
        return EventStatus.event_completed_no_user_participation
    return EventStatus.event_completed


def _hashable(value: Any) -> Any:
    """A server address back from JSON: lists (JSON's tuples) become tuples again."""
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    return value


class DrlcEngine:
    """The DRLC client rules (se-spec.md §2.5.3 rules 1–20) for one client endpoint.

    ``settings`` is read whenever a rule needs an attribute. ``now`` should not go back; if it
    does (a clock set back), nothing already done is undone and what is due later waits.
    """

    SNAPSHOT_VERSION: Final = 1

    def __init__(self, settings: DrlcClientSettings, rng: random.Random) -> None:
        self.settings = settings
        self._rng = rng
        self._entries: list[_Entry] = []  # scheduled and running, in order of acceptance
        self._next_seq = 0

    # --- queries ---------------------------------------------------------------------------------

    def events(self) -> tuple[DrlcEvent, ...]:
        """Every stored event (scheduled and running), by effective start."""
        return tuple(self._view(e) for e in self._by_start(self._entries))

    def active(self) -> tuple[DrlcEvent, ...]:
        """The running events, by effective start."""
        return tuple(self._view(e) for e in self._by_start(self._entries) if e.running)

    def next_wakeup(self) -> int | None:
        """The earliest time a transition is due (possibly already past), None if none is."""
        step = self._next_transition()
        return None if step is None else step[0]

    # --- inputs ----------------------------------------------------------------------------------

    def advance(self, now: int) -> list[Output]:
        """Perform every transition due at or before ``now``, in time order."""
        out: list[Output] = []
        while (step := self._next_transition()) is not None and step[0] <= now:
            at, _, seq, action = step
            before = self._active_key()
            entry = next(e for e in self._entries if e.seq == seq)
            out += self._perform(entry, action, at)
            if self._active_key() != before:
                out.append(ActiveChanged(self.active()))
        return out

    def receive_event(
        self, event: LoadControlEventLike, server: Hashable, now: int
    ) -> list[Output]:
        """A Load Control Event from ``server`` (rules 1–13)."""
        out = self.advance(now)
        out += self._receive_event(event, server, now)
        return out + self.advance(now)

    def receive_cancel(self, cancel: CancelLike, server: Hashable, now: int) -> list[Output]:
        """A Cancel Load Control Event from ``server`` (rules 15–18)."""
        out = self.advance(now)
        out += self._receive_cancel(cancel, server, now)
        return out + self.advance(now)

    def receive_cancel_all(self, cancel_control: int, server: Hashable, now: int) -> list[Output]:
        """Cancel All Load Control Events from ``server`` (rule 19): every stored event is
        cancelled as of ``now``; with nothing stored, a Default Response SUCCESS (EMB)."""
        out = self.advance(now)
        if not self._entries:
            out.append(DefaultResponse(Status.SUCCESS, server))  # EMB
            return out
        for entry in self._entries:
            self._schedule_cancel(entry, now, cancel_control)
        return out + self.advance(now)

    def opt_out(self, issuer_event_id: int, now: int) -> list[Output]:
        """The user will not take part in the event (rules 7 and 20).

        ``KeyError`` if no such event is stored; if it ends by ``now``, it just ends."""
        return self._opt(issuer_event_id, now, opted_out=True)

    def opt_in(self, issuer_event_id: int, now: int) -> list[Output]:
        """The user takes part in the event again (rules 7 and 20); errors as :meth:`opt_out`."""
        return self._opt(issuer_event_id, now, opted_out=False)

    # --- persistence -----------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """The engine's state as JSON-serialisable data (server addresses must be, too)."""
        return {
            "version": self.SNAPSHOT_VERSION,
            "next_seq": self._next_seq,
            "events": [dataclasses.asdict(e) for e in self._entries],
        }

    @classmethod
    def restore(
        cls, snapshot: dict[str, Any], settings: DrlcClientSettings, rng: random.Random
    ) -> DrlcEngine:
        """An engine that carries on from ``snapshot`` (the random draws made are in it)."""
        if snapshot.get("version") != cls.SNAPSHOT_VERSION:
            msg = f"unknown DRLC snapshot version {snapshot.get('version')!r}"
            raise ValueError(msg)
        engine = cls(settings, rng)
        engine._next_seq = int(snapshot["next_seq"])
        for data in snapshot["events"]:
            values = dict(data)
            values["fields"] = EventFields(**values["fields"])
            values["servers"] = [_hashable(s) for s in values["servers"]]
            values["supersessions"] = [_Supersession(**s) for s in values["supersessions"]]
            engine._entries.append(_Entry(**values))
        return engine

    # --- Load Control Event ----------------------------------------------------------------------

    def _receive_event(
        self, event: LoadControlEventLike, server: Hashable, now: int
    ) -> list[Output]:
        fields = EventFields.of(event)
        reason = self._filter(fields)
        if reason is not None:
            return [Ignored(reason)]
        if _is_invalid(fields):
            status = EventStatus.load_control_event_command_rejected
            return [
                Received(Status.INVALID_FIELD, event),
                self._unapplied(fields.issuer_event_id, status, now, server, fields),
            ]
        stored = self._find(fields.issuer_event_id)
        if stored is not None:
            return [Received(Status.DUPLICATE_EXISTS, event), *self._duplicate(stored, server, now)]
        if fields.start_time == UTC_NOW:
            fields = dataclasses.replace(fields, start_time=now)
        if now > fields.end_time:  # rule 5
            status = EventStatus.rejected_event_expired
            return [
                Received(Status.INVALID_FIELD, event),
                self._unapplied(fields.issuer_event_id, status, now, server, fields),
            ]
        return [Received(Status.SUCCESS, event), *self._accept(fields, server, now)]

    def _filter(self, fields: EventFields) -> str | None:
        """Rules 1–3: why the event is not for this client, or None if it is."""
        if not fields.device_class & self.settings.device_class:
            return "rule 1: no device class in common"
        if not _group_matches(
            fields.utility_enrollment_group, self.settings.utility_enrollment_group
        ):
            return "rule 2: utility enrollment group does not match"
        if not 0x01 <= fields.criticality_level <= 0x0F:
            return "rule 3: reserved criticality level"  # EMB
        return None

    def _duplicate(self, entry: _Entry, server: Hashable, now: int) -> list[Output]:
        """Rule 6. Choice (EMB): a repeat from an ESI that sent it is ignored; another ESI gets its
        own 0x01 and every later status (FSL answers Default Response DUPLICATE_EXISTS instead)."""
        if server in entry.servers:
            return [Ignored("rule 6: duplicate from the same ESI")]
        entry.servers.append(server)
        status = EventStatus.load_control_event_command_received
        return [self._report(entry, status, now, servers=(server,))]

    def _accept(self, fields: EventFields, server: Hashable, now: int) -> list[Output]:
        """Rules 7–13: store the event, report 0x01, supersede what it overlaps."""
        start_offset, end_offset = self._draw_offsets(fields)
        new = _Entry(
            seq=self._next_seq,
            fields=fields,
            device_class=fields.device_class & self.settings.device_class,
            servers=[server],
            received_at=now,
            start_offset=start_offset,
            end_offset=end_offset,
        )
        self._next_seq += 1
        out: list[Output] = [
            self._report(new, EventStatus.load_control_event_command_received, now)
        ]
        for old in list(self._entries):
            if old.fields.end_time == fields.start_time and old.device_class & new.device_class:
                # Rule 13 (FSL): a successive event starts no later than its predecessor's
                # randomized end would have been: min(start randomization, end randomization).
                new.start_offset = min(new.start_offset, old.end_offset)
        for old in list(self._entries):
            shared = old.device_class & new.device_class
            if shared and _overlap(old.fields, fields):
                out += self._supersede(old, new, shared, now)
        for old in self._entries:
            if (
                not old.running
                and old.fields.start_time == fields.end_time
                and old.device_class & new.device_class
            ):
                self._shorten_start(old, new.end_offset)  # rule 13, the other way round
        self._entries.append(new)
        return out

    def _draw_offsets(self, fields: EventFields) -> tuple[int, int]:
        """Rule 12: random start and end delays in seconds, drawn once, on acceptance.

        Choice: the start delay never exceeds the duration, so a randomized start never falls
        after the event's (unrandomized) end.
        """
        start = end = 0
        if fields.event_control & EventControl.randomize_start_time:
            minutes = _clamp_minutes(self.settings.start_randomization_minutes)
            window = min(60 * minutes, 60 * fields.duration_in_minutes)
            start = self._rng.randint(0, window) if window else 0
        if fields.event_control & EventControl.randomize_end_time:
            window = 60 * _clamp_minutes(self.settings.duration_randomization_minutes)
            end = self._rng.randint(0, window) if window else 0
        return start, end

    def _supersede(self, old: _Entry, new: _Entry, shared: int, now: int) -> list[Output]:
        """Rules 9–11: ``new`` takes the classes ``shared`` from the overlapping ``old``.

        Not started: at once, 0x07 if no class is left (FSL removes the classes, rule 10).
        Running: when ``new`` starts. Choice (FSL): 0x07 at the new event's start, not one second
        before it (EMB). The decision stands even if ``new`` goes before it starts (rule 11).
        """
        if old.running:
            old.supersessions.append(_Supersession(new.seq, shared, new.start_due))
            return []
        old.device_class &= ~shared
        if old.device_class:
            return []
        self._entries.remove(old)
        return [self._report(old, EventStatus.event_superseded, now)]

    def _shorten_start(self, entry: _Entry, offset: int) -> None:
        """Bring ``entry``'s randomized start forward to ``offset`` at most, and the
        supersessions waiting for its start with it."""
        if offset >= entry.start_offset:
            return
        entry.start_offset = offset
        for other in self._entries:
            for waiting in other.supersessions:
                if waiting.by == entry.seq:
                    waiting.at = entry.start_due

    # --- Cancel ----------------------------------------------------------------------------------

    def _receive_cancel(self, cancel: CancelLike, server: Hashable, now: int) -> list[Output]:
        entry = self._find(cancel.issuer_event_id)
        if entry is None:  # rule 15
            status = EventStatus.rejected_invalid_cancel_undefined_event
            return [
                CancelReceived(Status.NOT_FOUND, cancel),
                self._unapplied(cancel.issuer_event_id, status, now, server),
            ]
        if not _group_matches(
            cancel.utility_enrollment_group, self.settings.utility_enrollment_group
        ):  # rule 16 (FSL)
            status = EventStatus.rejected_invalid_cancel_command
            return [
                CancelReceived(Status.INVALID_FIELD, cancel),
                self._report(entry, status, now, servers=(server,)),
            ]
        if not cancel.device_class & entry.device_class:  # rule 16 (FSL)
            return [Ignored("rule 16: cancel has no device class in common with the event")]
        effective = now if cancel.effective_time == UTC_NOW else max(cancel.effective_time, now)
        # Rule 17. Choice: "the event's end" is when it would end as things stand (randomized
        # end, earlier cancel or supersession included).
        if cancel.effective_time == UTC_INVALID or effective >= self._end_of(entry):
            status = EventStatus.rejected_invalid_cancel_effective_time
            return [
                CancelReceived(Status.INVALID_FIELD, cancel),
                self._report(entry, status, now, servers=(server,)),
            ]
        self._schedule_cancel(entry, effective, cancel.cancel_control)
        return [CancelReceived(Status.SUCCESS, cancel)]

    def _schedule_cancel(self, entry: _Entry, effective: int, cancel_control: int) -> None:
        """Rule 18: the event ends at ``effective`` with 0x06.

        With "terminate with randomization", an event running at that time ends its own end
        randomization later (Choice: running when the cancel takes effect, not when it arrives;
        an end beyond the event's own end lets the event complete). An earlier cancel stands.
        """
        at = effective
        if cancel_control & CancelControl.terminate_with_randomization and (
            entry.start_due <= effective
        ):
            at += entry.end_offset
        entry.cancel_at = at if entry.cancel_at is None else min(entry.cancel_at, at)

    # --- opt-in / opt-out ------------------------------------------------------------------------

    def _opt(self, issuer_event_id: int, now: int, *, opted_out: bool) -> list[Output]:
        if self._find(issuer_event_id) is None:  # before any change of state
            msg = f"no stored DRLC event {issuer_event_id:#010x}"
            raise KeyError(msg)
        out = self.advance(now)
        entry = self._find(issuer_event_id)
        if entry is None or entry.opted_out == opted_out:
            return out  # it ended at or before ``now``, or nothing changes
        entry.opted_out = opted_out
        if not entry.running:
            # Rule 7, Choice (EMB "Bug 13546"): nothing is sent before the start; the status at
            # the start says 0x04 instead of 0x02 when the user has opted out.
            return out
        entry.opt_changed_while_running = True  # rule 20
        status = EventStatus.user_opted_out if opted_out else EventStatus.user_opted_in
        out.append(self._report(entry, status, now))
        out.append(ActiveChanged(self.active()))
        return out

    # --- transitions -----------------------------------------------------------------------------

    def _next_transition(self) -> tuple[int, int, int, _Action] | None:
        """The first due transition as (time, phase, seq, action). At one time, ends come before
        starts (phase 0, 1) so that two events never run at once on one device class."""
        steps: list[tuple[int, int, int, _Action]] = []
        for e in self._entries:
            if not e.running:
                if e.cancel_at is not None and e.cancel_at <= e.start_due:
                    steps.append((e.cancel_at, 0, e.seq, _Action.cancel))
                else:
                    steps.append((e.start_due, 1, e.seq, _Action.start))
                continue
            if e.cancel_at is not None:
                steps.append((e.cancel_at, 0, e.seq, _Action.cancel))
            if e.supersessions:
                steps.append((min(s.at for s in e.supersessions), 0, e.seq, _Action.supersede))
            steps.append((self._natural_end(e), 0, e.seq, _Action.end))
        return min(steps, default=None)

    def _perform(self, entry: _Entry, action: _Action, at: int) -> list[Output]:
        if action is _Action.start:
            return self._start(entry, at)
        if action is _Action.supersede:
            waiting = min(entry.supersessions, key=lambda s: s.at)
            entry.supersessions.remove(waiting)
            entry.device_class &= ~waiting.device_class
            if entry.device_class:
                return []
            return self._finish(entry, EventStatus.event_superseded, at)
        if action is _Action.cancel:
            return self._finish(entry, EventStatus.event_cancelled, at)
        return self._finish(entry, _completion_status(entry), at)

    def _start(self, entry: _Entry, at: int) -> list[Output]:
        """The effective start. Rule 13: a later event that has already started on a class keeps
        it (its start takes precedence); an event left with no class is superseded."""
        held = 0
        for other in self._entries:
            if other.running:
                held |= other.device_class
        entry.device_class &= ~held
        if not entry.device_class:
            return self._finish(entry, EventStatus.event_superseded, at)
        entry.started_at = at
        opted = EventStatus.user_opted_out if entry.opted_out else EventStatus.event_started
        return [self._report(entry, opted, at)]

    def _finish(self, entry: _Entry, status: EventStatus, at: int) -> list[Output]:
        self._entries.remove(entry)
        return [self._report(entry, status, at)]

    def _natural_end(self, entry: _Entry) -> int:
        """Rules 12–13: start + duration + end randomization, cut at the effective start of any
        later event on a common class (its start takes precedence), never before the start."""
        end = entry.fields.end_time + entry.end_offset
        for other in self._entries:
            if (
                other is not entry
                and other.fields.start_time >= entry.fields.end_time
                and other.device_class & entry.device_class
                and other.will_start()
            ):
                end = min(end, other.start_due)
        return max(end, entry.start_due)

    def _end_of(self, entry: _Entry) -> int:
        """When the event ends as things stand: naturally, cancelled, or superseded on every
        class it holds."""
        end = self._natural_end(entry)
        if entry.cancel_at is not None:
            end = min(end, entry.cancel_at)
        lost = 0
        for waiting in sorted(entry.supersessions, key=lambda s: s.at):
            lost |= waiting.device_class
            if not entry.device_class & ~lost:
                return min(end, waiting.at)
        return end

    # --- helpers ---------------------------------------------------------------------------------

    def _find(self, issuer_event_id: int) -> _Entry | None:
        return next((e for e in self._entries if e.fields.issuer_event_id == issuer_event_id), None)

    @staticmethod
    def _by_start(entries: list[_Entry]) -> list[_Entry]:
        return sorted(entries, key=lambda e: (e.start_due, e.seq))

    def _view(self, entry: _Entry) -> DrlcEvent:
        return DrlcEvent(
            fields=entry.fields,
            device_class=entry.device_class,
            state=EventState.running if entry.running else EventState.scheduled,
            effective_start=entry.start_due,
            effective_end=self._end_of(entry),
            opted_out=entry.opted_out,
            servers=tuple(entry.servers),
        )

    def _active_key(self) -> list[tuple[int, int, bool]]:
        """What ActiveChanged is about: which events run, on which classes, opted out or not."""
        return [(e.seq, e.device_class, e.opted_out) for e in self._entries if e.running]

    @staticmethod
    def _report(
        entry: _Entry,
        status: EventStatus,
        at: int,
        servers: tuple[Hashable, ...] | None = None,
    ) -> ReportStatus:
        """A status of a stored event: the "applied" fields are the event's own values (the "not
        used" values where the event says not used); to every ESI that sent it by default."""
        f = entry.fields
        return ReportStatus(
            servers=tuple(entry.servers) if servers is None else servers,
            issuer_event_id=f.issuer_event_id,
            event_status=status,
            event_status_time=at,
            criticality_level_applied=f.criticality_level,
            cooling_temperature_set_point_applied=f.cooling_temperature_set_point,
            heating_temperature_set_point_applied=f.heating_temperature_set_point,
            average_load_adjustment_percentage_applied=f.average_load_adjustment_percentage,
            duty_cycle_applied=f.duty_cycle,
            event_control=f.event_control,
        )

    @staticmethod
    def _unapplied(
        issuer_event_id: int,
        status: EventStatus,
        at: int,
        server: Hashable,
        fields: EventFields | None = None,
    ) -> ReportStatus:
        """0xFE or 0xFB for an event that was not stored, 0xFD for an unknown one.

        Choice: nothing was applied, so the "applied" fields carry the "not used" values;
        criticality and event control are the event's, 0x00 without an event (0xFD).
        """
        return ReportStatus(
            servers=(server,),
            issuer_event_id=issuer_event_id,
            event_status=status,
            event_status_time=at,
            criticality_level_applied=0x00 if fields is None else fields.criticality_level,
            cooling_temperature_set_point_applied=NOT_USED_SET_POINT,
            heating_temperature_set_point_applied=NOT_USED_SET_POINT,
            average_load_adjustment_percentage_applied=NOT_USED_PERCENTAGE,
            duty_cycle_applied=NOT_USED_U8,
            event_control=0x00 if fields is None else fields.event_control,
        )

"""The IPD's Demand Response and Load Control client (se-spec.md §2.5; digi-se-rpc.md §3.6.1),
around :class:`~segateway.se.drlc_engine.DrlcEngine`.

* **Load Control Event**: ``received_DRLC_event`` with the engine's status (0x00 stored, 0x85
  rejected, 0x8A duplicate; nothing for an event the rules ignore: another device class or
  group, a reserved criticality); **Cancel Load Control Event**: ``received_DRLC_cancel_event``
  (0x00, 0x85, 0x8B); **Cancel All Load Control Events**: a ``received_DRLC_cancel_event`` whose
  record is the command's one field, ``cancel_control``, status 0x00.
* Every Report Event Status the engine asks for goes to each ESI it names (a new command with our
  own TSN, the SE 1.1 unsigned form: Signature Type 0x00 and 42 × 0xFF).
* The Default Response carries the engine's status where the engine gives one (Cancel All with
  nothing stored: SUCCESS); otherwise SUCCESS — the outcome travels in Report Event Status — so
  it is sent only when Disable Default Response is clear.
* ``updated_active_DRLC_events`` whenever the running events change (a start, an end, a cancel,
  a supersession, an opt-out or opt-in).
* **Late join**: a DRLC server that becomes usable is asked Get Scheduled Events (all).
* **Client attributes** (writable by ESIs through Write Attributes, kept across restarts):
  UtilityEnrollmentGroup (0x00–0xFF), StartRandomizationMinutes and
  DurationRandomizationMinutes (0x00–0x3C), DeviceClassValue (reserved bits 12–15 must be
  clear); anything else is refused with INVALID_VALUE. The engine reads them when it needs them.

Records are LoadControlEventRecords / CancelLoadControlEventRecords (digi-se-rpc.md §4.3): the
command fields by name, signed fields signed. In ``received_*`` the record is the command as
received; in ``updated_active_DRLC_events`` and :meth:`DrlcClient.get_DRLC_events`
``start_time`` is resolved (0 → the time of receipt) and four fields are added:
``effective_start_time`` and ``effective_end_time`` (randomisation, cancels and supersessions
included), ``opted_out`` and ``event_state`` (``scheduled`` or ``running``).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from ...zcl.cluster import Attribute
from ...zcl.clusters.drlc import Drlc
from ...zcl.status import Status
from ..bus import ReceivedDrlcCancelEvent, ReceivedDrlcEvent, UpdatedActiveDrlcEvents
from ..drlc_engine import (
    ActiveChanged,
    CancelReceived,
    DefaultResponse,
    DrlcClientSettings,
    DrlcEngine,
    DrlcEvent,
    Ignored,
    Received,
    ReportStatus,
)
from ..endpoint import Incoming, Peer, handles
from ._engine_host import EngineClient, OnDone, ServerAddress, plain_record

__all__ = ["DEFAULT_DEVICE_CLASS", "DrlcClient", "drlc_event_record"]

log = logging.getLogger(__name__)

DEFAULT_DEVICE_CLASS = 0x0FFF
"""An In-Premise Display shows events for every device class (bits 0–11)."""
_RESERVED_CLASSES = 0xF000
_UTC_LAST = 0xFFFFFFFE
_SETTINGS = {  # attribute id → DrlcClientSettings field
    0x0000: "utility_enrollment_group",
    0x0001: "start_randomization_minutes",
    0x0002: "duration_randomization_minutes",
    0x0003: "device_class",
}
_RANGES = {
    "utility_enrollment_group": (0x00, 0xFF),
    "start_randomization_minutes": (0x00, 0x3C),
    "duration_randomization_minutes": (0x00, 0x3C),
    "device_class": (0x0000, 0x0FFF),
}


def drlc_event_record(event: DrlcEvent) -> dict[str, Any]:
    """A held event as a LoadControlEventRecord with its effective times (module doc)."""
    record = dataclasses.asdict(event.fields)
    record["effective_start_time"] = event.effective_start
    record["effective_end_time"] = event.effective_end
    record["opted_out"] = event.opted_out
    record["event_state"] = event.state.value
    return record


@dataclass(frozen=True, slots=True)
class _CancelAllReceived:
    """Cancel All Load Control Events arrived (announced before the engine's outputs)."""

    payload: Any


def _address(server: Hashable) -> ServerAddress | None:
    if (
        isinstance(server, tuple)
        and len(server) == 2
        and all(isinstance(part, int) for part in server)
    ):
        return (int(server[0]), int(server[1]))
    return None


class DrlcClient(EngineClient):
    """DRLC client: load control events from every DRLC server (module doc)."""

    definition = Drlc

    def __init__(
        self,
        *,
        device_class: int = DEFAULT_DEVICE_CLASS,
        utility_enrollment_group: int = 0x00,
        start_randomization_minutes: int = 0x1E,
        duration_randomization_minutes: int = 0x00,
    ) -> None:
        super().__init__()
        given = {
            "device_class": device_class,
            "utility_enrollment_group": utility_enrollment_group,
            "start_randomization_minutes": start_randomization_minutes,
            "duration_randomization_minutes": duration_randomization_minutes,
        }
        for name, value in given.items():
            low, high = _RANGES[name]
            if not low <= value <= high:
                msg = f"{name} is {low:#x} to {high:#x}, not {value!r}"
                raise ValueError(msg)
        self.settings = DrlcClientSettings(**given)
        self._engine: DrlcEngine | None = None

    @property
    def engine(self) -> DrlcEngine:
        if self._engine is None:
            msg = "the DRLC client is not started"
            raise RuntimeError(msg)
        return self._engine

    # --- the engine hooks -------------------------------------------------------------------

    def load(self, state: Any) -> None:
        rng = self.app.rng
        if state is None:
            self._engine = DrlcEngine(self.settings, rng)
            return
        for name, value in state["settings"].items():
            setattr(self.settings, name, int(value))
        self._engine = DrlcEngine.restore(state["engine"], self.settings, rng)

    def state(self) -> Any:
        return {
            "settings": dataclasses.asdict(self.settings),
            "engine": self.engine.snapshot(),
        }

    def advance(self, now: int) -> list[Any]:
        return list(self.engine.advance(now))

    def next_wakeup(self) -> int | None:
        return self.engine.next_wakeup()

    def emit(self, outputs: Sequence[Any], incoming: Incoming | None) -> Status | None:
        where = self.cluster_notification_fields()
        status: Status | None = None
        for out in outputs:
            if isinstance(out, Received | CancelReceived | _CancelAllReceived):
                assert incoming is not None  # noqa: S101 - only a command yields these
                if isinstance(out, Received):
                    code, record = out.status, plain_record(out.event)
                    kind: type[ReceivedDrlcEvent | ReceivedDrlcCancelEvent] = ReceivedDrlcEvent
                elif isinstance(out, CancelReceived):
                    code, record = out.status, plain_record(out.cancel)
                    kind = ReceivedDrlcCancelEvent
                else:
                    code, record = Status.SUCCESS, plain_record(out.payload)
                    kind = ReceivedDrlcCancelEvent
                self.publish(
                    kind(
                        status=int(code),
                        source_address=self.server_of(incoming)[0],
                        source_endpoint_id=incoming.peer.endpoint,
                        record=record,
                        **where,
                    )
                )
            elif isinstance(out, ReportStatus):
                for server in out.servers:
                    address = _address(server)
                    if address is None:
                        log.warning("no address for ESI %r: report not sent", server)
                        continue
                    self.send_command(self.peer_of(address), "report_event_status", out.payload())
            elif isinstance(out, DefaultResponse):
                status = out.status
            elif isinstance(out, ActiveChanged):
                records = [drlc_event_record(e) for e in out.events]
                self.publish(UpdatedActiveDrlcEvents(record_list=records, **where))
            elif isinstance(out, Ignored):
                log.info("load control command ignored: %s", out.reason)
        if incoming is not None and status is None:
            status = Status.SUCCESS
        return status

    def ask(self, peer: Peer) -> None:
        self.send_command(peer, "get_scheduled_events", {"start_time": 0, "number_of_events": 0})

    # --- attributes -------------------------------------------------------------------------

    def read_value(self, attr: Attribute) -> Any:
        name = _SETTINGS.get(attr.id)
        if name is not None:
            return getattr(self.settings, name)
        return super().read_value(attr)

    def check_write(self, attr: Attribute, value: Any) -> Status:
        name = _SETTINGS.get(attr.id)
        if name is None:
            return super().check_write(attr, value)
        low, high = _RANGES[name]
        return Status.SUCCESS if low <= int(value) <= high else Status.INVALID_VALUE

    def attribute_written(self, attr: Attribute, value: Any) -> None:
        name = _SETTINGS.get(attr.id)
        if name is None:
            return
        setattr(self.settings, name, int(value))
        if self._engine is not None:
            self.save()

    def set(self, name_or_id: str | int, value: Any) -> None:
        """Set an attribute locally; the client attributes are range-checked (ValueError)."""
        attr = self.attribute(name_or_id)
        name = _SETTINGS.get(attr.id)
        if name is not None and self.check_write(attr, value) is not Status.SUCCESS:
            msg = f"{attr.name} cannot be {value!r}"
            raise ValueError(msg)
        super().set(name_or_id, value)
        self.attribute_written(attr, value)

    # --- commands from servers --------------------------------------------------------------

    @handles("load_control_event")
    def _load_control_event(self, incoming: Incoming) -> Status | None:
        self._ready()
        server = self.server_of(incoming)
        outputs = self.engine.receive_event(incoming.payload, server, self.now())
        return self.run(outputs, incoming)

    @handles("cancel_load_control_event")
    def _cancel_load_control_event(self, incoming: Incoming) -> Status | None:
        self._ready()
        server = self.server_of(incoming)
        outputs = self.engine.receive_cancel(incoming.payload, server, self.now())
        return self.run(outputs, incoming)

    @handles("cancel_all_load_control_events")
    def _cancel_all_load_control_events(self, incoming: Incoming) -> Status | None:
        self._ready()
        server = self.server_of(incoming)
        control = int(incoming.payload.cancel_control)
        outputs = self.engine.receive_cancel_all(control, server, self.now())
        return self.run([_CancelAllReceived(incoming.payload), *outputs], incoming)

    # --- the RPC layer's API ----------------------------------------------------------------

    def get_scheduled_DRLC_events(  # noqa: N802 - the Digi SE Framework's name
        self, start_time: int = 0, number_of_events: int = 0, on_done: OnDone | None = None
    ) -> None:
        """Ask every active DRLC server to send its events from ``start_time`` (0: now) again,
        at most ``number_of_events`` (0: all) — Get Scheduled Events. ``on_done``: ``{status,
        device_list}``; 0x85 INVALID_FIELD (nothing sent) for values outside the fields."""
        if not (0 <= start_time <= _UTC_LAST and 0 <= number_of_events <= 0xFF):
            if on_done is not None:
                on_done({"status": int(Status.INVALID_FIELD), "device_list": []})
            return
        payload = {"start_time": start_time, "number_of_events": number_of_events}
        self.request_all("get_scheduled_events", payload, on_done)

    def get_DRLC_events(self) -> list[dict[str, Any]]:  # noqa: N802 - the Digi SE Framework's name
        """The events held, scheduled and running, by effective start."""
        return [drlc_event_record(e) for e in self.engine.events()]

    def opt_out(self, event_id: int) -> int:
        """The user will not take part in event ``event_id``: 0x00, or 0x8B NOT_FOUND when no
        such event is held. Running: Report Event Status 0x04 now; scheduled: 0x04 at its start
        instead of 0x02."""
        return self._opt(event_id, opted_out=True)

    def opt_in(self, event_id: int) -> int:
        """The user takes part in event ``event_id`` again: 0x00, or 0x8B NOT_FOUND. Running:
        Report Event Status 0x05 now."""
        return self._opt(event_id, opted_out=False)

    def _opt(self, event_id: int, *, opted_out: bool) -> int:
        engine = self.engine
        now = self.now()
        try:
            outputs = engine.opt_out(event_id, now) if opted_out else engine.opt_in(event_id, now)
        except KeyError:
            return int(Status.NOT_FOUND)
        self.run(outputs)
        return int(Status.SUCCESS)

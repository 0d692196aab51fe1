"""Conversion between the three configurations as one operation on the durable state.

The data directory remembers which configuration wrote it (setting ``se.role``); the application
refuses to start on a store of another configuration, and :func:`convert` moves the store from
one to another, keeping what still makes sense and saying what it does not carry over:

* settings are kept;
* remote devices are kept, but when the node's place in the network changes (coordinator ⇄
  router) they are marked inactive and will be rediscovered on the network the node is on next;
* install codes and link keys are the trust center's: kept on ESI Coordinator, and kept (unused,
  so that converting back restores them) but reported when converting to a router role;
* the ESI's price, DRLC and message events (server side) carry over between the two ESI roles; an
  IPD has no servers, so converting an ESI that still holds events to IPD Router is refused
  unless ``force`` is given, which drops them;
* an IPD's received events (its clients' state) are its own view of someone else's ESI: they are
  dropped when converting to an ESI role.

The conversion is one transaction: it happens completely or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..store import Store
from .app import ROLE_SETTING, Role

__all__ = ["ConversionError", "ConversionReport", "convert", "stored_role"]

SERVER_EVENT_KINDS = ("price", "drlc", "message")
CLIENT_STATE_PREFIX = "client:"


class ConversionError(ValueError):
    """The conversion cannot be done as asked; ``reasons`` says why, one line each."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@dataclass(frozen=True)
class ConversionReport:
    from_role: Role | None
    to_role: Role
    kept: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        start = self.from_role.value if self.from_role else "(new)"
        out = [f"converted {start} → {self.to_role.value}"]
        out += [f"kept: {k}" for k in self.kept]
        out += [f"dropped: {d}" for d in self.dropped]
        out += [f"note: {n}" for n in self.notes]
        return out


def stored_role(store: Store) -> Role | None:
    """The configuration that wrote ``store`` (None for a new store)."""
    value = store.get_setting(ROLE_SETTING)
    return None if value is None else Role(value)


def convert(store: Store, to_role: Role, *, force: bool = False) -> ConversionReport:
    """Convert the durable state in ``store`` to ``to_role`` (see the module doc)."""
    from_role = stored_role(store)
    report = ConversionReport(from_role, to_role)
    if from_role is to_role:
        report.notes.append(f"already {to_role.value}: nothing to do")
        return report
    if from_role is None:
        store.set_setting(ROLE_SETTING, to_role.value)
        return report

    server_events = {kind: len(store.events(kind)) for kind in SERVER_EVENT_KINDS}
    held = {k: n for k, n in server_events.items() if n}
    if held and not to_role.is_esi and not force:
        listing = ", ".join(f"{n} {kind}" for kind, n in held.items())
        raise ConversionError(
            [
                f"the ESI still holds events ({listing}); an IPD Router has no servers to keep "
                "them: cancel them first, or convert with force to drop them"
            ]
        )
    devices = store.devices()
    keys = store.keys()
    client_states = [n for n in store.state_names() if n.startswith(CLIENT_STATE_PREFIX)]
    moves = (from_role is Role.esi_coordinator) != (to_role is Role.esi_coordinator)

    with store.transaction():
        report.kept.append("settings")
        if devices:
            if moves:
                for ieee, data in devices.items():
                    store.put_device(
                        ieee, {**data, "active": False, "discovery_status": "not_started"}
                    )
                report.kept.append(
                    f"{len(devices)} devices (inactive until rediscovered on the new network)"
                )
            else:
                report.kept.append(f"{len(devices)} devices")
        if keys:
            if to_role is Role.esi_coordinator:
                report.kept.append(f"{len(keys)} install codes / link keys (trust center)")
            else:
                report.kept.append(f"{len(keys)} install codes / link keys")
                report.notes.append(
                    "a router is not the trust center: the registered install codes and link "
                    "keys are not used until the gateway is an ESI Coordinator again"
                )
        if held:
            listing = ", ".join(f"{n} {kind}" for kind, n in held.items())
            if to_role.is_esi:
                report.kept.append(f"ESI events ({listing})")
            else:
                for kind in held:
                    for event in store.events(kind):
                        store.delete_event(kind, event.endpoint, event.event_id)
                report.dropped.append(f"ESI events ({listing}): an IPD has no servers")
        if client_states and to_role.is_esi:
            for name in client_states:
                store.delete_state(name)
            report.dropped.append(
                "the IPD's received prices, DRLC events and messages (another ESI's events)"
            )
        store.set_setting(ROLE_SETTING, to_role.value)
    return report

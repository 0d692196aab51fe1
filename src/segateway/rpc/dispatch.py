"""The RPC dispatcher: requests of the catalog run on the gateway, responses and messages out.

:meth:`Dispatcher.call` takes a request by name with its parameters (as a codec decoded them):

1. the catalog validates them (types, required, unknown, defaults applied) — a
   :class:`~segateway.rpc.errors.RpcError` is raised before anything changes;
2. the request's handler (registered with :func:`handles` into :data:`HANDLERS`) runs on the
   :class:`~segateway.rpc.gateway.Gateway`;
3. its response (``<request>_response``, parameters named as in the reference) reaches
   ``on_response`` — at once for local requests, after the network work for the others (the
   ESI servers' ``on_done``, a device's answer). A failure after that point (a bug) is delivered
   as a response carrying an error, never lost.

Every notification on the SE bus becomes an asynchronous response in the gateway's
:class:`~segateway.rpc.responses.ResponseQueue` (``message``, ``received_*``,
``updated_active_*``, ``attribute_report`` …), with the reference's parameter names. The
``request_identifier`` of a request is echoed in its response, in every message published while
it runs or completes, and in the status reports, confirmations and acknowledgements devices send
about the events it created.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from ..radio import ApsPacket, DeliveryResult, DstMode
from ..se.bus import (
    AttributeReport,
    DeviceStatusChanged,
    Notification,
    ReceivedMessageConfirmation,
    ReceivedPriceAcknowledgement,
    ReceivedReportEventStatus,
    StatusMessage,
    UpdatedActiveMessageEvents,
    UpdatedActivePriceEvent,
)
from ..se.clients.drlc import DrlcClient
from ..se.clients.messaging import MessagingClient
from ..se.clients.metering import DEMAND, REPORTED_ATTRIBUTES, SUMMATION, MeteringClient, Mode
from ..se.clients.price import PriceClient
from ..se.endpoint import Peer
from ..se.servers import DrlcServer, MessagingServer, PriceServer
from ..sim.clock import TimerHandle
from ..zcl.cluster import Side
from ..zcl.errors import EncodeError
from ..zcl.foundation import FOUNDATION
from ..zcl.frame import ZclFrame, encode_frame
from ..zcl.header import Direction
from ..zcl.status import Status
from ..zcl.types import is_analog
from ..zigbee import zdo
from .catalog import CATALOG, Catalog, Completion
from .errors import InvalidParamsError, NotAvailableError, RpcError, RpcInternalError
from .gateway import (
    BROADCAST_MAC,
    UNIX_2000,
    Gateway,
    RegistryWriteError,
    ZclAnswer,
    ZclTarget,
    cluster_definition,
    zcl_value,
)
from .responses import RpcResponse, from_stored, to_stored
from .values import MAC, Base16, Base64, Record, Value, XmlFragment

__all__ = [
    "HANDLERS",
    "Call",
    "Dispatcher",
    "SyncCall",
    "handles",
]

log = logging.getLogger(__name__)

DRLC, MESSAGING, PRICE, METERING, IDENTIFY = 0x0701, 0x0703, 0x0700, 0x0702, 0x0003
_MAX_EVENT_IDENTIFIERS = 1000
_STATE_IDENTIFIERS = "rpc.request_identifiers"
_XML_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
_DISCOVERY = {"not_started": 0, "in_progress": 0, "complete": 1, "failed": 2}


# ================================================================================= calls


class Call:
    """One request being served: its validated ``params``, the gateway, and the way to answer
    (:meth:`respond`, once). :meth:`later` wraps the callbacks handed to the SE layer."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        name: str,
        params: dict[str, Value],
        request_identifier: Value,
        on_response: Callable[[RpcResponse], None],
    ) -> None:
        self.dispatcher = dispatcher
        self.gateway = dispatcher.gateway
        self.name = name
        self.params = params
        self.request_identifier = request_identifier
        self._on_response = on_response
        self.answered = False

    def get(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)

    def respond(self, params: Mapping[str, Any]) -> None:
        """Answer with ``<name>_response``: plain values are shaped after the catalog."""
        if self.answered:
            log.warning("%s answered twice: second answer dropped", self.name)
            return
        self.answered = True
        shaped = self.dispatcher.catalog.shape(f"{self.name}_response", params)
        self._on_response(RpcResponse(f"{self.name}_response", shaped, self.request_identifier))

    def fail(self, error: RpcError) -> None:
        if self.answered:
            return
        self.answered = True
        self._on_response(
            RpcResponse(f"{self.name}_response", {}, self.request_identifier, error=error)
        )

    def later(self, fn: Callable[..., None]) -> Callable[..., None]:
        """``fn`` as a callback for the layers below: it runs with this request's identifier
        current, and an exception becomes an error response instead of escaping."""

        def run(*args: Any) -> None:
            with self.dispatcher.current(self.request_identifier):
                try:
                    fn(*args)
                except RpcError as exc:
                    self.fail(exc)
                except Exception as exc:
                    log.exception("%s failed after it was accepted", self.name)
                    self.fail(RpcInternalError(f"{self.name}: {type(exc).__name__}: {exc}"))

        return run


Handler = Callable[[Call], None]


def handles(name: str) -> Callable[[Handler], Handler]:
    """Mark a function as the handler of request ``name`` (collected into :data:`HANDLERS`)."""

    def mark(fn: Handler) -> Handler:
        fn._rpc_handles = name  # type: ignore[attr-defined]
        return fn

    return mark


class SyncCall:
    """A request answered in the reply (``synchronous="TRUE"``) unless it takes longer than the
    timeout: then it falls back to the queue (digi-se-rpc.md §2.3).

    ``response`` is set when it is answered in time; ``expired`` once it fell back. Callbacks
    added with :meth:`add_done_callback` run once, on either."""

    def __init__(self) -> None:
        self.response: RpcResponse | None = None
        self.expired = False
        self.timer: TimerHandle | None = None
        self._callbacks: list[Callable[[SyncCall], None]] = []

    @property
    def done(self) -> bool:
        return self.response is not None or self.expired

    def add_done_callback(self, callback: Callable[[SyncCall], None]) -> None:
        if self.done:
            callback(self)
        else:
            self._callbacks.append(callback)

    def settle(self) -> None:
        """Run the done callbacks (the dispatcher calls it once the call is done)."""
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback(self)


# ================================================================================= the dispatcher


class Dispatcher:
    """Runs the catalog's requests on a :class:`Gateway`; turns SE notifications into
    asynchronous responses (module doc)."""

    def __init__(self, gateway: Gateway, *, catalog: Catalog = CATALOG) -> None:
        self.gateway = gateway
        self.catalog = catalog
        self._identifier: Value = None
        self._event_identifiers: dict[tuple[str, int], Value] = {}
        self._unsubscribe: Callable[[], None] | None = None
        self._load_identifiers()

    # --- lifecycle ------------------------------------------------------------------------------

    def start(self) -> None:
        """Listen to the SE bus (the gateway is started too)."""
        self.gateway.start()
        if self._unsubscribe is None:
            self._unsubscribe = self.gateway.bus.subscribe(self._on_notification)

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.gateway.close()

    # --- calling --------------------------------------------------------------------------------

    def call(
        self,
        name: str,
        params: Mapping[str, object],
        *,
        request_identifier: Value = None,
        on_response: Callable[[RpcResponse], None],
    ) -> None:
        """Validate and run request ``name``; its response goes to ``on_response`` (never for
        ``exit``). Raises :class:`RpcError` when the request is refused (nothing changed)."""
        spec = self.catalog.request(name)
        handler = HANDLERS.get(name)
        if handler is None:
            raise NotAvailableError(f"{name} is not implemented by this gateway")
        params_ok = self.catalog.validate(name, params)
        call = Call(self, name, params_ok, request_identifier, on_response)
        with self.current(request_identifier):
            try:
                handler(call)
            except RpcError:
                if call.answered:
                    raise RpcInternalError(f"{name} failed after it answered") from None
                raise
            except Exception as exc:
                log.exception("%s failed", name)
                if call.answered:
                    return
                raise RpcInternalError(f"{name}: {type(exc).__name__}: {exc}") from exc
        if spec.completion is Completion.immediate and not call.answered:
            log.warning("%s (answered at once) did not answer", name)

    def call_async(
        self, name: str, params: Mapping[str, object], *, request_identifier: Value = None
    ) -> None:
        """Run a request whose response goes to the response queue (the default, §2.3)."""
        self.call(
            name,
            params,
            request_identifier=request_identifier,
            on_response=self._queue,
        )

    def _queue(self, response: RpcResponse) -> None:
        self.gateway.responses.put(response)

    def call_sync(
        self,
        name: str,
        params: Mapping[str, object],
        *,
        request_identifier: Value = None,
        timeout: float | None = None,
    ) -> SyncCall:
        """Run a synchronous request: the returned :class:`SyncCall` gets the response if it
        comes within ``timeout`` seconds of the gateway's clock (default: the registry's
        RPC_Manager.synchronous_request_timeout); a later response goes to the queue."""
        sync = SyncCall()

        def answered(response: RpcResponse) -> None:
            if sync.expired:
                self.gateway.responses.put(response)
                return
            sync.response = response
            sync.settle()

        def expire() -> None:
            sync.timer = None
            if sync.response is None:
                sync.expired = True
                sync.settle()

        self.call(name, params, request_identifier=request_identifier, on_response=answered)
        if not sync.done and self.catalog.request(name).completion is not Completion.none:
            wait = self.gateway.synchronous_timeout if timeout is None else timeout
            sync.timer = self.gateway.clock.call_later(wait, expire)
        return sync

    @contextmanager
    def current(self, request_identifier: Value) -> Iterator[None]:
        """Messages published inside carry ``request_identifier``."""
        previous = self._identifier
        self._identifier = request_identifier
        try:
            yield
        finally:
            self._identifier = previous

    # --- request identifiers of events ------------------------------------------------------

    def remember_event(self, kind: str, event_id: int, request_identifier: Value) -> None:
        """Echo ``request_identifier`` in what devices later send about this event."""
        if request_identifier is None:
            return
        key = (kind, int(event_id))
        self._event_identifiers.pop(key, None)
        self._event_identifiers[key] = request_identifier
        while len(self._event_identifiers) > _MAX_EVENT_IDENTIFIERS:
            self._event_identifiers.pop(next(iter(self._event_identifiers)))
        self.gateway.store.put_state(
            _STATE_IDENTIFIERS,
            [[k, i, to_stored(v)] for (k, i), v in self._event_identifiers.items()],
        )

    def _load_identifiers(self) -> None:
        stored = self.gateway.store.get_state(_STATE_IDENTIFIERS)
        if isinstance(stored, list):
            for kind, event_id, value in stored:
                self._event_identifiers[(str(kind), int(event_id))] = from_stored(value)

    def _identifier_for(self, notification: Notification) -> Value:
        if self._identifier is not None:
            return self._identifier
        record = getattr(notification, "record", None)
        if not isinstance(record, Mapping):
            return None
        if isinstance(notification, ReceivedReportEventStatus):
            key = ("drlc", record.get("issuer_event_id"))
        elif isinstance(notification, ReceivedMessageConfirmation):
            key = ("message", record.get("message_id"))
        elif isinstance(notification, ReceivedPriceAcknowledgement):
            key = ("price", record.get("issuer_event_id"))
        else:
            return None
        if not isinstance(key[1], int):
            return None
        return self._event_identifiers.get((key[0], key[1]))

    # --- notifications → asynchronous responses ----------------------------------------------

    def _on_notification(self, notification: Notification) -> None:
        try:
            messages = list(to_messages(notification))
        except Exception:
            log.exception("cannot turn %r into a response", notification)
            return
        if isinstance(notification, StatusMessage) and (
            notification.severity < self.gateway.debug_rpc_severity
        ):
            return
        identifier = self._identifier_for(notification)
        for name, params in messages:
            if name not in self.catalog.answers:
                log.debug("notification %s has no message in the catalog", name)
                continue
            shaped = self.catalog.shape(name, params)
            self.gateway.responses.put(RpcResponse(name, shaped, identifier))


# ================================================================================= notifications


def to_messages(notification: Notification) -> Iterator[tuple[str, dict[str, Any]]]:
    """The asynchronous messages (name, plain parameters) a notification stands for."""
    if isinstance(notification, StatusMessage):
        yield (
            "message",
            {
                "status": notification.status,
                "severity": notification.severity,
                "description": notification.description,
                "device_address": notification.device,
                "discovery_status": None
                if notification.discovery_status is None
                else _DISCOVERY.get(notification.discovery_status, 0),
            },
        )
    elif isinstance(notification, DeviceStatusChanged):
        yield (
            "device_status",
            {
                "source_address": notification.source_address,
                "active": notification.active,
                "discovery_status": _DISCOVERY.get(notification.discovery_status, 0),
            },
        )
    elif isinstance(notification, AttributeReport):
        side = getattr(notification, "server_or_client", 0)
        profile = getattr(notification, "profile_id", 0x0109)
        manufacturer = getattr(notification, "manufacturer_code", None)
        for record in notification.record_list:  # one attribute per message (§3.5)
            yield (
                "attribute_report",
                {
                    "cluster_id": notification.cluster_id,
                    "server_or_client": side,
                    "profile_id": profile,
                    "source_endpoint_id": notification.source_endpoint_id,
                    "destination_endpoint_id": notification.destination_endpoint_id,
                    "source_address": notification.source_address,
                    "manufacturer_code": manufacturer,
                    "record": record,
                },
            )
    elif isinstance(notification, UpdatedActiveMessageEvents):
        params = notification.params()
        params["destination_address_id"] = notification.destination_endpoint_id
        yield (notification.name, params)
    elif isinstance(notification, UpdatedActivePriceEvent):
        params = notification.params()
        commodity = params.pop("commodity", {}) or {}
        params["provider_id"] = commodity.get("provider_id")
        params["unit_of_measure"] = commodity.get("unit_of_measure")
        yield (notification.name, params)
    else:
        yield (notification.name, notification.params())


# ================================================================================= helpers


def _fields(value: Any) -> dict[str, Any]:
    """A record's fields as plain data for the SE layer (MACs as ints)."""
    fields = value.fields if isinstance(value, Record) else value
    return {k: _plain(v) for k, v in fields.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, MAC):
        return value.value
    if isinstance(value, Record):
        return _fields(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, XmlFragment):
        return value.text
    return value


def _source_endpoint(call: Call, name: str = "source_endpoint_id") -> int:
    value = call.get(name)
    return call.gateway.endpoint_id if value is None else int(value)


def _answer_header(
    call: Call,
    answer: ZclAnswer,
    *,
    cluster_id: int,
    side: int,
    target: ZclTarget,
    source_endpoint: int,
) -> dict[str, Any]:
    """The common header of ZCL responses: who answered (digi-se-rpc.md §3.5)."""
    gateway = call.gateway
    packet = answer.packet
    header: dict[str, Any] = {"cluster_id": cluster_id, "server_or_client": side}
    if packet is not None:
        ieee = (
            packet.src_ieee if packet.src_ieee is not None else gateway.app.resolve_ieee(packet.src)
        )
        header.update(
            profile_id=packet.profile_id,
            source_endpoint_id=packet.src_ep,
            destination_endpoint_id=packet.dst_ep,
            source_address=ieee,
        )
        if answer.frame is not None and answer.frame.header.manufacturer is not None:
            header["manufacturer_code"] = answer.frame.header.manufacturer
    else:
        header.update(
            profile_id=gateway.endpoint(source_endpoint).profile_id,
            source_endpoint_id=target.endpoint if target.endpoint != 0xFF else source_endpoint,
            destination_endpoint_id=source_endpoint,
            source_address=target.ieee,
        )
    if answer.status is not None:
        header["status"] = answer.status
    return header


def _zcl_target(call: Call, cluster_id: int, *, to_server: bool) -> tuple[ZclTarget, int]:
    source = _source_endpoint(call)
    call.gateway.endpoint(source)
    target = call.gateway.target(
        call.get("destination_address"),
        call.get("destination_endpoint_id"),
        cluster_id,
        server=to_server,
        source_endpoint=source,
    )
    return target, source


def _attribute_type(cluster_id: int, to_server: bool, attribute_id: int, given: int) -> int:
    """The data type of an attribute: as given, or (0xFF) from the cluster definition."""
    if given != 0xFF:
        return given
    side = Side.server if to_server else Side.client
    attr = cluster_definition(cluster_id).attribute(side, attribute_id)
    type_id = None if attr is None else attr.wire.type_id
    if type_id is None:
        raise InvalidParamsError(
            f"attribute {attribute_id:#06x} of cluster {cluster_id:#06x}: segateway does not "
            "know its type; give attribute_type"
        )
    return type_id


def _zcl_write_value(value: Value) -> Any:
    if isinstance(value, Record) and value.type_name.lower() == "zcl_arrayrecord":
        items = value.fields.get("value")
        return {
            "element_type": value.fields.get("attribute_type"),
            "items": [_plain(v) for v in items] if isinstance(items, list) else [],
        }
    return _plain(value)


def _failures(frame: ZclFrame | None) -> dict[int | None, int]:
    """attribute id → status of a Write Attributes / Configure Reporting Response (the
    one-record "all succeeded" form gives an empty table)."""
    out: dict[int | None, int] = {}
    if frame is None or frame.command is None:
        return out
    for record in frame.payload.records:
        if int(record.status) != Status.SUCCESS:
            aid = None if record.attribute_id is None else int(record.attribute_id)
            out[aid] = int(record.status)
    return out


def _expects(frame: ZclFrame | None, name: str) -> bool:
    return frame is not None and frame.command is not None and frame.command.name == name


# ================================================================================= General


@handles("registry_configuration")
def _registry_configuration(call: Call) -> None:
    gateway = call.gateway
    name = str(call.params["name"])
    if gateway.registry_entry(name) is None:
        raise InvalidParamsError(f"name: no registry entry {name!r}")
    if "value" not in call.params:
        call.respond({"name": name, "value": gateway.registry_value(name)})
        return
    value = call.params["value"]
    try:
        written = gateway.write_registry(name, value)
    except RegistryWriteError as exc:
        call.respond(
            {"name": name, "value": value, "write_status": False, "write_errors": str(exc)}
        )
        return
    call.respond({"name": name, "value": written, "write_status": True})


@handles("registry_restore_defaults")
def _registry_restore_defaults(call: Call) -> None:
    call.gateway.restore_registry_defaults()
    call.respond({})


@handles("get_version")
def _get_version(call: Call) -> None:
    call.respond(call.gateway.version())


@handles("get_time")
def _get_time(call: Call) -> None:
    call.respond(call.gateway.time())


@handles("set_time")
def _set_time(call: Call) -> None:
    given = [n for n in ("UTC_1970", "UTC_2000") if n in call.params]
    if len(given) != 1:
        raise InvalidParamsError("set_time takes exactly one of UTC_1970 and UTC_2000")
    value = int(call.params[given[0]])  # type: ignore[arg-type]
    utc = value - UNIX_2000 if given[0] == "UTC_1970" else value
    if not 0 <= utc < 0xFFFFFFFF:
        raise InvalidParamsError(f"{given[0]}: {value} is before 2000 or after 2136")
    call.respond(call.gateway.set_time(utc))


@handles("sync_time")
def _sync_time(call: Call) -> None:
    call.respond(call.gateway.sync_time())


@handles("exit")
def _exit(call: Call) -> None:
    hook = call.gateway.exit_hook
    if hook is None:
        raise NotAvailableError("exit is not enabled on this gateway")
    hook()


# ================================================================================= Aliasing


@handles("add_alias")
def _add_alias(call: Call) -> None:
    aliases: dict[str, str] = {}
    for name, value in call.params.items():
        if not _XML_NAME.fullmatch(name):
            raise InvalidParamsError(f"{name!r} cannot name an alias (an XML element name)")
        assert isinstance(value, XmlFragment)  # noqa: S101 - the catalog's extra type is xml
        aliases[name] = value.text
    for name in call.gateway.add_aliases(aliases):
        call.gateway.bus.publish(
            StatusMessage(None, 1, f"RPC_XML_Interface - alias {name} redefined")
        )
    call.respond({name: XmlFragment(text) for name, text in aliases.items()})


@handles("remove_alias")
def _remove_alias(call: Call) -> None:
    removed = call.gateway.remove_aliases(call.params)
    call.respond({name: XmlFragment(text) for name, text in removed.items()})


@handles("list_aliases")
def _list_aliases(call: Call) -> None:
    aliases = call.gateway.aliases
    call.respond({name: XmlFragment(aliases[name]) for name in sorted(aliases)})


# ================================================================================= ZigBee


def _link_key(value: Value) -> bytes | None:
    if value is None:
        return None
    if isinstance(value, int):
        if not 0 <= value < 1 << 128:
            raise InvalidParamsError("link_key: a 128-bit key")
        return value.to_bytes(16, "big")
    if isinstance(value, bytes):
        return bytes(value)
    raise InvalidParamsError("link_key: int, base16 or base64")


def _install_code(value: Value) -> bytes | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return bytes(value)
    if isinstance(value, str):
        digits = re.sub(r"[^0-9A-Fa-f]", "", value)
        if len(digits) % 2:
            raise InvalidParamsError("installation_code: an odd number of hex digits")
        return bytes.fromhex(digits)
    raise InvalidParamsError("installation_code: string, base16 or base64")


@handles("add_device")
def _add_device(call: Call) -> None:
    device = call.params["device_address"]
    assert isinstance(device, MAC)  # noqa: S101 - validated as MAC
    link_key = _link_key(call.get("link_key"))
    code = None if link_key is not None else _install_code(call.get("installation_code"))
    call.gateway.add_device(device.value, link_key=link_key, install_code=code)
    join_time = call.get("join_time")
    if join_time is not None:
        call.gateway.permit_joining(int(join_time))
    call.respond({"device_address": device, "join_time": join_time})


@handles("remove_device")
def _remove_device(call: Call) -> None:
    device = call.params["device_address"]
    assert isinstance(device, MAC)  # noqa: S101 - validated as MAC
    known = call.gateway.remove_device(device.value)
    status = Status.SUCCESS if known else Status.NOT_FOUND
    call.respond({"device_address": device, "status": int(status)})


@handles("get_device_information")
def _get_device_information(call: Call) -> None:
    only = call.get("device_address")
    records = call.gateway.device_records(None if only is None else only.value)
    call.respond({"record_list": records})


@handles("get_zigbee_network_configuration")
def _get_zigbee_network_configuration(call: Call) -> None:
    changes: dict[str, Any] = {
        k: call.params[k]
        for k in ("extended_pan_id", "installation_code", "join_attempt_interval", "channel_mask")
        if k in call.params
    }
    call.respond(call.gateway.network_configuration(changes))


@handles("send_zigbee")
def _send_zigbee(call: Call) -> None:
    gateway = call.gateway
    address = call.params["destination_address"]
    assert isinstance(address, MAC)  # noqa: S101 - validated as MAC
    source = _source_endpoint(call)
    if not 1 <= source <= 0xF0:
        raise InvalidParamsError("source_endpoint_id: an application endpoint, 0x01–0xF0")
    broadcast = address == BROADCAST_MAC or (address.is_short and address.value >= 0xFFF8)
    nwk: int | None
    ieee: int | None = None
    if broadcast:
        nwk = 0xFFFF if address == BROADCAST_MAC else address.value
    elif address.is_short:
        nwk = address.value
    else:
        ieee = address.value
        device = gateway.app.devices.get(ieee)
        nwk = None if device is None else device.nwk
    packet = ApsPacket(
        profile_id=int(call.params["profile_id"]),  # type: ignore[arg-type]
        cluster_id=int(call.params["cluster_id"]),  # type: ignore[arg-type]
        src_ep=source,
        dst_ep=int(call.params["destination_endpoint_id"]),  # type: ignore[arg-type]
        payload=bytes(call.params["payload"]),  # type: ignore[arg-type]
        dst=nwk,
        dst_ieee=ieee if nwk is None else None,
        dst_mode=DstMode.broadcast if broadcast else DstMode.unicast,
        aps_security=bool(call.get("enable_aps_encryption", False)),
    )

    def sent(result: DeliveryResult) -> None:
        call.respond(
            {
                "destination_address": address,
                "destination_endpoint_id": packet.dst_ep,
                "source_endpoint_id": source,
                "profile_id": packet.profile_id,
                "cluster_id": packet.cluster_id,
                "status": int(Status.SUCCESS if result.ok else Status.FAILURE),
                "delivery_status": result.status.value,
            }
        )

    gateway.send_raw(packet, call.later(sent))


@handles("permit_joining")
def _permit_joining(call: Call) -> None:
    seconds = int(call.params["join_time"])  # type: ignore[arg-type]
    call.gateway.permit_joining(seconds)
    call.respond({"join_time": seconds})


@handles("get_network_information")
def _get_network_information(call: Call) -> None:
    call.respond(call.gateway.network_information())


# ================================================================================= ZDO


def _bind(call: Call, *, unbind: bool) -> None:
    device = call.params["destination_address"]
    assert isinstance(device, MAC)  # noqa: S101 - validated as MAC
    local = int(call.params["source_endpoint_id"])  # type: ignore[arg-type]
    call.gateway.endpoint(local)
    remote = int(call.params["destination_endpoint_id"])  # type: ignore[arg-type]
    cluster_id = int(call.params["cluster_id"])  # type: ignore[arg-type]

    def done(status: int) -> None:
        call.respond(
            {
                "status": status,
                "destination_address": device,
                "destination_endpoint_id": remote,
                "source_endpoint_id": local,
                "cluster_id": cluster_id,
            }
        )

    call.gateway.bind(
        unbind=unbind,
        device=device.value,
        device_endpoint=remote,
        local_endpoint=local,
        cluster_id=cluster_id,
        on_done=call.later(done),
    )


_MAX_LQI_READS = 32  # Mgmt_Lqi_req per table: at least 32 × 2 records (a router's table)
_RELATIONSHIPS = {
    0: "parent",
    1: "child",
    2: "sibling",
    3: "none",
    4: "previous_child",
    5: "unauthenticated_child",
}
_UNDECODABLE = object()  # a Mgmt_Lqi_rsp that does not decode


class _NeighborTableRead:
    """One get_neighbor_table: Mgmt_Lqi_req (:meth:`Gateway.zdo_request`) from start index 0
    until the table is read."""

    def __init__(self, call: Call, device: MAC, nwk: int) -> None:
        self.call, self.device, self.nwk = call, device, nwk
        self.neighbors: list[dict[str, Any]] = []
        self.entries = 0
        self.reads = 0

    def ask(self, start: int) -> None:
        self.reads += 1
        self.call.gateway.zdo_request(
            self.nwk,
            zdo.ZdoCluster.MGMT_LQI_REQ,
            {"start_index": start},
            self.call.later(self._answer),
            undecodable=_UNDECODABLE,
        )

    def _answer(self, answer: Any) -> None:
        if answer is None:  # not delivered, or no answer in time
            self._finish(int(zdo.ZdoStatus.TIMEOUT))
            return
        if answer is _UNDECODABLE:
            self._finish(int(zdo.ZdoStatus.INV_REQUESTTYPE))
            return
        if int(answer.status) != 0:
            self._finish(int(answer.status))
            return
        self.entries = int(answer.neighbor_table_entries)
        records = list(answer.neighbor_table_list)
        self.neighbors += [_lqi_neighbor(r) for r in records]
        if records and len(self.neighbors) < self.entries and self.reads < _MAX_LQI_READS:
            self.ask(len(self.neighbors))
        else:
            self._finish(0)

    def _finish(self, status: int) -> None:
        response: dict[str, Any] = {"destination_address": self.device, "status": status}
        if status == 0:
            response["neighbor_table_entries"] = self.entries
        response["neighbor_list"] = self.neighbors if status == 0 else []
        self.call.respond(response)


def _lqi_neighbor(record: Any) -> dict[str, Any]:
    """A Mgmt_Lqi_rsp neighbor table record as a NeighborRecord."""
    info = record.device_info
    ieee = int(record.extended_address)
    device_type = int(info.device_type)
    depth = int(record.depth)
    return {
        "addr_extended": None if ieee in (0, 0xFFFFFFFFFFFFFFFF) else MAC(ieee),
        "addr_short": MAC.short(int(record.network_address)),
        "node_type": device_type if device_type <= 2 else None,
        "relationship": _RELATIONSHIPS.get(int(info.relationship), "none"),
        "rx_on_when_idle": int(info.rx_on_when_idle) == 1,
        "lqi": int(record.lqi),
        "depth": None if depth == 0xFF else depth,
    }


@handles("get_neighbor_table")
def _get_neighbor_table(call: Call) -> None:
    device = call.params["destination_address"]
    assert isinstance(device, MAC)  # noqa: S101 - validated as MAC
    if device.value == call.gateway.ieee:
        neighbors = call.gateway.network_information()["neighbor_list"]
        call.respond(
            {
                "destination_address": device,
                "status": 0,
                "neighbor_table_entries": len(neighbors),
                "neighbor_list": neighbors,
            }
        )
        return
    known = call.gateway.app.devices.get(device.value)
    if known is None or known.nwk is None:
        raise InvalidParamsError(f"destination_address: {device} is not a known device")
    _NeighborTableRead(call, device, known.nwk).ask(0)


@handles("bind")
def _bind_request(call: Call) -> None:
    _bind(call, unbind=False)


@handles("unbind")
def _unbind_request(call: Call) -> None:
    _bind(call, unbind=True)


# ================================================================================= ZCL


@handles("read_attributes")
def _read_attributes(call: Call) -> None:
    cluster_id = int(call.params["cluster_id"])  # type: ignore[arg-type]
    side = int(call.params["server_or_client"])  # type: ignore[arg-type]
    target, source = _zcl_target(call, cluster_id, to_server=side == 0)
    records = call.params["record_list"]
    assert isinstance(records, list)  # noqa: S101 - validated as a list
    ids = [int(_fields(r)["attribute_id"]) for r in records]

    def done(answer: ZclAnswer) -> None:
        out = []
        if _expects(answer.frame, "read_attributes_response"):
            assert answer.frame is not None  # noqa: S101 - checked by _expects
            for r in answer.frame.payload.records:
                item: dict[str, Any] = {
                    "attribute_id": int(r.attribute_id),
                    "status": int(r.status),
                }
                if int(r.status) == Status.SUCCESS:
                    item["attribute_type"] = int(r.data_type)
                    item["value"] = zcl_value(r.value)
                out.append(item)
        header = _answer_header(
            call, answer, cluster_id=cluster_id, side=side, target=target, source_endpoint=source
        )
        call.respond({**header, "record_list": out})

    call.gateway.send_foundation(
        target=target,
        source_endpoint=source,
        cluster_id=cluster_id,
        to_server=side == 0,
        command="read_attributes",
        payload={"attribute_ids": ids},
        response="read_attributes_response",
        manufacturer=call.get("manufacturer_code"),
        on_done=call.later(done),
    )


@handles("write_attributes")
def _write_attributes(call: Call) -> None:
    cluster_id = int(call.params["cluster_id"])  # type: ignore[arg-type]
    side = int(call.params["server_or_client"])  # type: ignore[arg-type]
    to_server = side == 0
    command_id = int(call.params["command_identifier"])  # type: ignore[arg-type]
    if command_id == 0x02:
        command = "write_attributes"
    elif command_id in (0x03, 0x05):
        command = "write_attributes_undivided"
    else:
        raise InvalidParamsError(
            "command_identifier: 0x02 (Write Attributes) or 0x03 (Undivided; 0x05 accepted)"
        )
    target, source = _zcl_target(call, cluster_id, to_server=to_server)
    given = call.params["record_list"]
    assert isinstance(given, list)  # noqa: S101 - validated as a list
    records = []
    echo = []
    for item in given:
        fields = item.fields if isinstance(item, Record) else {}
        aid = int(fields["attribute_id"])  # type: ignore[arg-type]
        type_id = _attribute_type(cluster_id, to_server, aid, int(fields["attribute_type"]))  # type: ignore[arg-type]
        records.append(
            {"attribute_id": aid, "data_type": type_id, "value": _zcl_write_value(fields["value"])}
        )
        echo.append((aid, type_id, fields["value"]))

    def done(answer: ZclAnswer) -> None:
        out = []
        if _expects(answer.frame, "write_attributes_response"):
            failed = _failures(answer.frame)
            for aid, type_id, value in echo:
                status = failed.get(aid, failed.get(None, int(Status.SUCCESS)))
                out.append(
                    {
                        "status": status,
                        "attribute_id": aid,
                        "attribute_type": type_id,
                        "value": value,
                    }
                )
        header = _answer_header(
            call, answer, cluster_id=cluster_id, side=side, target=target, source_endpoint=source
        )
        call.respond({**header, "record_list": out})

    call.gateway.send_foundation(
        target=target,
        source_endpoint=source,
        cluster_id=cluster_id,
        to_server=to_server,
        command=command,
        payload={"records": records},
        response="write_attributes_response",
        manufacturer=call.get("manufacturer_code"),
        on_done=call.later(done),
    )


@handles("discover_attributes")
def _discover_attributes(call: Call) -> None:
    cluster_id = int(call.params["cluster_id"])  # type: ignore[arg-type]
    side = int(call.params["server_or_client"])  # type: ignore[arg-type]
    target, source = _zcl_target(call, cluster_id, to_server=side == 0)

    def done(answer: ZclAnswer) -> None:
        out: dict[str, Any] = {"record_list": []}
        if _expects(answer.frame, "discover_attributes_response"):
            assert answer.frame is not None  # noqa: S101 - checked by _expects
            payload = answer.frame.payload
            out["discovery_complete"] = bool(payload.discovery_complete)
            out["record_list"] = [
                {"attribute_id": int(r.attribute_id), "attribute_type": int(r.data_type)}
                for r in payload.records
            ]
        header = _answer_header(
            call, answer, cluster_id=cluster_id, side=side, target=target, source_endpoint=source
        )
        call.respond({**header, **out})

    call.gateway.send_foundation(
        target=target,
        source_endpoint=source,
        cluster_id=cluster_id,
        to_server=side == 0,
        command="discover_attributes",
        payload={
            "start_attribute_id": call.params["start_attribute_id"],
            "maximum_attribute_ids": call.params["maximum_attribute_ids"],
        },
        response="discover_attributes_response",
        manufacturer=call.get("manufacturer_code"),
        on_done=call.later(done),
    )


def _remote(target: ZclTarget, name: str) -> None:
    if target.local or target.broadcast or target.ieee is None:
        raise InvalidParamsError(f"{name} needs a remote device's 64-bit destination_address")


@handles("start_receiving_reports")
def _start_receiving_reports(call: Call) -> None:
    gateway = call.gateway
    cluster_id = int(call.params["cluster_id"])  # type: ignore[arg-type]
    side = int(call.params["server_or_client"])  # type: ignore[arg-type]
    to_server = side == 0
    target, source = _zcl_target(call, cluster_id, to_server=to_server)
    _remote(target, "start_receiving_reports")
    pseudo = call.get("pseudo_reporting")
    given = call.params["record_list"]
    assert isinstance(given, list)  # noqa: S101 - validated as a list
    configs: list[dict[str, Any]] = []
    for item in given:
        fields = _fields(item)
        aid = int(fields["attribute_id"])
        type_id = int(fields["attribute_type"])
        if pseudo is not True:
            type_id = _attribute_type(cluster_id, to_server, aid, type_id)
        reportable = fields.get("reportable_change")
        configs.append(
            {
                "device_address": target.ieee,
                "device_endpoint_id": target.endpoint,
                "endpoint_id": source,
                "cluster_id": cluster_id,
                "server_or_client": side,
                "attribute_id": aid,
                "attribute_type": type_id,
                "min_interval": int(fields["min_interval"]),
                "max_interval": int(fields["max_interval"]),
                "reportable_change": reportable
                if isinstance(reportable, int | float | str | bool)
                else 0,
                "timeout": int(fields["timeout"]),
            }
        )

    def header(answer: ZclAnswer) -> dict[str, Any]:
        head = _answer_header(
            call, answer, cluster_id=cluster_id, side=side, target=target, source_endpoint=source
        )
        head.pop("status", None)
        return head

    if pseudo is True:
        for config in configs:
            gateway.add_receiving({**config, "pseudo": True})
        out = [
            {"status": 0, "attribute_id": c["attribute_id"], "pseudo_reporting": True}
            for c in configs
        ]
        call.respond({**header(ZclAnswer(None)), "record_list": out})
        return

    def done(answer: ZclAnswer) -> None:
        answered = _expects(answer.frame, "configure_reporting_response")
        failed = _failures(answer.frame) if answered else {}
        everything = int(Status.FAILURE) if answer.status is None else answer.status
        out = []
        for config in configs:
            aid = config["attribute_id"]
            status = failed.get(aid, failed.get(None, 0)) if answered else everything
            polled = status != 0 and pseudo is None
            if status == 0 or polled:
                gateway.add_receiving({**config, "pseudo": polled})
            out.append({"status": status, "attribute_id": aid, "pseudo_reporting": polled})
        call.respond({**header(answer), "record_list": out})

    records = [
        {
            "direction": 0,
            "attribute_id": c["attribute_id"],
            "data_type": c["attribute_type"],
            "minimum_reporting_interval": c["min_interval"],
            "maximum_reporting_interval": c["max_interval"],
            **(
                {"reportable_change": c["reportable_change"]}
                if is_analog(c["attribute_type"])
                else {}
            ),
        }
        for c in configs
    ]
    gateway.send_foundation(
        target=target,
        source_endpoint=source,
        cluster_id=cluster_id,
        to_server=to_server,
        command="configure_reporting",
        payload={"records": records},
        response="configure_reporting_response",
        manufacturer=call.get("manufacturer_code"),
        on_done=call.later(done),
    )


@handles("stop_receiving_reports")
def _stop_receiving_reports(call: Call) -> None:
    gateway = call.gateway
    cluster_id = int(call.params["cluster_id"])  # type: ignore[arg-type]
    side = int(call.params["server_or_client"])  # type: ignore[arg-type]
    to_server = side == 0
    target, source = _zcl_target(call, cluster_id, to_server=to_server)
    _remote(target, "stop_receiving_reports")
    given = call.params["record_list"]
    assert isinstance(given, list)  # noqa: S101 - validated as a list
    statuses: dict[int, int] = {}
    send: list[dict[str, Any]] = []
    for item in given:
        aid = int(_fields(item)["attribute_id"])
        key = {
            "device_address": target.ieee,
            "device_endpoint_id": target.endpoint,
            "endpoint_id": source,
            "cluster_id": cluster_id,
            "server_or_client": side,
            "attribute_id": aid,
        }
        config = gateway.receiving_config(key)
        gateway.remove_receiving(key)
        if config is not None and config.get("pseudo"):
            statuses[aid] = 0
            continue
        type_id = None if config is None else config.get("attribute_type")
        try:
            type_id = _attribute_type(cluster_id, to_server, aid, int(type_id or 0xFF))
        except InvalidParamsError:
            statuses[aid] = int(Status.INVALID_DATA_TYPE)
            continue
        send.append(
            {
                "direction": 0,
                "attribute_id": aid,
                "data_type": type_id,
                "minimum_reporting_interval": 0,
                "maximum_reporting_interval": 0xFFFF,
                **({"reportable_change": 0} if is_analog(type_id) else {}),
            }
        )

    def respond(answer: ZclAnswer) -> None:
        head = _answer_header(
            call, answer, cluster_id=cluster_id, side=side, target=target, source_endpoint=source
        )
        head.pop("status", None)
        out = [
            {
                "status": statuses[int(_fields(i)["attribute_id"])],
                "attribute_id": int(_fields(i)["attribute_id"]),
            }
            for i in given
        ]
        call.respond({**head, "record_list": out})

    if not send:
        respond(ZclAnswer(None))
        return

    def done(answer: ZclAnswer) -> None:
        answered = _expects(answer.frame, "configure_reporting_response")
        failed = _failures(answer.frame) if answered else {}
        everything = int(Status.FAILURE) if answer.status is None else answer.status
        for record in send:
            aid = record["attribute_id"]
            statuses[aid] = failed.get(aid, failed.get(None, 0)) if answered else everything
        respond(answer)

    gateway.send_foundation(
        target=target,
        source_endpoint=source,
        cluster_id=cluster_id,
        to_server=to_server,
        command="configure_reporting",
        payload={"records": send},
        response="configure_reporting_response",
        manufacturer=call.get("manufacturer_code"),
        on_done=call.later(done),
    )


def _local_reporting(call: Call) -> tuple[Any, ZclTarget, int, int, int]:
    gateway = call.gateway
    cluster_id = int(call.params["cluster_id"])  # type: ignore[arg-type]
    side = int(call.params["server_or_client"])  # type: ignore[arg-type]
    source = _source_endpoint(call)
    cluster = gateway.local(cluster_id, Side.server if side == 0 else Side.client, source)
    gateway.endpoint(source)
    # the reports go to the opposite side of the cluster on the destination
    target = gateway.target(
        call.get("destination_address"),
        call.get("destination_endpoint_id"),
        cluster_id,
        server=side != 0,
        source_endpoint=source,
    )
    if target.broadcast:
        raise InvalidParamsError("reports are sent to one device, not broadcast")
    return cluster, target, cluster_id, side, source


@handles("start_sending_reports")
def _start_sending_reports(call: Call) -> None:
    cluster, target, cluster_id, side, source = _local_reporting(call)
    given = call.params["record_list"]
    assert isinstance(given, list)  # noqa: S101 - validated as a list
    out = []
    peer_nwk = target.nwk
    peer = Peer(peer_nwk, target.ieee, target.endpoint)
    for item in given:
        fields = _fields(item)
        aid = int(fields["attribute_id"])
        if cluster is None:
            status = int(Status.UNSUPPORTED_CLUSTER)
        else:
            status = call.gateway.start_sending(
                cluster,
                peer=peer,
                attribute_id=aid,
                minimum=int(fields["min_interval"]),
                maximum=int(fields["max_interval"]),
                change=fields.get("reportable_change"),
            )
        out.append({"status": status, "attribute_id": aid, "pseudo_reporting": False})
    call.respond(
        {
            "cluster_id": cluster_id,
            "server_or_client": side,
            "source_endpoint_id": source,
            "destination_endpoint_id": target.endpoint,
            "destination_address": target.ieee,
            "record_list": out,
        }
    )


@handles("stop_sending_reports")
def _stop_sending_reports(call: Call) -> None:
    cluster, target, cluster_id, side, source = _local_reporting(call)
    given = call.params["record_list"]
    assert isinstance(given, list)  # noqa: S101 - validated as a list
    out = []
    stopped = []
    for item in given:
        aid = int(_fields(item)["attribute_id"])
        found = cluster is not None and call.gateway.stop_sending(cluster, aid)
        out.append(
            {"status": int(Status.SUCCESS if found else Status.NOT_FOUND), "attribute_id": aid}
        )
        stopped.append(aid)
    if not target.local and stopped:
        # the receiver's timeout goes to 0: it stops expecting reports (fire and forget)
        call.gateway.send_foundation(
            target=target,
            source_endpoint=source,
            cluster_id=cluster_id,
            to_server=side != 0,
            command="configure_reporting",
            payload={
                "records": [
                    {"direction": 1, "attribute_id": aid, "timeout_period": 0} for aid in stopped
                ]
            },
            on_done=lambda _answer: None,
        )
    call.respond(
        {
            "cluster_id": cluster_id,
            "server_or_client": side,
            "source_endpoint_id": source,
            "destination_endpoint_id": target.endpoint,
            "destination_address": target.ieee,
            "record_list": out,
        }
    )


@handles("get_local_reporting_configurations")
def _get_local_reporting_configurations(call: Call) -> None:
    gateway = call.gateway
    out: list[dict[str, Any]] = [
        {
            "device_address": config["device_address"],
            "device_endpoint_id": config["device_endpoint_id"],
            "endpoint_id": config["endpoint_id"],
            "cluster_id": config["cluster_id"],
            "server_or_client": config["server_or_client"],
            "reporting_direction": 1,
            "pseudo_reporting": bool(config.get("pseudo")),
            "record": {
                "attribute_id": config["attribute_id"],
                "direction": 0,
                "attribute_type": config["attribute_type"],
                "min_interval": config["min_interval"],
                "max_interval": config["max_interval"],
                "reportable_change": config["reportable_change"],
                "timeout": config["timeout"],
            },
        }
        for config in gateway.receiving()
    ]
    meters = gateway.metering_client()
    if meters is not None:
        out.extend(_metering_configurations(meters))
    for endpoint, cluster, sending in gateway.sending():
        peer = sending.peer
        ieee = peer.ieee if peer.ieee is not None else gateway.app.resolve_ieee(peer.nwk)
        if ieee is None:
            continue
        out.append(
            {
                "device_address": ieee,
                "device_endpoint_id": peer.endpoint,
                "endpoint_id": endpoint.endpoint_id,
                "cluster_id": cluster.cluster_id,
                "server_or_client": 0 if cluster.side is Side.server else 1,
                "reporting_direction": 0,
                "record": {
                    "attribute_id": sending.attribute_id,
                    "direction": 0,
                    "attribute_type": sending.data_type,
                    "min_interval": sending.minimum,
                    "max_interval": sending.maximum,
                    "reportable_change": sending.change if sending.change is not None else 0,
                },
            }
        )
    call.respond({"record_list": out})


def _metering_configurations(meters: MeteringClient) -> list[dict[str, Any]]:
    out = []
    definition = cluster_definition(METERING)
    for reading in meters.readings():
        for aid in REPORTED_ATTRIBUTES:
            mode = meters.mode(reading.ieee, aid, reading.endpoint)
            if mode not in (Mode.reported, Mode.polled):
                continue
            low, high, change = meters.settings.reporting(aid)
            attr = definition.attribute(Side.server, aid)
            type_id = None if attr is None else attr.wire.type_id
            out.append(
                {
                    "device_address": reading.ieee,
                    "device_endpoint_id": reading.endpoint,
                    "endpoint_id": meters.endpoint.endpoint_id if meters.endpoint else 0,
                    "cluster_id": METERING,
                    "server_or_client": 0,
                    "reporting_direction": 1,
                    "pseudo_reporting": mode is Mode.polled,
                    "record": {
                        "attribute_id": aid,
                        "direction": 0,
                        "attribute_type": 0xFF if type_id is None else type_id,
                        "min_interval": low,
                        "max_interval": high,
                        "reportable_change": change,
                        "timeout": 0,
                    },
                }
            )
    return out


@handles("read_reporting_configuration")
def _read_reporting_configuration(call: Call) -> None:
    gateway = call.gateway
    cluster_id = int(call.params["cluster_id"])  # type: ignore[arg-type]
    side = int(call.params["server_or_client"])  # type: ignore[arg-type]
    remote = bool(call.params["remote_configuration"])
    source = _source_endpoint(call)
    if remote:
        target, source = _zcl_target(call, cluster_id, to_server=side == 0)
    else:
        gateway.endpoint(source)
        target = gateway.target(None, source, cluster_id, server=side == 0, source_endpoint=source)
    direction = int(call.params["reporting_direction"])  # type: ignore[arg-type]
    given = call.params["record_list"]
    assert isinstance(given, list)  # noqa: S101 - validated as a list
    records = [
        {"direction": direction, "attribute_id": int(_fields(r)["attribute_id"])} for r in given
    ]

    def done(answer: ZclAnswer) -> None:
        out = []
        if _expects(answer.frame, "read_reporting_configuration_response"):
            assert answer.frame is not None  # noqa: S101 - checked by _expects
            for r in answer.frame.payload.records:
                item: dict[str, Any] = {
                    "status": int(r.status),
                    "attribute_id": int(r.attribute_id),
                    "direction": int(r.direction),
                }
                if int(r.status) == Status.SUCCESS:
                    if r.data_type is not None:
                        item["attribute_type"] = int(r.data_type)
                        item["min_interval"] = r.minimum_reporting_interval
                        item["max_interval"] = r.maximum_reporting_interval
                        if r.reportable_change is not None:
                            item["reportable_change"] = zcl_value(r.reportable_change)
                    if r.timeout_period is not None:
                        item["timeout"] = r.timeout_period
                out.append(item)
        header = _answer_header(
            call, answer, cluster_id=cluster_id, side=side, target=target, source_endpoint=source
        )
        call.respond({"remote_configuration": remote, **header, "record_list": out})

    gateway.send_foundation(
        target=target,
        source_endpoint=source,
        cluster_id=cluster_id,
        to_server=side == 0,
        command="read_reporting_configuration",
        payload={"records": records},
        response="read_reporting_configuration_response",
        manufacturer=call.get("manufacturer_code"),
        on_done=call.later(done),
    )


@handles("identify")
def _identify(call: Call) -> None:
    seconds = int(call.params["identify_time"])  # type: ignore[arg-type]
    target, source = _zcl_target(call, IDENTIFY, to_server=True)

    def done(answer: ZclAnswer) -> None:
        header = _answer_header(
            call, answer, cluster_id=IDENTIFY, side=0, target=target, source_endpoint=source
        )
        header.pop("server_or_client")
        if target.broadcast:
            header.pop("status", None)
        call.respond({**header, "identify_time": seconds})

    call.gateway.send_zcl(
        target=target,
        source_endpoint=source,
        cluster_id=IDENTIFY,
        to_server=True,
        command_id=0x00,
        cluster_specific=True,
        payload=seconds.to_bytes(2, "little"),
        match=lambda _frame: False,  # Identify is answered by a Default Response only
        on_done=call.later(done),
    )


@handles("send_ZCL")
def _send_zcl(call: Call) -> None:
    cluster_id = int(call.params["cluster_id"])  # type: ignore[arg-type]
    side = int(call.params["server_or_client"])  # type: ignore[arg-type]
    to_server = side == 0
    target, source = _zcl_target(call, cluster_id, to_server=to_server)
    command_id = int(call.params["command_identifier"])  # type: ignore[arg-type]
    cluster_specific = int(call.params["command_type"]) == 1  # type: ignore[arg-type]
    payload = call.params["payload"]
    if isinstance(payload, str):  # the JSON form: hex text (the parameter's type admits any)
        try:
            payload = Base16.parse(payload)
        except ValueError:
            raise InvalidParamsError(f"payload: {payload[:40]!r} is not base16") from None
    if isinstance(payload, bytes):
        body = bytes(payload)
    elif isinstance(payload, Record | Mapping):
        body = _encode_payload(cluster_id, to_server, command_id, cluster_specific, payload)
    else:
        raise InvalidParamsError("payload: base16, base64 or a record of the command's fields")
    wanted = call.get("response_command_identifier")
    wanted_type = call.get("response_command_type")
    if wanted_type is None:
        wanted_type = 1 if cluster_specific else 0

    def match(frame: ZclFrame) -> bool:
        if wanted is None:
            return True
        kind = 1 if frame.header.is_cluster_specific else 0
        return bool(frame.header.command_id == wanted and kind == wanted_type)

    aps = call.get("enable_aps_encryption")

    def done(answer: ZclAnswer) -> None:
        header = _answer_header(
            call, answer, cluster_id=cluster_id, side=side, target=target, source_endpoint=source
        )
        out: dict[str, Any] = dict(header)
        frame, packet = answer.frame, answer.packet
        if frame is not None and packet is not None:
            skip = 5 if frame.header.manufacturer is not None else 3
            raw = bytes(packet.payload[skip:])
            out["command_identifier"] = frame.header.command_id
            out["command_type"] = 1 if frame.header.is_cluster_specific else 0
            out["payload"] = Base64(raw) if isinstance(payload, Base64) else raw
            if wanted is None or match(frame):
                out.pop("status", None)
        if aps is not None:
            out["enable_aps_encryption"] = aps
        call.respond(out)

    call.gateway.send_zcl(
        target=target,
        source_endpoint=source,
        cluster_id=cluster_id,
        to_server=to_server,
        command_id=command_id,
        cluster_specific=cluster_specific,
        payload=body,
        manufacturer=call.get("manufacturer_code"),
        aps_security=None if aps is None else bool(aps),
        match=match,
        on_done=call.later(done),
    )


def _encode_payload(
    cluster_id: int, to_server: bool, command_id: int, cluster_specific: bool, payload: Any
) -> bytes:
    direction = Direction.client_to_server if to_server else Direction.server_to_client
    definition = cluster_definition(cluster_id)
    command = (
        definition.command(direction, command_id)
        if cluster_specific
        else FOUNDATION.get(command_id)
    )
    if command is None:
        raise InvalidParamsError(
            f"payload: segateway does not declare command {command_id:#04x} of cluster "
            f"{cluster_id:#06x}; give the payload as base16 or base64"
        )
    try:
        frame = encode_frame(
            command,
            _fields(payload),
            tsn=0,
            direction=None if cluster_specific else direction,
            cluster=definition,
        )
    except (EncodeError, ValueError, TypeError, KeyError) as exc:
        raise InvalidParamsError(f"payload: cannot encode {command.name}: {exc}") from None
    return frame[3:]


# ================================================================================= SE common


def _event_side(call: Call, cluster_id: int, server: type, client: type) -> tuple[Any, int, int]:
    """The local server (0) or client (1) of ``cluster_id`` the request names, or the one the
    endpoint has (the server first)."""
    endpoint = _source_endpoint(call, "endpoint_id")
    wanted = call.get("server_or_client")
    sides = (0, 1) if wanted is None else (int(wanted),)
    for side in sides:
        kind = server if side == 0 else client
        found = call.gateway.local(cluster_id, Side.server if side == 0 else Side.client, endpoint)
        if isinstance(found, kind):
            return found, endpoint, side
    names = " or ".join((server if side == 0 else client).__name__ for side in sides)
    raise NotAvailableError(f"endpoint {endpoint:#04x} of this gateway has no {names}")


@handles("get_DRLC_events")
def _get_drlc_events(call: Call) -> None:
    found, endpoint, side = _event_side(call, DRLC, DrlcServer, DrlcClient)
    call.respond(
        {
            "endpoint_id": endpoint,
            "server_or_client": side,
            "events_record_list": found.get_DRLC_events(),
        }
    )


@handles("get_message_events")
def _get_message_events(call: Call) -> None:
    found, endpoint, side = _event_side(call, MESSAGING, MessagingServer, MessagingClient)
    call.respond(
        {
            "endpoint_id": endpoint,
            "server_or_client": side,
            "events_record_list": found.get_message_events(),
        }
    )


@handles("get_price_events")
def _get_price_events(call: Call) -> None:
    found, endpoint, side = _event_side(call, PRICE, PriceServer, PriceClient)
    call.respond(
        {
            "endpoint_id": endpoint,
            "cluster_id": PRICE,
            "server_or_client": side,
            "events_record_list": found.get_price_events(),
        }
    )


# ================================================================================= SE server


def _server(call: Call, kind: type, cluster_id: int) -> tuple[Any, int]:
    source = _source_endpoint(call)
    return call.gateway.require(kind, cluster_id, Side.server, source), source


def _server_done(
    call: Call, cluster_id: int, source: int, remember: tuple[str, str] | None = None
) -> Callable[[dict[str, Any]], None]:
    def done(result: dict[str, Any]) -> None:
        if remember is not None and result["status"] == Status.SUCCESS:
            event_id = result["record"].get(remember[1])
            if isinstance(event_id, int):
                call.dispatcher.remember_event(remember[0], event_id, call.request_identifier)
        out = {"source_endpoint_id": source, "cluster_id": cluster_id, **result}
        if "record" in out and not out["record"] and call.name.startswith("cancel_all"):
            out.pop("record")
        call.respond(out)

    return call.later(done)


@handles("create_DRLC_event")
def _create_drlc_event(call: Call) -> None:
    server, source = _server(call, DrlcServer, DRLC)
    record = _fields(call.params["record"])
    server.create_DRLC_event(
        record, on_done=_server_done(call, DRLC, source, ("drlc", "issuer_event_id"))
    )


@handles("cancel_DRLC_event")
def _cancel_drlc_event(call: Call) -> None:
    server, source = _server(call, DrlcServer, DRLC)
    server.cancel_DRLC_event(
        _fields(call.params["record"]), on_done=_server_done(call, DRLC, source)
    )


@handles("cancel_all_DRLC_events")
def _cancel_all_drlc_events(call: Call) -> None:
    server, source = _server(call, DrlcServer, DRLC)
    control = int(call.params["cancel_control"])  # type: ignore[arg-type]

    def done(result: dict[str, Any]) -> None:
        record = result.get("record") or {}
        call.respond(
            {
                "source_endpoint_id": source,
                "cluster_id": DRLC,
                "status": result["status"],
                "cancel_control": record.get("cancel_control", control),
                "device_list": result.get("device_list", []),
            }
        )

    server.cancel_all_DRLC_events(control, on_done=call.later(done))


@handles("create_message_event")
def _create_message_event(call: Call) -> None:
    server, source = _server(call, MessagingServer, MESSAGING)
    server.create_message_event(
        _fields(call.params["record"]),
        on_done=_server_done(call, MESSAGING, source, ("message", "message_id")),
    )


@handles("cancel_message_event")
def _cancel_message_event(call: Call) -> None:
    server, source = _server(call, MessagingServer, MESSAGING)
    server.cancel_message_event(
        _fields(call.params["record"]), on_done=_server_done(call, MESSAGING, source)
    )


@handles("cancel_all_message_events")
def _cancel_all_message_events(call: Call) -> None:
    server, source = _server(call, MessagingServer, MESSAGING)
    server.cancel_all_message_events(on_done=_server_done(call, MESSAGING, source))


@handles("create_price_event")
def _create_price_event(call: Call) -> None:
    server, source = _server(call, PriceServer, PRICE)
    server.create_price_event(
        _fields(call.params["record"]),
        on_done=_server_done(call, PRICE, source, ("price", "issuer_event_id")),
    )


@handles("cancel_all_price_events")
def _cancel_all_price_events(call: Call) -> None:
    server, source = _server(call, PriceServer, PRICE)
    result = server.cancel_all_price_events()
    call.respond({"source_endpoint_id": source, "cluster_id": PRICE, **result})


# ================================================================================= SE client


def _client(call: Call, kind: type, cluster_id: int) -> tuple[Any, int]:
    source = _source_endpoint(call)
    return call.gateway.require(kind, cluster_id, Side.client, source), source


def _client_done(call: Call, fields: Mapping[str, Any]) -> Callable[[dict[str, Any]], None]:
    def done(result: dict[str, Any]) -> None:
        call.respond({**fields, **result})

    return call.later(done)


def _scheduled(call: Call) -> tuple[int, int, Record | None]:
    record = call.get("record")
    if record is None:
        return 0, 0, None
    fields = _fields(record)
    return int(fields.get("start_time", 0)), int(fields.get("number_of_events", 0)), record


@handles("get_scheduled_DRLC_events")
def _get_scheduled_drlc_events(call: Call) -> None:
    client, source = _client(call, DrlcClient, DRLC)
    start, number, record = _scheduled(call)
    client.get_scheduled_DRLC_events(
        start,
        number,
        on_done=_client_done(
            call, {"source_endpoint_id": source, "cluster_id": DRLC, "record": record}
        ),
    )


def _opt(call: Call, *, out: bool) -> None:
    client, source = _client(call, DrlcClient, DRLC)
    event_id = int(call.params["issuer_event_id"])  # type: ignore[arg-type]
    status = client.opt_out(event_id) if out else client.opt_in(event_id)
    call.respond(
        {
            "source_endpoint_id": source,
            "cluster_id": DRLC,
            "status": int(status),
            "issuer_event_id": event_id,
        }
    )


@handles("opt_out_DRLC_event")
def _opt_out(call: Call) -> None:
    _opt(call, out=True)


@handles("opt_in_DRLC_event")
def _opt_in(call: Call) -> None:
    _opt(call, out=False)


@handles("get_last_message_event")
def _get_last_message_event(call: Call) -> None:
    client, source = _client(call, MessagingClient, MESSAGING)
    client.get_last_message_event(
        on_done=_client_done(call, {"source_endpoint_id": source, "cluster_id": MESSAGING})
    )


@handles("confirm_message")
def _confirm_message(call: Call) -> None:
    client, source = _client(call, MessagingClient, MESSAGING)
    record = call.get("record")
    message_id = None if record is None else int(_fields(record)["message_id"])
    client.confirm_message(
        message_id,
        on_done=_client_done(call, {"source_endpoint_id": source, "cluster_id": MESSAGING}),
    )


@handles("get_current_price_event")
def _get_current_price_event(call: Call) -> None:
    client, source = _client(call, PriceClient, PRICE)
    client.get_current_price_event(
        on_done=_client_done(call, {"endpoint_id": source, "cluster_id": PRICE})
    )


@handles("get_scheduled_price_events")
def _get_scheduled_price_events(call: Call) -> None:
    client, source = _client(call, PriceClient, PRICE)
    start, number, record = _scheduled(call)
    client.get_scheduled_price_events(
        start,
        number,
        on_done=_client_done(
            call, {"source_endpoint_id": source, "cluster_id": PRICE, "record": record}
        ),
    )


@handles("clear_price_events")
def _clear_price_events(call: Call) -> None:
    client, source = _client(call, PriceClient, PRICE)
    client.clear_price_events()
    call.respond({"source_endpoint_id": source, "cluster_id": PRICE})


# ================================================================================= Metering


def _meters(call: Call) -> MeteringClient:
    found = call.gateway.metering_client()
    if found is None:
        raise NotAvailableError("this gateway has no Metering client")
    return found


def _reading_record(meters: MeteringClient, reading: Any) -> dict[str, Any]:
    record: dict[str, Any] = reading.record()
    for name, aid in (("summation_mode", SUMMATION), ("demand_mode", DEMAND)):
        mode = meters.mode(reading.ieee, aid, reading.endpoint)
        record[name] = None if mode is None else mode.value
    return record


@handles("get_metering_reading")
def _get_metering_reading(call: Call) -> None:
    meters = _meters(call)
    address = call.get("destination_address")
    endpoint = call.get("destination_endpoint_id")
    chosen = [
        r
        for r in meters.readings()
        if (address is None or r.ieee == address.value)
        and (endpoint is None or r.endpoint == endpoint)
    ]

    def answer() -> None:
        fresh = [meters.reading(r.ieee, r.endpoint) or r for r in chosen]
        call.respond({"record_list": [_reading_record(meters, r) for r in fresh]})

    if not call.params["refresh"] or not chosen:
        answer()
        return
    pending = {(r.ieee, r.endpoint) for r in chosen}
    finish = call.later(answer)

    def one(key: tuple[int, int], _values: Any) -> None:
        pending.discard(key)
        if not pending:
            finish()

    for reading in chosen:
        key = (reading.ieee, reading.endpoint)
        meters.read_attributes(
            reading.ieee,
            [SUMMATION, DEMAND],
            call.later(lambda values, key=key: one(key, values)),
            endpoint=reading.endpoint,
        )


@handles("get_profile")
def _get_profile(call: Call) -> None:
    meters = _meters(call)
    address = call.params["destination_address"]
    assert isinstance(address, MAC)  # noqa: S101 - validated as MAC
    endpoint = call.get("destination_endpoint_id")
    ieee = address.value

    def done(result: Any) -> None:
        reading = meters.reading(ieee, endpoint)
        out: dict[str, Any] = {
            "source_address": ieee,
            "source_endpoint_id": reading.endpoint if reading is not None else endpoint or 0,
            "cluster_id": METERING,
        }
        if result is None:
            out["status"] = int(Status.TIMEOUT)
            call.respond(out)
            return
        quantities = result.intervals
        unit = next((q.unit for q in quantities if q is not None), None)
        out.update(
            status=int(result.status),
            end_time=result.end_time,
            profile_interval_period=int(result.period),
            interval_seconds=result.period_seconds,
            number_of_periods_delivered=len(result.intervals_raw),
            unit=unit,
            intervals=[None if q is None else str(q.value) for q in quantities],
            intervals_raw=list(result.intervals_raw),
        )
        call.respond(out)

    try:
        meters.get_profile(
            ieee,
            int(call.params["interval_channel"]),  # type: ignore[arg-type]
            int(call.params["end_time"]),  # type: ignore[arg-type]
            int(call.params["number_of_periods"]),  # type: ignore[arg-type]
            call.later(done),
            endpoint=endpoint,
        )
    except KeyError as exc:
        raise InvalidParamsError(f"destination_address: {exc.args[0]}") from None


@handles("start_metering_reporting")
def _start_metering_reporting(call: Call) -> None:
    meters = _meters(call)
    address = call.params["destination_address"]
    assert isinstance(address, MAC)  # noqa: S101 - validated as MAC
    endpoint = call.get("destination_endpoint_id")
    try:
        meters.refresh(address.value, endpoint)
    except KeyError:
        call.respond(
            {
                "destination_address": address,
                "destination_endpoint_id": endpoint or 0,
                "status": int(Status.NOT_FOUND),
            }
        )
        return
    reading = meters.reading(address.value, endpoint)
    call.respond(
        {
            "destination_address": address,
            "destination_endpoint_id": reading.endpoint if reading is not None else endpoint,
            "status": int(Status.SUCCESS),
        }
    )


# ================================================================================= the table


def _table(*handlers: Handler) -> Mapping[str, Handler]:
    table: dict[str, Handler] = {}
    for fn in handlers:
        name = getattr(fn, "_rpc_handles", None)
        if not isinstance(name, str):
            raise TypeError(f"{fn.__name__} is not marked with @handles")
        if name in table:
            raise ValueError(f"two handlers for {name}")
        table[name] = fn
    return table


HANDLERS: Mapping[str, Handler] = _table(
    _registry_configuration,
    _registry_restore_defaults,
    _get_version,
    _get_time,
    _set_time,
    _sync_time,
    _exit,
    _add_alias,
    _remove_alias,
    _list_aliases,
    _add_device,
    _remove_device,
    _get_device_information,
    _get_zigbee_network_configuration,
    _send_zigbee,
    _permit_joining,
    _get_network_information,
    _bind_request,
    _unbind_request,
    _get_neighbor_table,
    _read_attributes,
    _write_attributes,
    _discover_attributes,
    _start_receiving_reports,
    _stop_receiving_reports,
    _start_sending_reports,
    _stop_sending_reports,
    _get_local_reporting_configurations,
    _read_reporting_configuration,
    _identify,
    _send_zcl,
    _get_drlc_events,
    _get_message_events,
    _get_price_events,
    _get_metering_reading,
    _get_profile,
    _start_metering_reporting,
    _create_drlc_event,
    _cancel_drlc_event,
    _cancel_all_drlc_events,
    _create_message_event,
    _cancel_message_event,
    _cancel_all_message_events,
    _create_price_event,
    _cancel_all_price_events,
    _get_scheduled_drlc_events,
    _opt_out,
    _opt_in,
    _get_last_message_event,
    _confirm_message,
    _get_current_price_event,
    _get_scheduled_price_events,
    _clear_price_events,
)
"""Request name → handler: the one table the dispatcher consults."""

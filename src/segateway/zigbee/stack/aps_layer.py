"""The APS layer of a node: data with end-to-end acknowledgement and retries, duplicate
rejection, APS (link-key) security, and the security commands the trust center and joining
devices exchange (Transport Key, Update Device, Remove Device, Request Key, Switch Key, Tunnel).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ...radio import DeliveryStatus
from .. import aps
from ..auxiliary import AuxHeader, KeyId
from ..errors import FrameError
from ..security import aps_key, secure, unsecure
from .context import NodeContext
from .nwk_layer import FIRST_BROADCAST, NwkLayer, NwkResult, ReceivedNwk
from .tables import DuplicateTable

__all__ = ["ApsIndication", "ApsLayer"]

OnDelivered = Callable[[DeliveryStatus, int], None]


@dataclass(slots=True)
class ApsIndication:
    """An APS data frame for a local endpoint (or a ZDO frame for endpoint 0)."""

    header: aps.ApsHeader
    payload: bytes
    src: int
    src_ieee: int | None
    dst: int
    aps_secured: bool
    lqi: int


@dataclass(slots=True)
class ApsCommandIndication:
    """An APS command received by this node."""

    command: object
    src: int
    src_ieee: int | None
    aps_secured: bool
    key_id: KeyId | None
    nwk_secured: bool


@dataclass(slots=True)
class _Pending:
    dst: int
    counter: int
    frame: Callable[[], bytes]  # builds the frame for each attempt
    on_done: OnDelivered | None
    tries: int
    timer: object = None
    last: str = NwkResult.SUCCESS  # the network layer's outcome of the latest attempt


class ApsLayer:
    """Application support sub-layer of one node."""

    def __init__(self, ctx: NodeContext, nwk_layer: NwkLayer) -> None:
        self.ctx = ctx
        self.nwk = nwk_layer
        self._counter = ctx.rng.randrange(256)
        self._pending: dict[tuple[int, int], _Pending] = {}
        config = ctx.config
        lifetime = config.aps_duplicate_timeout
        if lifetime is None:
            wait = config.aps_ack_wait + (0 if ctx.rx_on_when_idle else 2 * config.poll_interval)
            lifetime = (config.aps_retries + 1) * wait
        self.duplicates = DuplicateTable(timeout=lifetime)
        self.link_keys: dict[int, bytes] = {}  # partner IEEE → APS link key (besides the TC's)
        self.sleepy: set[int] = set()  # NWK addresses of devices that sleep (longer ack waits)
        self.on_data: Callable[[ApsIndication], None] = lambda _: None
        self.on_command: Callable[[ApsCommandIndication], None] = lambda _: None
        self.key_lookup: Callable[[int | None], bytes | None] | None = None
        self.dropped_insecure = 0
        nwk_layer.deliver = self.on_nwk

    def next_counter(self) -> int:
        self._counter = (self._counter + 1) & 0xFF
        return self._counter

    # --- keys -------------------------------------------------------------------------------------

    def link_key_for(self, ieee: int | None) -> bytes | None:
        """The APS link key shared with ``ieee`` (the TC link key for the trust center)."""
        if self.key_lookup is not None:
            return self.key_lookup(ieee)
        if ieee is None:
            return None
        if ieee == self.ctx.trust_center and self.ctx.tc_link_key is not None:
            return self.ctx.tc_link_key
        return self.link_keys.get(ieee)

    def _secure(self, header: aps.ApsHeader, payload: bytes, key: bytes, key_id: KeyId) -> bytes:
        # Data frames and acks leave the extended nonce out (8 octets a frame needs: an APS-
        # encrypted Report Event Status only fits without it); the receiver takes our IEEE
        # address from the NWK header's extended source. APS commands keep it: their receiver
        # may not know us yet.
        plain_data = header.frame_type in (aps.FRAME_DATA, aps.FRAME_ACK)
        source = None if plain_data and key_id is KeyId.data else self.ctx.ieee
        aux = AuxHeader(key_id, self.ctx.aps_frame_counter(), source)
        derived = aps_key(key, key_id)
        return secure(header._replace(security=True).encode(), aux, payload, derived, self.ctx.ieee)

    # --- data -------------------------------------------------------------------------------------

    def note_sleepy(self, address: int) -> None:
        """Remember that ``address`` sleeps (its APS acks take a poll period longer); bounded
        like the address map, except on the trust center."""
        sleepy = self.sleepy
        if len(sleepy) < self.ctx.config.address_map_size or self.ctx.is_coordinator:
            sleepy.add(address)

    def send_data(
        self,
        dst: int,
        *,
        dst_endpoint: int,
        cluster: int,
        profile: int,
        src_endpoint: int,
        payload: bytes,
        ack: bool = True,
        security_key: bytes | None = None,
        group: int | None = None,
        radius: int | None = None,
        on_done: OnDelivered | None = None,
    ) -> int:
        """Send application data; ``on_done(status, counter)`` when acknowledged or failed.

        ``security_key`` adds APS encryption with that link key. Broadcasts and group frames are
        never acknowledged nor APS-secured.
        """
        counter = self.next_counter()
        broadcast = group is not None or dst >= FIRST_BROADCAST
        ack = ack and not broadcast
        header = aps.ApsHeader(
            frame_type=aps.FRAME_DATA,
            delivery_mode=(
                aps.DELIVERY_GROUP
                if group is not None
                else aps.DELIVERY_BROADCAST
                if broadcast
                else aps.DELIVERY_UNICAST
            ),
            ack_request=ack,
            dst_endpoint=None if group is not None else dst_endpoint,
            group=group,
            cluster=cluster,
            profile=profile,
            src_endpoint=src_endpoint,
            counter=counter,
        )
        if security_key is not None and not broadcast:
            key = security_key

            # secured afresh for every attempt: a retransmission needs a new frame counter,
            # or the destination would take it for a replay
            def frame() -> bytes:
                return self._secure(header, payload, key, KeyId.data)

        else:
            plain = header.encode() + payload

            def frame() -> bytes:
                return plain

        nwk_dst = 0xFFFD if group is not None else dst
        if not ack:

            def sent(result: str) -> None:
                if on_done is not None:
                    on_done(_status(result), counter)

            self.nwk.send(nwk_dst, frame(), on_done=sent, radius=radius)
            return counter
        pending = _Pending(dst, counter, frame, on_done, 0)
        self._pending[(dst, counter)] = pending
        self._attempt(pending, radius)
        return counter

    def _attempt(self, pending: _Pending, radius: int | None) -> None:
        pending.tries += 1
        wait = self.ctx.config.aps_ack_wait
        if pending.dst in self.sleepy:
            wait += 2 * self.ctx.config.poll_interval

        def sent(result: str) -> None:
            # a failed hop or route is one failed attempt: the ack timer retries it; only not
            # being on a network ends the transaction at once
            if result in (NwkResult.NOT_JOINED, NwkResult.FRAME_TOO_LONG):
                self._fail(pending, _status(result))
            else:
                pending.last = result

        self.nwk.send(pending.dst, pending.frame(), on_done=sent, radius=radius)
        pending.timer = self.ctx.clock.call_later(wait, self._ack_timeout, pending, radius)

    def _ack_timeout(self, pending: _Pending, radius: int | None) -> None:
        key = (pending.dst, pending.counter)
        if self._pending.get(key) is not pending:
            return
        if pending.tries > self.ctx.config.aps_retries:
            status = _status(pending.last) if pending.last != NwkResult.SUCCESS else None
            self._fail(pending, status or DeliveryStatus.no_ack)
            return
        self._attempt(pending, radius)

    def _fail(self, pending: _Pending, status: DeliveryStatus) -> None:
        if self._pending.pop((pending.dst, pending.counter), None) is None:
            return
        timer = pending.timer
        if timer is not None:
            timer.cancel()  # type: ignore[attr-defined]
        if pending.on_done is not None:
            pending.on_done(status, pending.counter)

    def _acked(self, src: int, counter: int) -> None:
        pending = self._pending.pop((src, counter), None)
        if pending is None:
            return
        if pending.timer is not None:
            pending.timer.cancel()  # type: ignore[attr-defined]
        if pending.on_done is not None:
            pending.on_done(DeliveryStatus.delivered, counter)

    # --- commands ---------------------------------------------------------------------------------

    def send_command(
        self,
        dst: int,
        command: object,
        *,
        key: bytes | None,
        key_id: KeyId = KeyId.data,
        nwk_security: bool = True,
        on_done: Callable[[str], None] | None = None,
    ) -> None:
        """Send an APS command, APS-secured with ``key`` (as ``key_id`` derives it) when given."""
        frame = self.command_frame(command, key=key, key_id=key_id)
        self.nwk.send(dst, frame, on_done=on_done, security=nwk_security)

    def command_frame(
        self, command: object, *, key: bytes | None, key_id: KeyId = KeyId.data
    ) -> bytes:
        header = aps.ApsHeader(
            frame_type=aps.FRAME_COMMAND,
            delivery_mode=aps.DELIVERY_UNICAST,
            counter=self.next_counter(),
        )
        payload: bytes = command.encode()  # type: ignore[attr-defined]
        if key is None:
            return header.encode() + payload
        return self._secure(header, payload, key, key_id)

    # --- receive ----------------------------------------------------------------------------------

    def on_nwk(self, received: ReceivedNwk) -> None:
        data = received.payload
        try:
            header, offset = aps.decode_aps_header(data)
        except FrameError:
            return
        src = received.header.src
        src_ieee = received.header.src_ieee or self.nwk.ieee_of(src)
        key_id: KeyId | None = None
        if header.security:
            result = self._unsecure(data, offset, src_ieee)
            if result is None:
                return
            key_id, body, src_ieee = result
        else:
            body = data[offset:]
        # only the network key may arrive without NWK security (see NwkLayer)
        if not received.secured and (
            header.frame_type != aps.FRAME_COMMAND or key_id is not KeyId.key_transport
        ):
            self.dropped_insecure += 1
            return
        if header.frame_type == aps.FRAME_ACK:
            self._acked(src, header.counter)
            return
        if header.frame_type == aps.FRAME_COMMAND:
            try:
                command = aps.decode_aps_command(body)
            except FrameError:
                return
            self.on_command(
                ApsCommandIndication(
                    command, src, src_ieee, header.security, key_id, received.secured
                )
            )
            return
        if header.frame_type != aps.FRAME_DATA:
            return
        if header.delivery_mode == aps.DELIVERY_UNICAST:
            if header.ack_request:
                self._send_ack(src, header, src_ieee if header.security else None)
            if self.duplicates.is_duplicate((src, header.counter), self.ctx.clock.now()):
                return
        self.on_data(
            ApsIndication(
                header, body, src, src_ieee, received.header.dst, header.security, received.lqi
            )
        )

    def _unsecure(
        self, data: bytes, offset: int, src_ieee: int | None
    ) -> tuple[KeyId, bytes, int] | None:
        try:
            aux_probe = aps_aux_source(data, offset)
        except FrameError:
            return None
        source = aux_probe if aux_probe is not None else src_ieee
        key = self.link_key_for(source)
        if source is None or key is None:
            self.dropped_insecure += 1
            return None
        try:
            aux, body = unsecure(data, offset, _derive_any(key, data[offset]), source)
        except ValueError:  # SecurityError, FrameError, or a key id APS never uses
            self.dropped_insecure += 1
            return None
        if not self.ctx.incoming.accept(source, ("aps", int(aux.key_id)), aux.frame_counter):
            self.dropped_insecure += 1
            return None
        return aux.key_id, body, source

    def _send_ack(self, dst: int, header: aps.ApsHeader, secured_with: int | None) -> None:
        ack = aps.ApsHeader(
            frame_type=aps.FRAME_ACK,
            delivery_mode=aps.DELIVERY_UNICAST,
            dst_endpoint=header.src_endpoint,
            cluster=header.cluster,
            profile=header.profile,
            src_endpoint=header.dst_endpoint,
            counter=header.counter,
        )
        key = self.link_key_for(secured_with)
        frame = self._secure(ack, b"", key, KeyId.data) if key is not None else ack.encode()
        self.nwk.send(dst, frame)


def aps_aux_source(data: bytes, offset: int) -> int | None:
    """The source IEEE address in an APS auxiliary header (extended nonce), if present."""
    if len(data) < offset + 13:
        return None
    control = data[offset]
    if not control & 0x20:
        return None
    return int.from_bytes(data[offset + 5 : offset + 13], "little")


def _derive_any(key: bytes, control: int) -> bytes:
    """The key an APS frame is secured with, from its security-control byte."""
    return aps_key(key, KeyId((control >> 3) & 0x03))


def _status(result: str) -> DeliveryStatus:
    return {
        NwkResult.SUCCESS: DeliveryStatus.delivered,
        NwkResult.NO_ROUTE: DeliveryStatus.no_route,
        NwkResult.MAC_FAILURE: DeliveryStatus.mac_failure,
        NwkResult.NOT_JOINED: DeliveryStatus.not_joined,
        NwkResult.FRAME_TOO_LONG: DeliveryStatus.frame_too_long,
    }.get(result, DeliveryStatus.mac_failure)

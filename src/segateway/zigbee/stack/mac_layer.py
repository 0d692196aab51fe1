"""The 802.15.4 MAC of a node: unslotted CSMA-CA, acknowledgements and retries, indirect
transmission to sleepy children, duplicate filtering, receiver on/off.

Everything is driven by the clock: a transmission is a chain of timers (backoff → CCA → air →
ack wait), never a blocking call.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from ...sim.clock import TimerHandle
from ...sim.medium import Medium
from .. import mac
from ..errors import FrameError
from .context import NodeContext

__all__ = ["MacLayer", "TxResult"]

UNIT_BACKOFF = 320e-6  # aUnitBackoffPeriod
CCA_TIME = 128e-6
TURNAROUND = 192e-6  # aTurnaroundTime
ACK_WAIT = 864e-6  # macAckWaitDuration
MIN_BE, MAX_BE, MAX_BACKOFFS, MAX_RETRIES = 3, 5, 4, 3
BROADCAST = 0xFFFF
_DATA_REQUEST = bytes((mac.MacCommandId.data_request,))
# every acknowledgment there can be, encoded once: [frame pending][sequence number]
_ACKS = tuple(
    tuple(mac.ack_frame(seq, frame_pending=pending).encode() for seq in range(256))
    for pending in (False, True)
)
_ACK_INFO = {_ACKS[pending][seq]: (seq, bool(pending)) for pending in (0, 1) for seq in range(256)}


class TxResult:
    """MAC transmission outcomes handed to ``on_done``."""

    SUCCESS = "success"
    NO_ACK = "no_ack"
    CHANNEL_ACCESS_FAILURE = "channel_access_failure"
    EXPIRED = "expired"  # an indirect frame nobody polled for
    FRAME_TOO_LONG = "frame_too_long"  # the MPDU would exceed aMaxPHYPacketSize (127 octets)


OnDone = Callable[[str], None]
MAX_MPDU = 127  # aMaxPHYPacketSize


FrameSource = mac.MacFrame | Callable[[], mac.MacFrame]
"""A frame, or a function that builds it when it is about to be sent (NWK security is applied
then, so frame counters leave in order)."""


@dataclass(slots=True)
class _Tx:
    frame: FrameSource
    on_done: OnDone | None
    attempts: int = 0
    backoffs: int = 0
    exponent: int = MIN_BE


class MacLayer:
    """One node's MAC. ``deliver`` receives every frame addressed to us (or broadcast)."""

    def __init__(
        self,
        ctx: NodeContext,
        medium: Medium,
        deliver: Callable[[mac.MacFrame, int], None],
        *,
        position: tuple[float, float] | None = None,
    ) -> None:
        self.ctx = ctx
        self.medium = medium
        self.deliver = deliver
        self.node_id = medium.add_node(self, position=position)
        self._seq = ctx.rng.randrange(256)
        self._queue: list[_Tx] = []  # short; a deque would cost 600 bytes per node
        self._current: _Tx | None = None
        self._ack_timer: TimerHandle | None = None
        self._indirect: dict[int, deque[tuple[FrameSource, OnDone | None, float]]] = {}
        self._last_seq: dict[int, int] = {}
        self._sleepy = False  # an end device that turns its receiver off between polls
        self._listening = True  # an explicit listen window (joining, waiting for a key)
        self._listen_until = 0.0  # after a poll that found data waiting
        self._ack_owed_until = 0.0  # an ack we owe goes out before any CSMA-CA transmission
        self._rx = True  # the receiver state the medium knows
        self.scanning = False  # accept beacons
        # a sleepy device that received a frame saying the parent holds more: poll again now
        # (IEEE 802.15.4 indirect transmission: one frame per data request), set by the node
        self.poll_now: Callable[[], None] | None = None
        self.pan_id: int | None = None
        self.short: int | None = None
        self.frames_sent = 0
        self.frames_received = 0

    # --- addressing -----------------------------------------------------------------------------

    def next_seq(self) -> int:
        self._seq = (self._seq + 1) & 0xFF
        return self._seq

    @property
    def sleepy(self) -> bool:
        return self._sleepy

    @sleepy.setter
    def sleepy(self, value: bool) -> None:
        self._sleepy = value
        self._update_rx()

    def listen(self, on: bool) -> None:
        """Keep the receiver on (joining) or let a sleepy device sleep between polls."""
        self._listening = on
        self._update_rx()

    @property
    def rx_on(self) -> bool:
        """Whether the receiver is on: always, unless sleepy and idle."""
        return self._rx

    def _update_rx(self) -> None:
        """Switch the receiver as the state requires; the medium then skips a sleeping node."""
        want = (
            not self._sleepy
            or self._listening
            or self._current is not None
            or self.ctx.clock.now() < self._listen_until
        )
        if want != self._rx:
            self._rx = want
            self.medium.set_listening(self.node_id, want)

    def _accepts(self, frame: mac.MacFrame) -> bool:
        """802.15.4 receive filtering: our PAN (or broadcast PAN) and our address (or broadcast)."""
        if frame.frame_type == mac.MacFrameType.beacon:
            return self.scanning
        if frame.dst_mode == mac.AddrMode.none:
            # frames to the PAN coordinator carry no destination (association requests use one)
            return self.ctx.is_coordinator and frame.src_pan == self.pan_id
        if frame.dst_pan not in (self.pan_id, BROADCAST):
            return False
        if frame.dst_mode == mac.AddrMode.short:
            return frame.dst == BROADCAST or (self.short is not None and frame.dst == self.short)
        return frame.dst == self.ctx.ieee

    # --- transmit ---------------------------------------------------------------------------------

    def send(self, frame: FrameSource, on_done: OnDone | None = None) -> None:
        """Queue a frame for transmission with CSMA-CA (and retries when it asks for an ack)."""
        self._queue.append(_Tx(frame, on_done))
        if self._current is None:
            self._next()

    def _next(self) -> None:
        if not self._queue:
            self._current = None
            if self._sleepy:
                self._update_rx()
            return
        tx = self._current = self._queue.pop(0)
        if not isinstance(tx.frame, mac.MacFrame):
            tx.frame = tx.frame()
        if not self._rx:
            self._update_rx()
        self._backoff()

    def _backoff(self) -> None:
        tx = self._current
        assert tx is not None  # noqa: S101 - internal invariant
        slots = self.ctx.rng.randrange(1 << tx.exponent)
        self.ctx.clock.call_later(slots * UNIT_BACKOFF + CCA_TIME, self._cca)

    def _cca(self) -> None:
        tx = self._current
        if tx is None:
            return
        if self.ctx.clock.now() < self._ack_owed_until:
            # the receiver is turning around to acknowledge a frame: that ack comes first
            self.ctx.clock.call_at(self._ack_owed_until, self._cca)
            return
        if not self.medium.channel_clear(self.node_id):
            tx.backoffs += 1
            tx.exponent = min(tx.exponent + 1, MAX_BE)
            if tx.backoffs > MAX_BACKOFFS:
                self._finish(TxResult.CHANNEL_ACCESS_FAILURE)
                return
            self._backoff()
            return
        frame = tx.frame
        assert isinstance(frame, mac.MacFrame)  # built in _next  # noqa: S101
        data = frame.encode()
        if len(data) > MAX_MPDU:
            self._finish(TxResult.FRAME_TOO_LONG)  # 802.15.4 MCPS-DATA.confirm FRAME_TOO_LONG
            return
        end = self.medium.transmit(self.node_id, data)
        self.frames_sent += 1
        tx.attempts += 1
        delay = end - self.ctx.clock.now()
        if frame.ack_request:
            self._ack_timer = self.ctx.clock.call_later(delay + ACK_WAIT, self._ack_timeout)
        else:
            self.ctx.clock.call_later(delay, self._finish, TxResult.SUCCESS)

    def _ack_timeout(self) -> None:
        self._ack_timer = None
        tx = self._current
        if tx is None:
            return
        if tx.attempts > MAX_RETRIES:
            self._finish(TxResult.NO_ACK)
            return
        tx.backoffs, tx.exponent = 0, MIN_BE
        self._backoff()

    def _finish(self, result: str) -> None:
        tx = self._current
        self._current = None
        if tx is not None and tx.on_done is not None:
            tx.on_done(result)  # may queue (and start) the next frame itself
        if self._current is None:
            self._next()

    def _send_ack(self, seq: int, pending: bool) -> None:
        if not self.medium.transmitting(self.node_id):  # half duplex: busy sending, no ack
            self._ack_owed_until = self.medium.transmit(self.node_id, _ACKS[pending][seq])

    # --- indirect transmission (parents of sleepy children) ---------------------------------------

    def send_indirect(self, key: int, frame: FrameSource, on_done: OnDone | None = None) -> None:
        """Hold ``frame`` until the device ``key`` (short or IEEE address) polls for it."""
        expires = self.ctx.clock.now() + self.ctx.config.indirect_lifetime
        queue = self._indirect.setdefault(key, deque())
        queue.append((frame, on_done, expires))
        self.ctx.clock.call_at(expires, self._expire, key)

    def _expire(self, key: int) -> None:
        queue = self._indirect.get(key)
        now = self.ctx.clock.now()
        while queue and queue[0][2] <= now:
            _, on_done, _ = queue.popleft()
            if on_done is not None:
                on_done(TxResult.EXPIRED)
        if queue is not None and not queue:
            del self._indirect[key]

    def has_pending(self, *keys: int | None) -> bool:
        return any(k is not None and self._indirect.get(k) for k in keys)

    def drop_indirect(self, *keys: int | None) -> None:
        """Forget what is held for a child that left."""
        for key in keys:
            if key is None:
                continue
            for _, on_done, _ in self._indirect.pop(key, ()):
                if on_done is not None:
                    on_done(TxResult.EXPIRED)

    def _serve_poll(self, *keys: int | None) -> None:
        for key in keys:
            queue = self._indirect.get(key) if key is not None else None
            if queue:
                source, on_done, _ = queue.popleft()
                if not queue:
                    del self._indirect[key]  # type: ignore[arg-type]
                frame = source if isinstance(source, mac.MacFrame) else source()
                self.send(frame._replace(frame_pending=bool(queue)), on_done)
                return

    # --- receive ----------------------------------------------------------------------------------

    def on_frame(self, data: bytes, lqi: int, rssi: int) -> None:
        """Called by the medium at the end of a good reception."""
        if not self._rx:
            return
        if not data[0] & 0x07 and not self.scanning:
            return  # a beacon (frame type 0): only a scan wants those
        if len(data) > 9 and data[1] & 0x0C == 0x08:  # short destination address
            # most frames a node hears are for someone else: drop them before a full decode
            dst = data[5] | (data[6] << 8)
            if dst not in (BROADCAST, self.short):
                return
        if len(data) == 5:
            known = _ACK_INFO.get(data)
            if known is not None:  # an acknowledgment: all 512 are known bytes, FCS included
                self._on_ack(*known)
                return
        try:
            frame = mac.decode_mac(data)
        except FrameError:
            return
        if frame.frame_type == mac.MacFrameType.ack:
            self._on_ack(frame.seq, frame.frame_pending)
            return
        if not self._accepts(frame):
            return
        if frame.ack_request and frame.dst_mode != mac.AddrMode.none and frame.dst != BROADCAST:
            pending = False
            if frame.frame_type == mac.MacFrameType.command and frame.payload[:1] == _DATA_REQUEST:
                pending = self.has_pending(frame.src)
            self._ack_owed_until = self.ctx.clock.now() + TURNAROUND
            self.ctx.clock.call_later(TURNAROUND, self._send_ack, frame.seq, pending)
            if pending:
                self.ctx.clock.call_later(TURNAROUND * 3, self._serve_poll, frame.src)
            # a retransmission we already acknowledged once
            if frame.src is not None and self._last_seq.get(frame.src) == frame.seq:
                return
            if frame.src is not None:
                self._last_seq[frame.src] = frame.seq
        self.frames_received += 1
        if frame.frame_pending and self.sleepy:
            self.on_pending_data()
            if self.poll_now is not None:
                self.ctx.clock.call_later(0, self.poll_now)
        self.deliver(frame, lqi)

    def _on_ack(self, seq: int, frame_pending: bool) -> None:
        tx = self._current
        if (
            tx is not None
            and self._ack_timer is not None
            and isinstance(tx.frame, mac.MacFrame)
            and seq == tx.frame.seq
        ):
            self._ack_timer.cancel()
            self._ack_timer = None
            self.ctx.clock.call_later(0, self._finish, TxResult.SUCCESS)
            if frame_pending:
                self.on_pending_data()

    def on_pending_data(self) -> None:
        """An ack (or frame) said the parent holds more for us: listen a little longer."""
        wait = self.ctx.config.poll_wait
        self._listen_until = self.ctx.clock.now() + wait
        self._update_rx()
        self.ctx.clock.call_later(wait * 1.001, self._update_rx)

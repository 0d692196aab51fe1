"""Nodes in other processes: the medium served over a loopback socket, in lockstep virtual time.

:class:`MediumServer` runs beside a :class:`~segateway.sim.medium.Medium` and its
:class:`~segateway.sim.clock.VirtualClock` (the *server* process, typically the gateway).
Another process connects with :class:`RemoteMedium` (or :func:`run_client`), attaches any number
of nodes and gets a clock of its own; a :class:`~segateway.zigbee.stack.node.Node` built on that
pair behaves as if it were on the server's medium: its CCA, transmissions and receptions are
evaluated by the one medium, at the one virtual time.

Time
----
The server's clock is the time master and the clients follow it, conservatively and in lockstep:

* A client is either *granted* (it may run the events of one instant and owes the server an
  ``IDLE``) or *idle* (it reported the time of its next event and waits).
* The server knows every idle client's next time: the one it reported, or the time of a frame
  delivered to it since, whichever comes first. It keeps one event (the *barrier*) in its own
  clock at the earliest of these times, so whoever drives the server's clock (``run``,
  ``run_as_fast_as_possible``, ``run_realtime``, ``SimNetwork.run``) stops there.
* The barrier runs after every other server event due at that instant. It then takes the clients
  due at that instant one at a time, in the order they connected: it sends ``GRANT(t)`` (after
  the ``DELIVER`` messages due then) and serves that client's requests, at time ``t``, until its
  ``IDLE`` arrives. Only then does it turn to the next client, and only after the last one may the
  server's clock move on. Clients never run concurrently, so a run is reproducible.
* A granted client first hands the frames delivered to it to their receivers (``on_frame``, its
  clock standing at the delivery time), then runs its own events due at ``t``; every medium call
  they make is one synchronous round trip, evaluated by the server's medium at ``t`` (two need
  none: ``set_listening`` is posted, and ``transmitting`` is answered locally when the node's
  last frame has ended, since only its own ``transmit`` can put it on the air). It then reports
  ``IDLE(next)`` — the time of its next event, ``inf`` if none — and waits.
* Connecting is a grant too: the ``WELCOME`` reply to ``HELLO`` carries the server's time, the
  client's clock starts there, and the client sets its nodes up (``add_node``, ``link`` …) before
  its first ``IDLE``; the server's clock does not pass that instant in the meantime.

Order within one instant: the server's own events first (in scheduling order), then each due
client in connection order; in a client, the deliveries (in the server's order) before its own
events. A run split across processes is therefore identical to the same run in one process
whenever no two processes act at the very same instant; when they do, the rule above decides
(in one process, scheduling order would), the same way every time.

Under ``run_realtime`` the barrier fires when the wall clock reaches it and grants the server's
current (live) time: clients still follow the server's time, and callbacks that run late see the
late time, as they do in one process.

Wire format
-----------
Every message is ``length (u16 LE) | type (u8) | body``; ``length`` counts the type byte and the
body and is 1 to :data:`MAX_MESSAGE`. Integers are little-endian, times and probabilities IEEE
754 doubles (``<d``), node ids ``u32``. Client to server:

=====  ==================  ==========================================================  =========
type   name                body                                                        reply
=====  ==================  ==========================================================  =========
0x01   HELLO               magic ``b"SEGM"``, version u16                              WELCOME
0x02   ADD_NODE            flags u8 (bit 0: has a position), x, y                      node u32
0x03   REMOVE_NODE         node                                                        (empty)
0x04   CHANNEL_CLEAR       node                                                        bool u8
0x05   TRANSMITTING        node                                                        bool u8
0x06   TRANSMIT            node, MPDU (1–127 bytes)                                    end time
0x07   SET_ONLINE          node, online u8 (0/1)                                       (empty)
0x08   LINK                a, b, lqi u8, loss, flags u8 (bit 0 symmetric, bit 1 rssi   (empty)
                           given), rssi i16
0x09   UNLINK              a, b, symmetric u8                                          (empty)
0x0A   CONNECT_BY_DISTANCE range (metres)                                              pairs u32
0x0B   IDLE                next event time (``inf``: none)                             none
0x0C   SET_LISTENING       node, listening u8 (0/1)                                    none
=====  ==================  ==========================================================  =========

SET_LISTENING is posted without a reply: a sleepy device switches its receiver at every poll,
and the change needs no answer (the client checks that the node is its own, the server applies
it before whatever the client sends next, so the result is the same as with a round trip).

Server to client: ``0x80 REPLY`` (the body named above), ``0x81 ERROR`` (kind u8: 1
``ValueError``, 2 ``KeyError``, 3 ``RuntimeError``; UTF-8 message; raised by the client as that
exception, the connection stays up), ``0x82 WELCOME`` (server time), ``0x90 GRANT`` (time) and
``0x91 DELIVER`` (node, delivery time, lqi u8, rssi i16, MPDU).

Ordering guarantees: a client has at most one request outstanding and every request gets exactly
one REPLY or ERROR, in order; requests are only valid while the client is granted; one GRANT is
answered by one IDLE. DELIVER messages for a client are sent, in the order the medium delivered
them, before the GRANT of their instant; the client queues them whenever they come (also
between a request and its reply) and hands them over at its next grant.
A peer that breaks a rule (bad length, unknown type, wrong body size, a request while idle, an
IDLE while idle, no HELLO first) is disconnected with a logged error; a well-formed request the
medium refuses (an unknown node, a frame too long) gets an ERROR reply. A client's nodes are
removed from the medium when its connection ends, for whatever reason.

Why it cannot deadlock: the server waits for one client at a time, and only for a granted one;
a granted client waits only for the replies to its own requests, which the server computes at
once from local state, without waiting for anything else. Idle clients wait for the server and
are never waited for. The wait-for graph therefore has no cycle. Neither side can stall on a
full socket buffer either: the client reads everything the server sends while it waits, and the
server keeps reading while it waits to write. A client that stops answering while granted (hung,
not dead) is dropped after ``client_timeout`` seconds; a dead one is dropped at once.

Limits: there is no authentication, so the server binds to a loopback address unless told
otherwise (``allow_remote=True``). The server drives clients from its clock callbacks with
blocking (bounded) socket I/O, so while a client runs an instant the server's asyncio loop
waits; conversely new connections, and a new client's set-up, are served by that loop, so a
clock run synchronously in the loop's thread holds them until it returns (clients already in
lockstep are served by the barrier itself). Custom LQI models of ``connect_by_distance`` and
``set_filter`` cannot cross the socket. Every instant at which a client has something to do
costs a GRANT/IDLE exchange: there is no lookahead, because any medium call must see the
server's medium at that very instant.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import math
import selectors
import socket
import struct
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from types import TracebackType
from typing import Any, Final, Self

from .clock import TimerHandle, VirtualClock
from .medium import MAX_FRAME_BYTES, Medium, Receiver, airtime

__all__ = [
    "MAGIC",
    "MAX_MESSAGE",
    "VERSION",
    "MediumServer",
    "MessageDecoder",
    "MessageType",
    "ProtocolError",
    "RemoteMedium",
    "ServerStats",
    "encode_message",
    "run_client",
]

_log = logging.getLogger(__name__)

MAGIC: Final = b"SEGM"
VERSION: Final = 1
MAX_MESSAGE: Final = 512
"""The largest ``length`` a message may declare (type byte and body)."""

_INF = math.inf
_RECV_SIZE = 65536


class MessageType(IntEnum):
    """Message types of the medium protocol (see the module docstring)."""

    HELLO = 0x01
    ADD_NODE = 0x02
    REMOVE_NODE = 0x03
    CHANNEL_CLEAR = 0x04
    TRANSMITTING = 0x05
    TRANSMIT = 0x06
    SET_ONLINE = 0x07
    LINK = 0x08
    UNLINK = 0x09
    CONNECT_BY_DISTANCE = 0x0A
    IDLE = 0x0B
    SET_LISTENING = 0x0C
    REPLY = 0x80
    ERROR = 0x81
    WELCOME = 0x82
    GRANT = 0x90
    DELIVER = 0x91


_HEADER = struct.Struct("<HB")
_U32 = struct.Struct("<I")
_F64 = struct.Struct("<d")
_HELLO = struct.Struct("<4sH")
_ADD = struct.Struct("<Bdd")
_NODE_FLAG = struct.Struct("<IB")
_LINK = struct.Struct("<IIBdBh")
_UNLINK = struct.Struct("<IIB")
_DELIVER = struct.Struct("<IdBh")
_ERROR_KIND = {ValueError: 1, KeyError: 2, RuntimeError: 3}
_ERROR_TYPE: dict[int, type[Exception]] = {v: k for k, v in _ERROR_KIND.items()}
_TRUE, _FALSE, _EMPTY = b"\x01", b"\x00", b""


class ProtocolError(Exception):
    """The peer broke the medium protocol; the connection cannot continue."""


def encode_message(kind: int, body: bytes = b"") -> bytes:
    """One message on the wire: length, type, body."""
    if len(body) + 1 > MAX_MESSAGE:
        raise ValueError(f"a message body has at most {MAX_MESSAGE - 1} bytes, not {len(body)}")
    return _HEADER.pack(len(body) + 1, kind) + body


class MessageDecoder:
    """Sans-I/O framing: ``feed`` bytes as they arrive, take whole messages with ``next``."""

    __slots__ = ("_buf",)

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> None:
        self._buf += data

    def next(self) -> tuple[int, bytes] | None:
        """The next whole message as ``(type, body)``, or None until more bytes arrive.

        Raises :class:`ProtocolError` on a length outside 1–:data:`MAX_MESSAGE`.
        """
        buf = self._buf
        if len(buf) < 2:
            return None
        length = buf[0] | buf[1] << 8
        if not 0 < length <= MAX_MESSAGE:
            raise ProtocolError(f"message length {length} outside 1–{MAX_MESSAGE}")
        end = 2 + length
        if len(buf) < end:
            return None
        kind = buf[2]
        body = bytes(buf[3:end])
        del buf[:end]
        return kind, body

    @property
    def buffered(self) -> int:
        """Bytes received and not yet taken as messages."""
        return len(self._buf)


def _unpack(layout: struct.Struct, body: bytes) -> tuple[Any, ...]:
    if len(body) != layout.size:
        raise ProtocolError(f"body of {len(body)} bytes where {layout.size} are expected")
    return layout.unpack(body)


def _time(body: bytes) -> float:
    if len(body) != _F64.size:
        raise ProtocolError(f"a time takes {_F64.size} bytes, not {len(body)}")
    (value,) = _F64.unpack(body)
    if math.isnan(value):
        raise ProtocolError("a time is not a number")
    return float(value)


def _u32(body: bytes) -> int:
    if len(body) != _U32.size:
        raise ProtocolError(f"a node id takes {_U32.size} bytes, not {len(body)}")
    return int(_U32.unpack(body)[0])


def _flag(value: object) -> bool:
    if value not in (0, 1):
        raise ProtocolError(f"a boolean is 0 or 1, not {value!r}")
    return value == 1


def _check_bind(host: str, allow_remote: bool) -> None:
    if allow_remote or host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(
            f"refusing to serve the medium on {host!r}: the protocol has no authentication; "
            "bind to a loopback address or pass allow_remote=True"
        )


# ==================================================================================== server


@dataclass(slots=True)
class ServerStats:
    """Counters of a :class:`MediumServer` since it started."""

    connections: int = 0
    requests: int = 0
    grants: int = 0
    deliveries: int = 0
    dropped: int = 0  # connections closed for breaking the protocol or timing out


class _Connection:
    __slots__ = (
        "alive",
        "client_id",
        "decoder",
        "due",
        "granted",
        "nodes",
        "out",
        "peer",
        "reported",
        "selector",
        "sock",
        "welcomed",
    )

    def __init__(self, client_id: int, sock: socket.socket, peer: object) -> None:
        self.client_id = client_id
        self.sock = sock
        self.peer = peer
        self.decoder = MessageDecoder()
        self.out = bytearray()
        self.selector = selectors.DefaultSelector()
        self.selector.register(sock, selectors.EVENT_READ)
        self.nodes: set[int] = set()
        self.alive = True
        self.welcomed = False  # HELLO received
        self.granted = False  # may run an instant; owes an IDLE
        self.reported = _INF  # next event time from its last IDLE
        self.due = _INF  # earliest delivery buffered since its last grant


class _RemoteReceiver:
    """Stands in the medium for a node of a client: deliveries are queued for that client."""

    __slots__ = ("conn", "node_id", "server")

    def __init__(self, server: MediumServer, conn: _Connection) -> None:
        self.server = server
        self.conn = conn
        self.node_id = -1

    def on_frame(self, frame: bytes, lqi: int, rssi: int) -> None:
        self.server._queue_delivery(self.conn, self.node_id, frame, lqi, rssi)


_Handler = Callable[[_Connection, bytes], bytes]


class MediumServer:
    """Serves ``medium`` (driven by ``clock``, the clock the medium was built with) to nodes
    in other processes, over TCP. Use as an async context manager; :attr:`port` tells where it
    listens (``port=0`` picks a free one).

    ``client_timeout`` (seconds of real time) bounds how long the server waits for a granted
    client to answer before dropping it.
    """

    def __init__(
        self,
        medium: Medium,
        clock: VirtualClock,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        allow_remote: bool = False,
        client_timeout: float = 30.0,
    ) -> None:
        _check_bind(host, allow_remote)
        if not 0.0 < client_timeout < _INF:
            raise ValueError(f"client_timeout must be finite and positive, not {client_timeout!r}")
        self.medium = medium
        self.clock = clock
        self.host = host
        self._port = port
        self._client_timeout = float(client_timeout)
        self._listener: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._conns: dict[int, _Connection] = {}  # in connection order
        self._next_id = 1
        self._barrier_handle: TimerHandle | None = None
        self._barrier_at = _INF
        self._in_barrier = False
        self._changed: asyncio.Event | None = None
        self.stats = ServerStats()
        self._handlers: dict[int, _Handler] = {
            MessageType.ADD_NODE: self._add_node,
            MessageType.REMOVE_NODE: self._remove_node,
            MessageType.CHANNEL_CLEAR: self._channel_clear,
            MessageType.TRANSMITTING: self._transmitting,
            MessageType.TRANSMIT: self._transmit,
            MessageType.SET_ONLINE: self._set_online,
            MessageType.LINK: self._link,
            MessageType.UNLINK: self._unlink,
            MessageType.CONNECT_BY_DISTANCE: self._connect_by_distance,
        }

    # ------------------------------------------------------------------ lifecycle

    @property
    def port(self) -> int:
        """The TCP port the server listens on (after start)."""
        if self._listener is None:
            raise RuntimeError("the medium server is not started")
        return int(self._listener.getsockname()[1])

    async def start(self) -> None:
        """Listen for clients on the running asyncio loop."""
        if self._listener is not None:
            raise RuntimeError("the medium server is already started")
        loop = asyncio.get_running_loop()
        family, kind, proto, _, address = socket.getaddrinfo(
            self.host, self._port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        listener = socket.socket(family, kind, proto)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(address)
            listener.listen(16)
            listener.setblocking(False)
        except OSError:
            listener.close()
            raise
        self._loop = loop
        self._listener = listener
        self._changed = asyncio.Event()
        loop.add_reader(listener, self._accept)

    async def close(self) -> None:
        """Stop listening and end every connection (their nodes leave the medium)."""
        listener, self._listener = self._listener, None
        if listener is not None and self._loop is not None:
            self._loop.remove_reader(listener)
            listener.close()
        for conn in list(self._conns.values()):
            self._drop(conn, "the server closed")
        if self._barrier_handle is not None:
            self._barrier_handle.cancel()
            self._barrier_handle = None
            self._barrier_at = _INF

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # ------------------------------------------------------------------ inspection

    @property
    def clients(self) -> int:
        """Clients connected (and past HELLO)."""
        return sum(1 for conn in self._conns.values() if conn.welcomed)

    def remote_nodes(self) -> list[int]:
        """The medium ids of the nodes attached by clients."""
        return sorted(node for conn in self._conns.values() for node in conn.nodes)

    async def wait_ready(self, clients: int = 1) -> None:
        """Wait until at least ``clients`` clients are connected and idle (set up)."""
        changed = self._changed
        if changed is None:
            raise RuntimeError("the medium server is not started")
        while sum(1 for c in self._conns.values() if c.welcomed and not c.granted) < clients:
            changed.clear()
            await changed.wait()

    # ------------------------------------------------------------------ connections

    def _accept(self) -> None:
        listener = self._listener
        loop = self._loop
        if listener is None or loop is None:
            return
        while True:
            try:
                sock, peer = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                _log.warning("medium server: accept failed: %s", exc)
                return
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = _Connection(self._next_id, sock, peer)
            self._next_id += 1
            self._conns[conn.client_id] = conn
            self.stats.connections += 1
            loop.add_reader(sock, self._on_readable, conn)
            _log.debug("medium client %d connected from %s", conn.client_id, peer)

    def _on_readable(self, conn: _Connection) -> None:
        if self._receive(conn):
            self._process(conn)

    def _receive(self, conn: _Connection) -> bool:
        """Read what has arrived; False when the connection ended."""
        try:
            data = conn.sock.recv(_RECV_SIZE)
        except (BlockingIOError, InterruptedError):
            return True
        except OSError as exc:
            self._drop(conn, f"receive failed: {exc}")
            return False
        if not data:
            self._drop(conn, "disconnected")
            return False
        conn.decoder.feed(data)
        return True

    def _process(self, conn: _Connection) -> None:
        """Handle every whole message received from ``conn``."""
        try:
            while conn.alive:
                message = conn.decoder.next()
                if message is None:
                    return
                self._handle(conn, *message)
        except ProtocolError as exc:
            self._drop(conn, f"protocol error: {exc}", error=True)
        except Exception as exc:  # never let one client take the server down
            _log.exception("medium client %d: unexpected failure", conn.client_id)
            self._drop(conn, f"internal error: {exc!r}", error=True)

    def _handle(self, conn: _Connection, kind: int, body: bytes) -> None:
        if not conn.welcomed:
            if kind != MessageType.HELLO:
                raise ProtocolError(f"expected HELLO, got message type {kind:#04x}")
            magic, version = _unpack(_HELLO, body)
            if magic != MAGIC or version != VERSION:
                raise ProtocolError(f"not a medium client (magic {magic!r}, version {version})")
            conn.welcomed = True
            conn.granted = True  # its set-up runs at the current instant
            conn.out += encode_message(MessageType.WELCOME, _F64.pack(self.clock.now()))
            if self._flush(conn):
                self._reschedule()
            return
        if kind == MessageType.IDLE:
            if not conn.granted:
                raise ProtocolError("IDLE from a client that was not granted")
            upcoming = _time(body)
            if upcoming == -_INF:
                raise ProtocolError("IDLE at minus infinity")
            conn.reported = upcoming
            conn.granted = False
            self._reschedule()
            self._notify()
            return
        if kind == MessageType.SET_LISTENING:
            if not conn.granted:
                raise ProtocolError("SET_LISTENING outside a grant")
            node_id, listening = _unpack(_NODE_FLAG, body)
            if node_id not in conn.nodes:
                raise ProtocolError(f"SET_LISTENING for node {node_id}, not one of the client's")
            self.stats.requests += 1
            with contextlib.suppress(KeyError):  # removed by the server's own code meanwhile
                self.medium.set_listening(node_id, _flag(listening))
            return
        handler = self._handlers.get(kind)
        if handler is None:
            raise ProtocolError(f"unknown message type {kind:#04x}")
        if not conn.granted:
            raise ProtocolError(f"request {MessageType(kind).name} outside a grant")
        self.stats.requests += 1
        try:
            reply = encode_message(MessageType.REPLY, handler(conn, body))
        except (ValueError, KeyError, RuntimeError) as exc:
            text = str(exc.args[0]) if exc.args else type(exc).__name__
            kind_code = next(v for k, v in _ERROR_KIND.items() if isinstance(exc, k))
            reply = encode_message(
                MessageType.ERROR, bytes((kind_code,)) + text.encode()[: MAX_MESSAGE - 2]
            )
        conn.out += reply
        self._flush(conn)

    def _flush(self, conn: _Connection) -> bool:
        """Send what is queued for ``conn``, reading meanwhile; False if the connection ended."""
        out = conn.out
        while out and conn.alive:
            try:
                sent = conn.sock.send(out)
            except (BlockingIOError, InterruptedError):
                sent = 0
            except OSError as exc:
                self._drop(conn, f"send failed: {exc}")
                return False
            del out[:sent]
            if out and not self._wait(conn, writing=True):
                return False
        return conn.alive

    def _wait(self, conn: _Connection, *, writing: bool = False) -> bool:
        """Block until ``conn`` is readable (or writable); read what came. False if it ended."""
        selector = conn.selector
        if writing:
            selector.modify(conn.sock, selectors.EVENT_READ | selectors.EVENT_WRITE)
        try:
            ready = selector.select(self._client_timeout)
        finally:
            if writing and conn.alive:
                selector.modify(conn.sock, selectors.EVENT_READ)
        if not ready:
            self._drop(conn, f"no answer for {self._client_timeout} s", error=True)
            return False
        if ready[0][1] & selectors.EVENT_READ:
            return self._receive(conn)
        return True

    def _drop(self, conn: _Connection, reason: str, *, error: bool = False) -> None:
        if not conn.alive:
            return
        conn.alive = False
        if error:
            self.stats.dropped += 1
            _log.error("medium client %d: %s; closing the connection", conn.client_id, reason)
        else:
            _log.info("medium client %d: %s", conn.client_id, reason)
        if self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(conn.sock)
        conn.selector.close()
        conn.sock.close()
        self._conns.pop(conn.client_id, None)
        for node_id in sorted(conn.nodes):
            with contextlib.suppress(KeyError):  # already removed by the server's own code
                self.medium.remove_node(node_id)
        conn.nodes.clear()
        self._reschedule()
        self._notify()

    def _notify(self) -> None:
        if self._changed is not None:
            self._changed.set()

    # ------------------------------------------------------------------ time

    def _queue_delivery(
        self, conn: _Connection, node_id: int, frame: bytes, lqi: int, rssi: int
    ) -> None:
        if not conn.alive:
            return
        now = self.clock.now()
        rssi = min(max(rssi, -32768), 32767)
        body = _DELIVER.pack(node_id, now, lqi, rssi) + frame
        conn.out += _HEADER.pack(len(body) + 1, MessageType.DELIVER) + body
        self.stats.deliveries += 1
        if now < conn.due:
            conn.due = now
            if now < self._barrier_at:
                self._set_barrier(now)

    def _next_due(self) -> float:
        due = _INF
        for conn in self._conns.values():
            if not conn.welcomed:
                continue
            if conn.granted:
                return self.clock.now()
            due = min(due, conn.reported, conn.due)
        return due

    def _reschedule(self) -> None:
        if self._in_barrier:
            return  # the barrier reschedules itself when it is done
        due = self._next_due()
        if due != self._barrier_at or self._barrier_handle is None:
            self._set_barrier(due)

    def _set_barrier(self, when: float) -> None:
        if self._barrier_handle is not None:
            self._barrier_handle.cancel()
            self._barrier_handle = None
        self._barrier_at = when
        if when < _INF:
            self._barrier_handle = self.clock.call_at(when, self._barrier)

    def _barrier(self) -> None:
        """The clock reached a client's next time: run the due clients, one after the other."""
        self._barrier_handle = None
        self._barrier_at = _INF
        clock = self.clock
        now = clock.now()
        upcoming = clock.next_time()
        if upcoming is not None and upcoming <= now:  # the server's own events go first
            self._set_barrier(now)
            return
        grant = encode_message(MessageType.GRANT, _F64.pack(now))
        self._in_barrier = True
        try:
            for conn in list(self._conns.values()):
                if not (conn.alive and conn.welcomed):
                    continue
                if not conn.granted:
                    if min(conn.reported, conn.due) > now:
                        continue
                    conn.granted = True
                    conn.due = conn.reported = _INF
                    conn.out += grant
                    self.stats.grants += 1
                    if not self._flush(conn):
                        continue
                self._serve(conn)
        finally:
            self._in_barrier = False
        self._reschedule()

    def _serve(self, conn: _Connection) -> None:
        """Answer a granted client's requests until it reports IDLE (or goes away)."""
        while conn.alive:
            self._process(conn)
            if not (conn.alive and conn.granted):
                return
            self._wait(conn)

    # ------------------------------------------------------------------ requests

    def _owned(self, conn: _Connection, node_id: int) -> int:
        if node_id not in conn.nodes:
            raise KeyError(f"node {node_id} is not one of this client's nodes")
        return node_id

    def _add_node(self, conn: _Connection, body: bytes) -> bytes:
        flags, x, y = _unpack(_ADD, body)
        if flags not in (0, 1):
            raise ProtocolError(f"ADD_NODE flags {flags!r}")
        position = (float(x), float(y)) if flags else None
        proxy = _RemoteReceiver(self, conn)
        node_id = self.medium.add_node(proxy, position=position)
        proxy.node_id = node_id
        conn.nodes.add(node_id)
        return _U32.pack(node_id)

    def _remove_node(self, conn: _Connection, body: bytes) -> bytes:
        node_id = self._owned(conn, _u32(body))
        self.medium.remove_node(node_id)
        conn.nodes.discard(node_id)
        return _EMPTY

    def _channel_clear(self, conn: _Connection, body: bytes) -> bytes:
        return _TRUE if self.medium.channel_clear(self._owned(conn, _u32(body))) else _FALSE

    def _transmitting(self, conn: _Connection, body: bytes) -> bytes:
        return _TRUE if self.medium.transmitting(self._owned(conn, _u32(body))) else _FALSE

    def _transmit(self, conn: _Connection, body: bytes) -> bytes:
        if len(body) < _U32.size:
            raise ProtocolError("TRANSMIT without a node id")
        node_id = self._owned(conn, _u32(body[: _U32.size]))
        return _F64.pack(self.medium.transmit(node_id, body[_U32.size :]))

    def _set_online(self, conn: _Connection, body: bytes) -> bytes:
        node_id, online = _unpack(_NODE_FLAG, body)
        flag = _flag(online)
        self.medium.set_online(self._owned(conn, node_id), flag)
        return _EMPTY

    def _link_ends(self, conn: _Connection, a: int, b: int) -> None:
        if a not in conn.nodes and b not in conn.nodes:
            raise KeyError(f"neither node {a} nor node {b} is one of this client's nodes")

    def _link(self, conn: _Connection, body: bytes) -> bytes:
        a, b, lqi, loss, flags, rssi = _unpack(_LINK, body)
        if flags & ~3:
            raise ProtocolError(f"LINK flags {flags!r}")
        self._link_ends(conn, a, b)
        self.medium.link(
            a,
            b,
            lqi=lqi,
            loss=loss,
            rssi=rssi if flags & 2 else None,
            symmetric=bool(flags & 1),
        )
        return _EMPTY

    def _unlink(self, conn: _Connection, body: bytes) -> bytes:
        a, b, symmetric = _unpack(_UNLINK, body)
        self._link_ends(conn, a, b)
        self.medium.unlink(a, b, symmetric=_flag(symmetric))
        return _EMPTY

    def _connect_by_distance(self, conn: _Connection, body: bytes) -> bytes:
        return _U32.pack(self.medium.connect_by_distance(_time(body)))


# ==================================================================================== client


class _LockstepClock(VirtualClock):
    """The client's clock: a VirtualClock that can also stand at a delivery's instant before
    running the events due then (deliveries come first, see the module docstring)."""

    __slots__ = ()

    def _advance(self, when: float) -> None:
        # Only called when no event is pending before `when`.
        self._now = max(self._now, when)


class RemoteMedium:
    """The medium of a :class:`MediumServer`, seen from another process.

    It offers what the MAC layer uses of :class:`~segateway.sim.medium.Medium` (``add_node``,
    ``channel_clear``, ``transmitting``, ``transmit``, ``set_listening``) and the topology calls
    (``set_online``, ``link``, ``unlink``, ``connect_by_distance``, ``remove_node``); build nodes
    with it and with :attr:`clock`, which follows the server's time. Nothing runs until
    :meth:`serve`; never run :attr:`clock` yourself. Medium calls are only valid from the set-up
    (before :meth:`serve`) and from the clock's callbacks. Not thread-safe.
    """

    airtime = staticmethod(airtime)

    def __init__(self, sock: socket.socket) -> None:
        """Wrap a connected socket and say HELLO (see :meth:`connect`)."""
        self._sock = sock
        self._decoder = MessageDecoder()
        self._receivers: dict[int, Receiver] = {}
        self._tx_end: dict[int, float] = {}
        self._inbox: list[tuple[float, int, int, int, bytes]] = []
        self._granted = False
        self._leaving = False
        self.round_trips = 0
        self.grants = 0
        self.deliveries = 0
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.sendall(encode_message(MessageType.HELLO, _HELLO.pack(MAGIC, VERSION)))
        message = self._read()  # within the socket's timeout, if it has one
        if message is None or message[0] != MessageType.WELCOME:
            raise ProtocolError("the server did not welcome us")
        sock.settimeout(None)  # from now on the server may legitimately keep us waiting
        self._clock = _LockstepClock(_time(message[1]))
        self._granted = True

    @classmethod
    def connect(cls, host: str, port: int, *, timeout: float = 10.0) -> RemoteMedium:
        """Connect to a medium server (``timeout`` bounds the connection set-up and HELLO)."""
        sock = socket.create_connection((host, port), timeout=timeout)
        try:
            return cls(sock)
        except BaseException:
            sock.close()
            raise

    @property
    def clock(self) -> VirtualClock:
        """This process's clock, in lockstep with the server's."""
        return self._clock

    # ------------------------------------------------------------------ the medium

    def add_node(self, receiver: Receiver, *, position: tuple[float, float] | None = None) -> int:
        """Attach a node on the server's medium; ``receiver.on_frame`` runs in this process."""
        if position is None:
            body = _ADD.pack(0, 0.0, 0.0)
        else:
            body = _ADD.pack(1, float(position[0]), float(position[1]))
        node_id = _u32(self._request(MessageType.ADD_NODE, body))
        self._receivers[node_id] = receiver
        return node_id

    def remove_node(self, node_id: int) -> None:
        self._request(MessageType.REMOVE_NODE, _U32.pack(node_id))
        self._receivers.pop(node_id, None)

    def channel_clear(self, node_id: int) -> bool:
        return self._request(MessageType.CHANNEL_CLEAR, _U32.pack(node_id)) == _TRUE

    def transmitting(self, node_id: int) -> bool:
        end = self._tx_end.get(node_id)
        if end is None or end <= self._clock.now():
            # Only our own transmit() puts this node on the air, and that frame has ended.
            self._check_granted()
            return False
        return self._request(MessageType.TRANSMITTING, _U32.pack(node_id)) == _TRUE

    def transmit(self, node_id: int, frame: bytes) -> float:
        if not 0 < len(frame) <= MAX_FRAME_BYTES:
            raise ValueError(f"an MPDU has 1 to {MAX_FRAME_BYTES} bytes, not {len(frame)}")
        end = _time(self._request(MessageType.TRANSMIT, _U32.pack(node_id) + bytes(frame)))
        self._tx_end[node_id] = end
        return end

    def set_online(self, node_id: int, online: bool) -> None:
        self._request(MessageType.SET_ONLINE, _NODE_FLAG.pack(node_id, 1 if online else 0))

    def set_listening(self, node_id: int, listening: bool) -> None:
        """Switch one of our nodes' receiver on or off (posted: no round trip)."""
        self._check_granted()
        if node_id not in self._receivers:
            raise KeyError(f"node {node_id!r} is not one of ours")
        body = _NODE_FLAG.pack(node_id, 1 if listening else 0)
        self._sock.sendall(encode_message(MessageType.SET_LISTENING, body))

    def link(
        self,
        a: int,
        b: int,
        *,
        lqi: int = 255,
        loss: float = 0.0,
        rssi: int | None = None,
        symmetric: bool = True,
    ) -> None:
        """As :meth:`Medium.link`; one of the two nodes must be ours."""
        if not (isinstance(lqi, int) and 0 <= lqi <= 255):
            raise ValueError(f"lqi must be an int 0–255, got {lqi!r}")
        if rssi is not None and not -32768 <= rssi <= 32767:
            raise ValueError(f"rssi out of range: {rssi!r}")
        flags = (1 if symmetric else 0) | (0 if rssi is None else 2)
        body = _LINK.pack(a, b, lqi, float(loss), flags, 0 if rssi is None else rssi)
        self._request(MessageType.LINK, body)

    def unlink(self, a: int, b: int, *, symmetric: bool = True) -> None:
        """As :meth:`Medium.unlink`; one of the two nodes must be ours."""
        self._request(MessageType.UNLINK, _UNLINK.pack(a, b, 1 if symmetric else 0))

    def connect_by_distance(self, range_m: float) -> int:
        """As :meth:`Medium.connect_by_distance` with the default LQI model."""
        return _u32(self._request(MessageType.CONNECT_BY_DISTANCE, _F64.pack(range_m)))

    # ------------------------------------------------------------------ lockstep

    def serve(self) -> None:
        """Follow the server's time: report idle, run each granted instant, until the server
        closes the connection or :meth:`leave` was called. A callback's exception propagates."""
        self._idle()
        while not self._leaving:
            message = self._read()
            if message is None:
                return  # the server ended the session
            kind, body = message
            if kind == MessageType.DELIVER:
                self._queue_delivery(body)
            elif kind == MessageType.GRANT:
                self._run_grant(_time(body))
                if not self._leaving:
                    self._idle()
            else:
                raise ProtocolError(f"unexpected message type {kind:#04x} while idle")

    def leave(self) -> None:
        """Disconnect once the current instant is done (our nodes leave the medium)."""
        self._leaving = True

    def close(self) -> None:
        self._granted = False
        self._sock.close()

    def _run_grant(self, until: float) -> None:
        clock = self._clock
        self._granted = True
        self.grants += 1
        inbox = self._inbox
        self._inbox = []
        for when, node_id, lqi, rssi, frame in inbox:
            upcoming = clock.next_time()
            while upcoming is not None and upcoming < when:  # only under run_realtime
                clock.step()
                upcoming = clock.next_time()
            clock._advance(when)
            receiver = self._receivers.get(node_id)
            if receiver is not None:
                self.deliveries += 1
                receiver.on_frame(frame, lqi, rssi)
        clock.run(until=max(until, clock.now()))

    def _queue_delivery(self, body: bytes) -> None:
        if len(body) <= _DELIVER.size:
            raise ProtocolError("DELIVER without a frame")
        node_id, when, lqi, rssi = _DELIVER.unpack_from(body)
        if math.isnan(when):
            raise ProtocolError("DELIVER time is not a number")
        self._inbox.append((when, node_id, lqi, rssi, body[_DELIVER.size :]))

    def _idle(self) -> None:
        upcoming = self._clock.next_time()
        self._granted = False
        body = _F64.pack(_INF if upcoming is None else upcoming)
        self._sock.sendall(encode_message(MessageType.IDLE, body))

    def _check_granted(self) -> None:
        if not self._granted:
            raise RuntimeError(
                "the remote medium is only usable from the set-up and the clock's callbacks"
            )

    def _request(self, kind: MessageType, body: bytes) -> bytes:
        self._check_granted()
        self._sock.sendall(encode_message(kind, body))
        self.round_trips += 1
        while True:
            message = self._read()
            if message is None:
                raise ConnectionError("the medium server closed the connection")
            reply_kind, reply = message
            if reply_kind != MessageType.DELIVER:
                break
            self._queue_delivery(reply)
        if reply_kind == MessageType.REPLY:
            return reply
        if reply_kind == MessageType.ERROR and reply:
            error = _ERROR_TYPE.get(reply[0], RuntimeError)
            raise error(reply[1:].decode(errors="replace"))
        raise ProtocolError(f"unexpected message type {reply_kind:#04x} instead of a reply")

    def _read(self) -> tuple[int, bytes] | None:
        """The next message from the server (blocking), None when it closed the connection."""
        decoder = self._decoder
        while True:
            message = decoder.next()
            if message is not None:
                return message
            data = self._sock.recv(_RECV_SIZE)
            if not data:
                if decoder.buffered:
                    raise ProtocolError("the connection ended inside a message")
                return None
            decoder.feed(data)


def run_client(
    host: str,
    port: int,
    setup: Callable[[RemoteMedium, VirtualClock], None],
    *,
    timeout: float = 10.0,
) -> None:
    """Connect to a medium server, let ``setup(medium, clock)`` build nodes, then follow the
    server's time until it closes the connection (or ``medium.leave()`` is called).

    This is how another program (the device simulator, a test's subprocess) runs nodes on the
    gateway's medium. ``setup`` runs at the server's current time; the nodes it builds on
    ``medium`` and ``clock`` (as ``Node(medium, clock, ...)``) then live on the server's medium.
    """
    medium = RemoteMedium.connect(host, port, timeout=timeout)
    try:
        setup(medium, medium.clock)
        medium.serve()
    finally:
        medium.close()

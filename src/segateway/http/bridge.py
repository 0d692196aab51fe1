"""The RPC API as the HTTP server serves it: XML envelopes, JSON requests and the live stream
bridged onto the (synchronous, callback-driven) dispatcher without blocking the asyncio loop.

The dispatcher, the SE application and the simulated network all run on the loop's thread (the
network's clock is driven by a task of the same loop), so a call is started directly from a
request handler; what the handler waits for is an :class:`asyncio.Future` that the dispatcher's
callback completes (:class:`~segateway.rpc.dispatch.SyncCall`). Nothing here sleeps or blocks.

* ``synchronous="TRUE"``: the reply carries the response when it comes within the registry's
  ``RPC_Manager.synchronous_request_timeout``; otherwise the response falls back to the queue
  (digi-se-rpc.md §2.3) and the reply carries nothing for that call. A client that goes away
  while waiting does not lose the response either: it is queued when it comes.
* Otherwise the call is asynchronous: its response is queued; a refused call (bad parameters,
  unknown method) is answered in the reply with its error, since nothing ran.
* ``do_command target="RPC_response"`` with ``get_responses`` drains the queue, oldest first.
* An SCI ``send_message`` runs once for this gateway's device id; other targets get a
  per-device error.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

from ..rpc.catalog import Completion
from ..rpc.dispatch import Dispatcher, SyncCall
from ..rpc.errors import RpcError
from ..rpc.json_codec import JsonRequest, decode_request, encode_error, encode_response
from ..rpc.responses import RpcResponse
from ..rpc.xml_codec import (
    RESPONSE_TARGET,
    CommandReply,
    Envelope,
    EnvelopeForm,
    ErrorResponse,
    GetResponses,
    InvalidCall,
    InvalidCommand,
    ReplyItem,
    RequestCommand,
    RequestNotRecognizedError,
    Response,
    RpcCall,
    RpcXmlError,
    parse_envelope,
    render_rci_reply,
    render_sci_reply,
    response_name,
    xml_error,
)

__all__ = ["DEFAULT_EVENT_BUFFER", "EventStream", "JsonReply", "RpcBridge", "device_id_of"]

log = logging.getLogger(__name__)

DEFAULT_EVENT_BUFFER: Final = 256
"""Responses held for one slow event-stream client before the oldest are dropped."""


def device_id_of(ieee: int) -> str:
    """The Device Cloud id of a gateway: ``00000000-00000000-XXXXXXFF-FFXXXXXX`` from the first
    three and last three bytes of its 64-bit IEEE address (digi-se-rpc.md §2.1 derives it from a
    6-byte MAC, which is those bytes)."""
    raw = ieee.to_bytes(8, "big").hex().upper()
    return f"00000000-00000000-{raw[0:6]}FF-FF{raw[10:16]}"


@dataclass(frozen=True, slots=True)
class JsonReply:
    """What ``POST /rpc`` answers: an HTTP status and a JSON document."""

    status: int
    document: dict[str, Any]


_HTTP_STATUS: Final = {1: 400, 2: 400, 3: 404, 4: 500}


class EventStream:
    """One client's view of the live responses: a bounded buffer filled by the response queue's
    subscription; when the client is slower than the gateway, the oldest are dropped and
    counted (``dropped``, reported with the next response read)."""

    def __init__(self, capacity: int) -> None:
        self._items: deque[RpcResponse] = deque()
        self._capacity = max(1, capacity)
        self._wakeup = asyncio.Event()
        self.dropped = 0
        self.unsubscribe: Callable[[], None] = lambda: None

    def push(self, response: RpcResponse) -> None:
        if len(self._items) >= self._capacity:
            self._items.popleft()
            self.dropped += 1
        self._items.append(response)
        self._wakeup.set()

    def take_dropped(self) -> int:
        dropped, self.dropped = self.dropped, 0
        return dropped

    async def get(self, wait: float | None = None) -> RpcResponse | None:
        """The next response, or None after ``wait`` seconds without one."""
        while not self._items:
            self._wakeup.clear()
            try:
                await asyncio.wait_for(self._wakeup.wait(), wait)
            except TimeoutError:
                return None
        return self._items.popleft()

    def close(self) -> None:
        self.unsubscribe()


class RpcBridge:
    """The dispatcher served over HTTP (module doc). ``device_id`` names this gateway in SCI
    targets (:func:`device_id_of`)."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        *,
        device_id: str | None = None,
        event_buffer: int = DEFAULT_EVENT_BUFFER,
    ) -> None:
        self.dispatcher = dispatcher
        self.gateway = dispatcher.gateway
        self.device_id = device_id or device_id_of(self.gateway.ieee)
        self.event_buffer = event_buffer
        self._streams: set[EventStream] = set()

    # --- XML ------------------------------------------------------------------------------------

    async def xml(self, body: bytes, *, sci_only: bool = False) -> tuple[int, str]:
        """Answer a request document: an ``rci_reply`` (or an ``sci_reply`` for an SCI request)
        and the HTTP status (200, or 400 when the document as a whole is unusable)."""
        try:
            envelope = parse_envelope(body, aliases=self.gateway.aliases)
        except RpcXmlError as error:
            return 400, render_rci_reply(error)
        if envelope.form is EnvelopeForm.SCI:
            return 200, await self._sci(envelope)
        if sci_only:
            return 400, render_rci_reply(RequestNotRecognizedError("this path takes sci_request"))
        return 200, render_rci_reply(await self.run_commands(envelope))

    async def _sci(self, envelope: Envelope) -> str:
        replies: dict[str, Sequence[CommandReply] | RpcXmlError] = {}
        ours: list[str] = []
        for device_id in envelope.device_ids:
            if device_id in replies:
                continue
            if device_id.strip().upper() == self.device_id:
                ours.append(device_id)
                replies[device_id] = ()  # placeholder keeps the targets' order
            else:
                replies[device_id] = RequestNotRecognizedError(
                    f"device {device_id} is not this gateway ({self.device_id})"
                )
        if ours:
            commands = await self.run_commands(envelope)  # once, however often it is named
            for device_id in ours:
                replies[device_id] = commands
        return render_sci_reply(replies)

    async def run_commands(self, envelope: Envelope) -> list[CommandReply]:
        """Run an envelope's RCI commands in order; one reply per command."""
        replies: list[CommandReply] = []
        for command in envelope.commands:
            if isinstance(command, InvalidCommand):
                replies.append(
                    CommandReply(command.target, error=command.error, command=command.command)
                )
            elif isinstance(command, GetResponses):
                taken, remaining = self.gateway.responses.get_responses(command.limit)
                replies.append(
                    CommandReply(
                        RESPONSE_TARGET,
                        [self._xml_item(r) for r in taken],
                        remaining=remaining,
                        timestamp=self._now(),
                    )
                )
            else:
                replies.append(await self._request_command(command))
        return replies

    async def _request_command(self, command: RequestCommand) -> CommandReply:
        items: list[ReplyItem] = []
        for call in command.calls:  # in document order, each finished before the next
            item = await self._xml_call(call)
            if item is not None:
                items.append(item)
        return CommandReply(command.target, items, timestamp=self._now())

    async def _xml_call(self, call: RpcCall | InvalidCall) -> ReplyItem | None:
        if isinstance(call, InvalidCall):
            return ErrorResponse(response_name(call.name), call.error, self._now())
        try:
            response = await self.call(
                call.name,
                call.params,
                request_identifier=call.request_identifier,
                synchronous=bool(call.synchronous),
            )
        except RpcError as error:
            return ErrorResponse(response_name(call.name), xml_error(error), self._now())
        return None if response is None else self._xml_item(response)

    def _xml_item(self, response: RpcResponse) -> ReplyItem:
        stamp = response.timestamp if response.timestamp is not None else self._now()
        if response.error is not None:
            return ErrorResponse(response.name, xml_error(response.error), stamp)
        return Response(response.name, response.params, stamp)

    def _now(self) -> float:
        return self.gateway.utc_1970_exact()

    # --- calls ------------------------------------------------------------------------------------

    async def call(
        self,
        name: str,
        params: dict[str, Any],
        *,
        request_identifier: Any = None,
        synchronous: bool,
    ) -> RpcResponse | None:
        """Run one request: its response when synchronous and answered in time, else None (the
        response is, or will be, queued). Raises :class:`RpcError` when refused."""
        if not synchronous:
            self.dispatcher.call_async(name, params, request_identifier=request_identifier)
            return None
        sync = self.dispatcher.call_sync(name, params, request_identifier=request_identifier)
        if not sync.done and self.dispatcher.catalog.request(name).completion is Completion.none:
            return None  # answers nothing (exit)
        await self._settled(sync)
        return sync.response

    async def _settled(self, sync: SyncCall) -> None:
        if sync.done:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def done(_sync: SyncCall) -> None:
            if not future.done():
                future.set_result(None)

        sync.add_done_callback(done)
        try:
            await future
        except asyncio.CancelledError:
            # the client went away: a response that comes in time goes to the queue instead
            def keep(settled: SyncCall) -> None:
                if settled.response is not None:
                    self.gateway.responses.put(settled.response)

            sync.add_done_callback(keep)
            raise

    # --- JSON -------------------------------------------------------------------------------------

    async def json(self, body: bytes) -> JsonReply:
        """``POST /rpc``: synchronous unless ``"synchronous": false``; 202 when the response is
        queued (asynchronous, or not answered within the synchronous timeout)."""
        try:
            request: JsonRequest = decode_request(body)
            response = await self.call(
                request.method,
                request.params,
                request_identifier=request.request_identifier,
                synchronous=request.synchronous is not False,
            )
        except RpcError as error:
            return JsonReply(_HTTP_STATUS.get(error.code, 500), encode_error(error))
        if response is None:
            queued: dict[str, Any] = {"queued": True}
            if request.request_identifier is not None:
                queued["request_identifier"] = request.request_identifier
            return JsonReply(202, queued)
        if response.timestamp is None:
            response = replace(response, timestamp=self._now())
        return JsonReply(200, encode_response(response))

    # --- the live stream ------------------------------------------------------------------------

    def subscribe(self) -> EventStream:
        stream = EventStream(self.event_buffer)
        unsubscribe = self.gateway.responses.subscribe(stream.push)

        def close() -> None:
            unsubscribe()
            self._streams.discard(stream)

        stream.unsubscribe = close
        self._streams.add(stream)
        return stream

    @property
    def stream_count(self) -> int:
        return len(self._streams)

    async def events(
        self,
        *,
        count: int | None = None,
        keepalive: float = 15.0,
        stream: EventStream | None = None,
    ) -> AsyncIterator[tuple[str, dict[str, Any]] | None]:
        """Live responses as ``(name, JSON document)``; None every ``keepalive`` seconds without
        one; ``("dropped", {"dropped": n})`` when this client fell behind. Ends after ``count``
        responses when given. ``stream``: a subscription made beforehand (closed here)."""
        if stream is None:
            stream = self.subscribe()
        sent = 0
        try:
            while count is None or sent < count:
                response = await stream.get(keepalive)
                if response is None:
                    yield None
                    continue
                dropped = stream.take_dropped()
                if dropped:
                    yield "dropped", {"dropped": dropped}
                yield response.name, encode_response(response)
                sent += 1
        finally:
            stream.close()

"""The local HTTP server: the RPC API (XML and JSON), the event stream, token authentication."""

from .app import XML_MEDIA_TYPE, create_app
from .auth import TOKEN_FILE, authorized, load_or_create_token
from .bridge import DEFAULT_EVENT_BUFFER, EventStream, JsonReply, RpcBridge, device_id_of

__all__ = [
    "DEFAULT_EVENT_BUFFER",
    "TOKEN_FILE",
    "XML_MEDIA_TYPE",
    "EventStream",
    "JsonReply",
    "RpcBridge",
    "authorized",
    "create_app",
    "device_id_of",
    "load_or_create_token",
]

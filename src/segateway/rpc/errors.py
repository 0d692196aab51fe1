"""The errors of the RPC API: what the dispatcher refuses, typed, for the codecs to render.

Every error carries ``code``, the RCI error descriptor id of the X2e (digi-se-rpc.md §2.1: 1
"Request not valid XML", 2 "Request not recognized", 3 "Unknown command", 4 "Internal error"), so
the XML codec renders it as ``<error id="code">`` and the JSON codec as ``{"error": {"code": …}}``
without a table of its own; ``reason`` names the kind of error for programs, ``message`` says what
exactly was wrong. These errors are raised *before* a request changes anything; what goes wrong
on the network afterwards is reported in the response itself (a ZCL or ZDO ``status``).
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "InvalidParamsError",
    "InvalidRequestError",
    "NotAvailableError",
    "RpcError",
    "RpcInternalError",
    "UnknownMethodError",
]


class RpcError(Exception):
    """A request the gateway refuses: ``code`` (RCI error id), ``reason`` and ``message``."""

    code: ClassVar[int] = 4
    reason: ClassVar[str] = "internal_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_json(self) -> dict[str, object]:
        return {"code": self.code, "reason": self.reason, "message": self.message}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class InvalidRequestError(RpcError):
    """Id 1: the request document cannot be read (not JSON, not a request object, too large)."""

    code = 1
    reason = "invalid_request"


class InvalidParamsError(RpcError):
    """Id 2: a parameter is missing, unknown, of the wrong type or out of range."""

    code = 2
    reason = "invalid_params"


class UnknownMethodError(RpcError):
    """Id 3: no request of that name."""

    code = 3
    reason = "unknown_method"


class NotAvailableError(RpcError):
    """Id 3: the request exists but this gateway's configuration cannot serve it (an IPD has no
    DRLC server, only the trust center keeps link keys, ``exit`` not enabled …)."""

    code = 3
    reason = "not_available"


class RpcInternalError(RpcError):
    """Id 4: the gateway failed while serving a valid request."""

    code = 4
    reason = "internal_error"

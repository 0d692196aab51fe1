"""Token authentication of the local HTTP API.

A token is generated at the gateway's first start (:func:`load_or_create_token`) and kept in the
data directory, readable by its owner only (mode 0600). A client presents it as a Bearer token
(``Authorization: Bearer TOKEN``) or as the password of HTTP Basic authentication with any user
name, which is what Device Cloud clients send.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
import secrets
from pathlib import Path
from typing import Final

__all__ = ["TOKEN_FILE", "authorized", "load_or_create_token"]

TOKEN_FILE: Final = "token"  # noqa: S105 - the file name, not a token
_TOKEN_BYTES: Final = 32


def load_or_create_token(data_dir: Path) -> tuple[str, bool]:
    """The token of the gateway whose data lives in ``data_dir``, and whether it was created
    now. The file is created with mode 0600 (never readable by others, even briefly)."""
    path = data_dir / TOKEN_FILE
    try:
        token = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        token = ""
    if token:
        return token, False
    data_dir.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(_TOKEN_BYTES)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(token + "\n")
    path.chmod(0o600)
    return token, True


def authorized(header: str | None, token: str) -> bool:
    """Whether an ``Authorization`` header value carries ``token`` (Bearer, or Basic with the
    token as password); compared in constant time."""
    if not header:
        return False
    scheme, _, credentials = header.strip().partition(" ")
    credentials = credentials.strip()
    if scheme.lower() == "bearer":
        given = credentials
    elif scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        _user, sep, given = decoded.partition(":")
        if not sep:
            return False
    else:
        return False
    return hmac.compare_digest(given.encode(), token.encode())

"""Persistence: the gateway's durable state (SQLite by default)."""

from .sqlite import (
    COMMIT_DELAY,
    COMMIT_WRITES,
    SCHEMA_VERSION,
    Deferred,
    Delivery,
    Store,
    StoredEvent,
)

__all__ = [
    "COMMIT_DELAY",
    "COMMIT_WRITES",
    "SCHEMA_VERSION",
    "Deferred",
    "Delivery",
    "Store",
    "StoredEvent",
]

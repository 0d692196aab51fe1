"""Persistence: the gateway's durable state (SQLite by default)."""

from .sqlite import SCHEMA_VERSION, Delivery, Store, StoredEvent

__all__ = ["SCHEMA_VERSION", "Delivery", "Store", "StoredEvent"]

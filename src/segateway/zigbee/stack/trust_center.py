"""Trust-center policy: who may join, with which key, and what removal means.

The trust center (the coordinator) keeps one pre-configured link key per admitted device — from an
install code, a key given by the user, or, in open mode, the well-known global key — and the
network key it hands out encrypted under that link key (APS Transport Key).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ...radio import JoinPolicy
from ..install_code import InstallCode

__all__ = ["GLOBAL_LINK_KEY", "LinkKeyTable", "TrustCenterPolicy"]

GLOBAL_LINK_KEY = b"ZigBeeAlliance09"
"""The well-known default TC link key (used only in open mode)."""


@dataclass
class LinkKeyTable:
    """IEEE address → pre-configured TC link key, with a hook that persists every change."""

    keys: dict[int, bytes] = field(default_factory=dict)
    on_change: Callable[[int, bytes | None], None] | None = None

    def set(self, ieee: int, key: bytes) -> None:
        if len(key) != 16:
            msg = f"a link key has 16 bytes, not {len(key)}"
            raise ValueError(msg)
        self.keys[ieee] = bytes(key)
        if self.on_change is not None:
            self.on_change(ieee, self.keys[ieee])

    def set_install_code(self, ieee: int, code: bytes) -> bytes:
        """Register a device by install code (with its CRC); returns the derived link key."""
        parsed = InstallCode.parse(code.hex())
        self.set(ieee, parsed.link_key)
        return parsed.link_key

    def remove(self, ieee: int) -> bool:
        found = self.keys.pop(ieee, None) is not None
        if found and self.on_change is not None:
            self.on_change(ieee, None)
        return found

    def get(self, ieee: int) -> bytes | None:
        return self.keys.get(ieee)

    def __contains__(self, ieee: object) -> bool:
        return ieee in self.keys

    def __iter__(self) -> Iterator[int]:
        return iter(self.keys)

    def __len__(self) -> int:
        return len(self.keys)


@dataclass
class TrustCenterPolicy:
    """Decides whether a joining device gets the network key, and under which link key.

    A removed device stays refused — in open mode too — until it is registered again.
    """

    policy: JoinPolicy = JoinPolicy.explicit
    link_keys: LinkKeyTable = field(default_factory=LinkKeyTable)
    removed: set[int] = field(default_factory=set)

    def key_for_join(self, ieee: int) -> bytes | None:
        """The link key to transport the network key under, or None to refuse the device.

        Explicit mode admits only registered devices; open mode admits anyone, registered
        devices with their own key and the rest with the global key.
        """
        if ieee in self.removed:
            return None
        key = self.link_keys.get(ieee)
        if key is not None:
            return key
        if self.policy is JoinPolicy.open:
            return GLOBAL_LINK_KEY
        return None

    def register(self, ieee: int, key: bytes) -> None:
        """Admit a device with its link key (re-admits a removed one)."""
        self.link_keys.set(ieee, key)
        self.removed.discard(ieee)

    def remove(self, ieee: int) -> None:
        """Forget the device's key and refuse it until it is registered again."""
        self.link_keys.remove(ieee)
        self.removed.add(ieee)

    def link_key(self, ieee: int) -> bytes | None:
        """The TC link key shared with an admitted device (for APS security)."""
        if ieee in self.removed:
            return None
        key = self.link_keys.get(ieee)
        if key is None and self.policy is JoinPolicy.open:
            return GLOBAL_LINK_KEY
        return key

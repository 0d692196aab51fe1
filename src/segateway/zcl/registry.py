"""The clusters segateway defines, listed explicitly (no registration by import side effect)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .cluster import Cluster
from .clusters.basic import Basic
from .clusters.drlc import Drlc
from .clusters.identify import Identify
from .clusters.key_establishment import KeyEstablishment
from .clusters.messaging import Messaging
from .clusters.metering import Metering
from .clusters.prepayment import Prepayment
from .clusters.price import Price
from .clusters.time import Time
from .clusters.tunneling import Tunneling

__all__ = ["CLUSTERS", "get_cluster"]

_ALL: tuple[type[Cluster], ...] = (
    Basic,
    Identify,
    Time,
    Price,
    Drlc,
    Metering,
    Messaging,
    Tunneling,
    Prepayment,
    KeyEstablishment,
)

CLUSTERS: Mapping[int, type[Cluster]] = MappingProxyType({c.id: c for c in _ALL})
"""Cluster classes by cluster id."""


def get_cluster(cluster_id: int) -> type[Cluster] | None:
    """The definition of ``cluster_id``, or None when segateway does not define it."""
    return CLUSTERS.get(cluster_id)

"""Every cluster, command and attribute the reference requires is declared — listed explicitly.

The ids below are written out from se-spec.md §2 (not generated from our tables), so a missing
or renumbered declaration fails here. Field counts catch empty or placeholder schemas.
"""

from __future__ import annotations

import pytest

from segateway.zcl.cluster import Cluster, Side
from segateway.zcl.foundation import FOUNDATION
from segateway.zcl.header import Direction
from segateway.zcl.registry import CLUSTERS

C2S = Direction.client_to_server
S2C = Direction.server_to_client


def _span(first: int, last: int) -> set[int]:
    return set(range(first, last + 1))


SERVER_ATTRIBUTES: dict[int, set[int]] = {
    0x0000: _span(0x0000, 0x0007) | _span(0x0010, 0x0014) | {0x4000},
    0x0003: {0x0000},
    0x000A: _span(0x0000, 0x0009),
    0x0700: (
        _span(0x0000, 0x000E)  # Tier1..15PriceLabel
        | _span(0x0100, 0x010E)  # Block1..15Threshold
        | _span(0x0200, 0x0203)
        | _span(0x0300, 0x0306)
        | _span(0x0400, 0x040F)  # NoTierBlock1..16Price
        | {0x0400 + 16 * t + (b - 1) for t in range(1, 16) for b in range(1, 17)}
        | {0x0700, 0x0701}
        | {0xFFFE}
    ),
    0x0702: (
        _span(0x0000, 0x001C)
        | _span(0x0100, 0x011D)  # tiers 1–15 delivered/received
        | _span(0x0200, 0x0203)
        | _span(0x0300, 0x030D)
        | _span(0x0400, 0x0416)
        | {0x0500}
        | _span(0x0600, 0x0603)
        | _span(0x0700, 0x070F)
        | {0x0710 + 16 * (t - 1) + (b - 1) for t in range(1, 16) for b in range(1, 17)}
        | _span(0x0800, 0x0805)
        | {0xFFFE}
    ),
    0x0800: {0x0000},
    0x0704: {0x0000},
}
CLIENT_ATTRIBUTES: dict[int, set[int]] = {
    0x0700: {0x0000, 0x0001, 0x0002},
    0x0701: {0x0000, 0x0001, 0x0002, 0x0003},
    0x0800: {0x0000},
}
COMMANDS: dict[int, dict[Direction, set[int]]] = {
    0x0000: {C2S: {0x00}, S2C: set()},
    0x0003: {C2S: {0x00, 0x01}, S2C: {0x00}},
    0x000A: {C2S: set(), S2C: set()},
    0x0700: {C2S: _span(0x00, 0x05), S2C: _span(0x00, 0x03)},
    0x0701: {C2S: {0x00, 0x01}, S2C: {0x00, 0x01, 0x02}},
    0x0702: {C2S: _span(0x00, 0x03), S2C: _span(0x00, 0x03)},
    0x0703: {C2S: {0x00, 0x01}, S2C: {0x00, 0x01}},
    0x0704: {C2S: _span(0x00, 0x06), S2C: _span(0x00, 0x06)},
    0x0705: {C2S: {0x00}, S2C: set()},
    0x0800: {C2S: _span(0x00, 0x03), S2C: _span(0x00, 0x03)},
}
# (cluster, direction, command id) → number of fields (optional trailing fields included)
FIELD_COUNTS: dict[tuple[int, Direction, int], int] = {
    (0x0700, S2C, 0x00): 24,  # Publish Price, fields 1–24
    (0x0700, S2C, 0x01): 9,  # Publish Block Period, 1.1 and 1.2 layouts
    (0x0700, S2C, 0x02): 4,
    (0x0700, S2C, 0x03): 5,
    (0x0700, C2S, 0x00): 1,
    (0x0700, C2S, 0x01): 2,
    (0x0700, C2S, 0x02): 4,
    (0x0700, C2S, 0x03): 3,
    (0x0700, C2S, 0x04): 3,
    (0x0700, C2S, 0x05): 3,
    (0x0701, S2C, 0x00): 13,
    (0x0701, S2C, 0x01): 5,
    (0x0701, S2C, 0x02): 1,
    (0x0701, C2S, 0x00): 11,
    (0x0701, C2S, 0x01): 3,
    (0x0702, C2S, 0x00): 3,
    (0x0702, C2S, 0x01): 1,
    (0x0702, C2S, 0x02): 1,
    (0x0702, C2S, 0x03): 2,
    (0x0702, S2C, 0x00): 5,
    (0x0702, S2C, 0x01): 0,
    (0x0702, S2C, 0x02): 0,
    (0x0702, S2C, 0x03): 2,
    (0x0703, S2C, 0x00): 6,  # 5 + Extended Message Control (1.2a)
    (0x0703, S2C, 0x01): 2,
    (0x0703, C2S, 0x00): 0,
    (0x0703, C2S, 0x01): 4,  # 2 + 1.2a control and response
    (0x0800, C2S, 0x01): 1,
    (0x0800, C2S, 0x02): 1,
    (0x0800, C2S, 0x03): 3,
    (0x0800, S2C, 0x03): 3,
}


def test_every_cluster_is_registered() -> None:
    assert set(CLUSTERS) >= {0x0000, 0x0003, 0x000A, 0x0700, 0x0701, 0x0702, 0x0703, 0x0704,
                             0x0705, 0x0800}  # fmt: skip
    for cluster_id, cluster in CLUSTERS.items():
        assert cluster.id == cluster_id
        assert cluster.name.isidentifier()


@pytest.mark.parametrize("cluster_id", sorted(SERVER_ATTRIBUTES))
def test_server_attributes(cluster_id: int) -> None:
    declared = set(CLUSTERS[cluster_id].attributes_by_side[Side.server])
    missing = SERVER_ATTRIBUTES[cluster_id] - declared
    assert not missing, sorted(hex(a) for a in missing)


@pytest.mark.parametrize("cluster_id", sorted(CLIENT_ATTRIBUTES))
def test_client_attributes(cluster_id: int) -> None:
    declared = set(CLUSTERS[cluster_id].attributes_by_side[Side.client])
    missing = CLIENT_ATTRIBUTES[cluster_id] - declared
    assert not missing, sorted(hex(a) for a in missing)


@pytest.mark.parametrize("cluster_id", sorted(COMMANDS))
def test_commands(cluster_id: int) -> None:
    cluster = CLUSTERS[cluster_id]
    for direction, ids in COMMANDS[cluster_id].items():
        declared = set(cluster.by_direction[direction])
        missing = ids - declared
        assert not missing, (direction.name, sorted(hex(i) for i in missing))


@pytest.mark.parametrize(
    "key", sorted(FIELD_COUNTS), ids=lambda k: f"{k[0]:04x}-{k[1].name}-{k[2]}"
)
def test_field_counts(key: tuple[int, Direction, int]) -> None:
    cluster_id, direction, command_id = key
    cmd = CLUSTERS[cluster_id].command(direction, command_id)
    assert cmd is not None
    assert len(cmd.fields) == FIELD_COUNTS[key], cmd.schema.field_names


def test_foundation_commands() -> None:
    required = _span(0x00, 0x0D)
    assert required <= set(FOUNDATION)
    for command_id in required:
        assert FOUNDATION[command_id].fields, f"empty schema for 0x{command_id:02X}"


def _clusters() -> list[type[Cluster]]:
    return list(CLUSTERS.values())


@pytest.mark.parametrize("cluster", _clusters(), ids=lambda c: c.name)
def test_declarations_are_well_formed(cluster: type[Cluster]) -> None:
    names: set[str] = set()
    for side in Side:
        for attribute_id, attr in cluster.attributes_by_side[side].items():
            assert attr.id == attribute_id
            assert 0 <= attribute_id <= 0xFFFF
            assert attr.name.isidentifier()
            assert attr.name == attr.name.lower()
            assert attr.wire.type_id is not None, attr.name  # every attribute has a ZCL type
            names.add(f"{side.name}.{attr.name}")
    for direction in Direction:
        for command_id, cmd in cluster.by_direction[direction].items():
            assert cmd.id == command_id
            assert cmd.direction is direction
            assert cmd.cluster_id == cluster.id
            assert cmd.name == cmd.name.lower()
            if cmd.response is not None:  # the response it names exists, the other way round
                other = Direction(1 - direction)
                assert any(c.name == cmd.response for c in cluster.by_direction[other].values()), (
                    cmd.name,
                    cmd.response,
                )
    # distinct names per side
    assert len(names) == sum(len(cluster.attributes_by_side[s]) for s in Side)


def test_duplicate_ids_are_refused_when_a_cluster_is_declared() -> None:
    from segateway.zcl import types as t  # noqa: PLC0415
    from segateway.zcl.cluster import Attribute, Command  # noqa: PLC0415

    with pytest.raises(TypeError, match="duplicate client_to_server command id 0x00"):

        class TwoCommands(Cluster):
            id = 0xFC00
            name = "two_commands"
            client_to_server = (Command(0x00, "a"), Command(0x00, "b"))

    with pytest.raises(TypeError, match="duplicate server attribute 0x0001"):

        class TwoAttributes(Cluster):
            id = 0xFC01
            name = "two_attributes"
            server_attributes = (Attribute(1, "a", t.uint8), Attribute(1, "b", t.uint8))

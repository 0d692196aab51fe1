"""Declarative cluster definitions: attributes and commands as tables.

A cluster is a class with its id and four tables — ``server_attributes``, ``client_attributes``,
``client_to_server`` (commands the server receives) and ``server_to_client`` (commands the server
generates). Subclassing compiles the tables into lookups; nothing is registered globally (the
registry in ``segateway.zcl.registry`` lists the clusters explicitly).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar

from .header import Direction
from .schema import Field, Schema
from .types import WireType, wire_type_of

__all__ = ["Access", "Attribute", "Cluster", "Command", "Side"]


class Side(enum.Enum):
    """Which side of a cluster owns an attribute."""

    server = "server"
    client = "client"


class Access(enum.Flag):
    """Attribute access: readable, writable, reportable."""

    read = enum.auto()
    write = enum.auto()
    report = enum.auto()


R = Access.read
RW = Access.read | Access.write
RP = Access.read | Access.report
RWP = Access.read | Access.write | Access.report


@dataclass(frozen=True, slots=True)
class Attribute:
    """One attribute: id, snake_case name, type (wire or named), access, M/O, default, version."""

    id: int
    name: str
    type: Any
    access: Access = R
    mandatory: bool = False
    default: Any = None
    since: str = "1.0"
    note: str = ""
    range: tuple[int, int] | None = None

    @property
    def wire(self) -> WireType:
        return wire_type_of(self.type)

    @property
    def named(self) -> type | None:
        if isinstance(self.type, type) and hasattr(self.type, "_zcl_coerce"):
            return self.type
        return None

    @property
    def writable(self) -> bool:
        return Access.write in self.access


class Command:
    """One command: id, snake_case name and the payload schema.

    ``direction`` and ``cluster_id`` are filled in when the cluster class is created. ``response``
    names the command that answers it, when there is one. ``attributes_of`` ("sender" or
    "receiver") says whose attributes a foundation command's records name, so that their values
    can be given the attribute's named type.
    """

    __slots__ = (
        "attributes_of",
        "cluster_id",
        "decode",
        "direction",
        "encode",
        "encode_into",
        "id",
        "name",
        "note",
        "response",
        "schema",
        "since",
    )

    def __init__(
        self,
        id: int,
        name: str,
        fields: Iterable[Field] = (),
        *,
        since: str = "1.0",
        note: str = "",
        response: str | None = None,
        attributes_of: str | None = None,
    ) -> None:
        self.id = id
        self.attributes_of = attributes_of
        self.name = name
        self.since = since
        self.note = note
        self.response = response
        self.schema = Schema(name, fields, doc=note)
        # the compiled functions themselves, not wrappers: these sit on the hot path
        self.decode: Callable[..., tuple[Any, int]] = self.schema.decode
        """``decode(buf, offset=0, ctx=None) -> (payload, offset)``"""
        self.encode: Callable[[Any], bytes] = self.schema.encode
        """``encode(payload) -> bytes`` from a record, dict or sequence."""
        self.encode_into: Callable[[Any, list[bytes]], None] = self.schema.encode_into
        """``encode_into(payload, parts)``: appends the payload's bytes to ``parts``; raises
        what the parts raise (``encode`` is the checked entry point)."""
        self.direction: Direction | None = None
        self.cluster_id: int | None = None

    def __repr__(self) -> str:
        where = "" if self.cluster_id is None else f" cluster 0x{self.cluster_id:04X}"
        way = "" if self.direction is None else f" {self.direction.name}"
        return f"<Command 0x{self.id:02X} {self.name}{where}{way}>"

    @property
    def fields(self) -> tuple[Field, ...]:
        return self.schema.fields

    def make(self, value: Any = None, context: Any = None, /, **kwargs: Any) -> Any:
        """A payload record from a dict, a sequence or keyword arguments."""
        return self.schema.make(value, context, **kwargs)

    def bind(self, cluster_id: int, direction: Direction) -> None:
        if self.cluster_id is not None:
            msg = f"{self!r} already belongs to a cluster"
            raise TypeError(msg)
        self.cluster_id = cluster_id
        self.direction = direction


class _Table:
    """Name → item lookup shown as attributes: ``Price.commands.publish_price``."""

    def __init__(self, items: Mapping[str, Any]) -> None:
        self._items = dict(items)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._items[name]
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, name: str) -> Any:
        return self._items[name]

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Any:
        return iter(self._items.values())

    def __len__(self) -> int:
        return len(self._items)


def _unique_names(entries: Iterable[tuple[str, str, Any]]) -> dict[str, Any]:
    """Name → item; a name used on both sides (or both ways) gets the side as a suffix on each."""
    items = list(entries)
    counts: dict[str, int] = {}
    for name, _, _ in items:
        counts[name] = counts.get(name, 0) + 1
    return {(name if counts[name] == 1 else f"{name}_{where}"): item for name, where, item in items}


class Cluster:
    """Base of every cluster definition."""

    id: ClassVar[int]
    name: ClassVar[str]
    label: ClassVar[str] = ""
    server_attributes: ClassVar[tuple[Attribute, ...]] = ()
    client_attributes: ClassVar[tuple[Attribute, ...]] = ()
    client_to_server: ClassVar[tuple[Command, ...]] = ()
    server_to_client: ClassVar[tuple[Command, ...]] = ()

    # compiled by __init_subclass__
    by_direction: ClassVar[tuple[Mapping[int, Command], Mapping[int, Command]]]
    attributes_by_side: ClassVar[Mapping[Side, Mapping[int, Attribute]]]
    contexts: ClassVar[Mapping[Side, Mapping[int, tuple[int, Callable[[Any], Any]]]]]
    commands: ClassVar[_Table]
    attributes: ClassVar[_Table]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        maps: list[dict[int, Command]] = [{}, {}]
        for direction, declared in (
            (Direction.client_to_server, cls.client_to_server),
            (Direction.server_to_client, cls.server_to_client),
        ):
            for cmd in declared:
                if cmd.id in maps[direction]:
                    msg = f"{cls.__name__}: duplicate {direction.name} command id 0x{cmd.id:02X}"
                    raise TypeError(msg)
                cmd.bind(cls.id, direction)
                maps[direction][cmd.id] = cmd
        cls.by_direction = (MappingProxyType(maps[0]), MappingProxyType(maps[1]))
        cls.commands = _Table(
            _unique_names(
                (c.name, direction.name, c)
                for direction in Direction
                for c in maps[direction].values()
            )
        )

        by_side: dict[Side, dict[int, Attribute]] = {}
        contexts: dict[Side, dict[int, tuple[int, Callable[[Any], Any]]]] = {}
        for side, attrs in (
            (Side.server, cls.server_attributes),
            (Side.client, cls.client_attributes),
        ):
            table: dict[int, Attribute] = {}
            ctx: dict[int, tuple[int, Callable[[Any], Any]]] = {}
            for attr in attrs:
                if attr.id in table:
                    msg = f"{cls.__name__}: duplicate {side.name} attribute 0x{attr.id:04X}"
                    raise TypeError(msg)
                table[attr.id] = attr
                wire = attr.wire  # raises for a non-type
                named = attr.named
                if named is not None and wire.type_id is not None:
                    ctx[attr.id] = (wire.type_id, named)
            by_side[side] = table
            contexts[side] = ctx
        cls.attributes_by_side = MappingProxyType(
            {k: MappingProxyType(v) for k, v in by_side.items()}
        )
        cls.contexts = MappingProxyType({k: MappingProxyType(v) for k, v in contexts.items()})
        cls.attributes = _Table(
            _unique_names((a.name, side.name, a) for side in Side for a in by_side[side].values())
        )

    @classmethod
    def command(cls, direction: Direction | int, command_id: int) -> Command | None:
        """The command ``command_id`` travelling in ``direction``, if this cluster defines it."""
        return cls.by_direction[int(direction)].get(command_id)

    @classmethod
    def find_command(cls, name: str, direction: Direction | int | None = None) -> Command:
        """A command by name; ``direction`` resolves names used both ways."""
        found = [
            c
            for table in cls.by_direction
            for c in table.values()
            if c.name == name and (direction is None or c.direction == int(direction))
        ]
        if not found:
            msg = f"{cls.__name__} has no command {name!r}"
            raise KeyError(msg)
        if len(found) > 1:
            msg = f"{cls.__name__}.{name} exists in both directions; give the direction"
            raise KeyError(msg)
        return found[0]

    @classmethod
    def attribute(cls, side: Side, attribute_id: int) -> Attribute | None:
        """The attribute ``attribute_id`` on ``side``."""
        return cls.attributes_by_side[side].get(attribute_id)

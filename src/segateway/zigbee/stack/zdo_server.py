"""The ZDO server of a node (endpoint 0): answers discovery and management requests, announces
the node, and relays permit-joining.

Requests arrive as APS frames on profile 0, endpoint 0; answers go back to the requester with the
request's transaction sequence number. Requests for other addresses (NWK_addr_req broadcasts)
are answered only by the node they name (or its parent, for sleeping children).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ...zcl.errors import EncodeError
from .. import zdo
from ..errors import FrameError
from .tables import DeviceType, Relationship

if TYPE_CHECKING:
    from .aps_layer import ApsIndication
    from .node import Node

__all__ = ["ZdoServer"]

_C = zdo.ZdoCluster
_S = zdo.ZdoStatus
_NODE_TYPES = {"coordinator": 0, "router": 1, "end_device": 2}
MAX_LQI_RECORDS = 2  # 22-octet records: what fits an unfragmented response


class ZdoServer:
    """Answers ZDP requests addressed to a node."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self._tsn = node.ctx.rng.randrange(256)
        self.bindings: list[dict[str, Any]] = []

    def next_tsn(self) -> int:
        self._tsn = (self._tsn + 1) & 0xFF
        return self._tsn

    # --- sending ---------------------------------------------------------------------------------

    def send(self, dst: int, cluster: int, tsn: int, record: dict[str, Any]) -> None:
        from ...radio import ApsPacket, DstMode  # noqa: PLC0415 - avoids an import cycle

        payload = zdo.encode_zdo(cluster, tsn, record)
        mode = DstMode.broadcast if dst >= 0xFFF8 else DstMode.unicast
        packet = ApsPacket(zdo.PROFILE_ID, cluster, 0, 0, payload, dst=dst, dst_mode=mode)
        self.node.send(packet, aps_ack=False)

    def announce(self) -> None:
        """Device_annce to every rx-on-when-idle device (after joining or rejoining)."""
        ctx = self.node.ctx
        capability = self.node.capability().to_byte()
        record = {"nwk_addr": ctx.nwk, "ieee_addr": ctx.ieee, "capability": capability}
        self.send(0xFFFD, _C.DEVICE_ANNCE, self.next_tsn(), record)

    def broadcast_permit_joining(self, seconds: int) -> None:
        record = {"permit_duration": min(max(seconds, 0), 0xFF), "tc_significance": 1}
        self.send(0xFFFC, _C.MGMT_PERMIT_JOINING_REQ, self.next_tsn(), record)

    # --- receiving -------------------------------------------------------------------------------

    def on_frame(self, ind: ApsIndication) -> None:
        cluster = ind.header.cluster or 0
        handler = _HANDLERS.get(cluster)
        if handler is None:
            return
        try:
            frame = zdo.decode_zdo(cluster, ind.payload)
        except FrameError:
            return
        if frame.command is None:
            return
        try:
            handler(self, frame, ind)
        except (EncodeError, FrameError) as exc:  # a request we cannot answer well-formed
            self.node.ctx.log(f"ZDO {frame.name}: {exc}")

    def _reply(self, ind: ApsIndication, frame: zdo.ZdoFrame, record: dict[str, Any]) -> None:
        response = zdo.ZDO_COMMANDS[frame.cluster_id].response
        if response is not None:
            self.send(ind.src, response, frame.tsn, record)

    def _broadcast_request(self, ind: ApsIndication) -> bool:
        return ind.dst >= 0xFFF8

    def _nwk_addr(self, frame: zdo.ZdoFrame, ind: ApsIndication) -> None:
        ctx = self.node.ctx
        ieee = frame.record.ieee_addr
        address: int | None = None
        if ieee == ctx.ieee:
            address = ctx.nwk
        else:
            child = self.node.nwk.neighbors.by_ieee(ieee)
            if child is not None and child.relationship is Relationship.child:
                address = child.nwk  # parents answer for their (sleeping) children
        if address is None:
            if not self._broadcast_request(ind):
                self._reply(
                    ind,
                    frame,
                    {
                        "status": _S.DEVICE_NOT_FOUND,
                        "ieee_addr_remote_dev": ieee,
                        "nwk_addr_remote_dev": 0xFFFF,
                    },
                )
            return
        self._reply(
            ind,
            frame,
            {"status": _S.SUCCESS, "ieee_addr_remote_dev": ieee, "nwk_addr_remote_dev": address},
        )

    def _ieee_addr(self, frame: zdo.ZdoFrame, ind: ApsIndication) -> None:
        ctx = self.node.ctx
        address = frame.record.nwk_addr_of_interest
        ieee: int | None = None
        if address == ctx.nwk:
            ieee = ctx.ieee
        else:
            child = self.node.nwk.neighbors.get(address)
            if child is not None and child.relationship is Relationship.child:
                ieee = child.ieee
        if ieee is None:
            if not self._broadcast_request(ind):
                self._reply(
                    ind,
                    frame,
                    {
                        "status": _S.DEVICE_NOT_FOUND,
                        "ieee_addr_remote_dev": 0,
                        "nwk_addr_remote_dev": address,
                    },
                )
            return
        record: dict[str, Any] = {
            "status": _S.SUCCESS,
            "ieee_addr_remote_dev": ieee,
            "nwk_addr_remote_dev": address,
        }
        if frame.record.request_type == zdo.AddrRequestType.extended_response and ieee == ctx.ieee:
            children = [c.nwk for c in self.node.nwk.neighbors.children()][:20]
            record["num_assoc_dev"] = len(children)
            if children:
                record["start_index"] = 0
                record["nwk_addr_assoc_dev_list"] = children
        self._reply(ind, frame, record)

    def _not_mine(self, frame: zdo.ZdoFrame, ind: ApsIndication, address: int) -> bool:
        if address == self.node.ctx.nwk:
            return False
        if not self._broadcast_request(ind):
            self._reply(
                ind, frame, {"status": _S.DEVICE_NOT_FOUND, "nwk_addr_of_interest": address}
            )
        return True

    def node_descriptor(self) -> dict[str, Any]:
        ctx = self.node.ctx
        logical = _NODE_TYPES[ctx.node_type.value]
        return {
            "type_flags": {"logical_type": logical},
            "aps_flags_and_frequency_band": {"frequency_band": int(zdo.FrequencyBand.mhz_2400)},
            "mac_capability_flags": self.node.capability().to_byte(),
            "manufacturer_code": ctx.manufacturer_code,
            "maximum_buffer_size": 82,
            "maximum_incoming_transfer_size": 82,
            "server_mask": {
                "primary_trust_center": self.node.tc is not None,
                "stack_compliance_revision": 21,
            },
            "maximum_outgoing_transfer_size": 82,
            "descriptor_capability_field": 0,
        }

    def _node_desc(self, frame: zdo.ZdoFrame, ind: ApsIndication) -> None:
        address = frame.record.nwk_addr_of_interest
        if self._not_mine(frame, ind, address):
            return
        self._reply(
            ind,
            frame,
            {
                "status": _S.SUCCESS,
                "nwk_addr_of_interest": address,
                "node_descriptor": self.node_descriptor(),
            },
        )

    def _power_desc(self, frame: zdo.ZdoFrame, ind: ApsIndication) -> None:
        address = frame.record.nwk_addr_of_interest
        if self._not_mine(frame, ind, address):
            return
        ctx = self.node.ctx
        mains = ctx.mains_powered
        descriptor = {
            "current_power_mode": 0 if ctx.rx_on_when_idle else 1,
            "available_power_sources": int(
                zdo.PowerSource.mains if mains else zdo.PowerSource.disposable_battery
            ),
            "current_power_source": int(
                zdo.PowerSource.mains if mains else zdo.PowerSource.disposable_battery
            ),
            "current_power_source_level": int(zdo.PowerSourceLevel.percent_100),
        }
        self._reply(
            ind,
            frame,
            {"status": _S.SUCCESS, "nwk_addr_of_interest": address, "power_descriptor": descriptor},
        )

    def _simple_desc(self, frame: zdo.ZdoFrame, ind: ApsIndication) -> None:
        address = frame.record.nwk_addr_of_interest
        if self._not_mine(frame, ind, address):
            return
        endpoint = self.node.endpoints.get(frame.record.endpoint)
        if endpoint is None:
            status = _S.INVALID_EP if not 1 <= frame.record.endpoint <= 240 else _S.NOT_ACTIVE
            self._reply(ind, frame, {"status": status, "nwk_addr_of_interest": address})
            return
        descriptor = {
            "endpoint": endpoint.endpoint,
            "app_profile_id": endpoint.profile_id,
            "app_device_id": endpoint.device_id,
            "app_device_version": {"version": endpoint.device_version},
            "app_input_cluster_list": list(endpoint.input_clusters),
            "app_output_cluster_list": list(endpoint.output_clusters),
        }
        self._reply(
            ind,
            frame,
            {
                "status": _S.SUCCESS,
                "nwk_addr_of_interest": address,
                "simple_descriptor": descriptor,
            },
        )

    def _active_ep(self, frame: zdo.ZdoFrame, ind: ApsIndication) -> None:
        address = frame.record.nwk_addr_of_interest
        if self._not_mine(frame, ind, address):
            return
        endpoints = sorted(self.node.endpoints)
        self._reply(
            ind,
            frame,
            {"status": _S.SUCCESS, "nwk_addr_of_interest": address, "active_ep_list": endpoints},
        )

    def _match_desc(self, frame: zdo.ZdoFrame, ind: ApsIndication) -> None:
        record = frame.record
        ctx = self.node.ctx
        if record.nwk_addr_of_interest not in (ctx.nwk, 0xFFFD, 0xFFFF, 0xFFFC):
            return
        wanted_in, wanted_out = set(record.in_cluster_list), set(record.out_cluster_list)
        matches = [
            ep.endpoint
            for ep in self.node.endpoints.values()
            if record.profile_id in (ep.profile_id, 0xFFFF)  # 0xFFFF: any profile
            if wanted_in & set(ep.input_clusters) or wanted_out & set(ep.output_clusters)
        ]
        if not matches and self._broadcast_request(ind):
            return  # broadcasts are answered only by a match
        status = _S.SUCCESS if matches else _S.NO_MATCH
        self._reply(
            ind,
            frame,
            {"status": status, "nwk_addr_of_interest": ctx.nwk, "match_list": sorted(matches)},
        )

    def _device_annce(self, frame: zdo.ZdoFrame, ind: ApsIndication) -> None:
        record = frame.record
        self.node.device_announced(record.ieee_addr, record.nwk_addr, int(record.capability))

    def _bind(self, frame: zdo.ZdoFrame, ind: ApsIndication) -> None:
        entry = frame.record._asdict()
        if entry["src_address"] != self.node.ctx.ieee:
            self._reply(ind, frame, {"status": _S.NOT_SUPPORTED})
            return
        if entry not in self.bindings:
            self.bindings.append(entry)
        self._reply(ind, frame, {"status": _S.SUCCESS})

    def _unbind(self, frame: zdo.ZdoFrame, ind: ApsIndication) -> None:
        entry = frame.record._asdict()
        if entry in self.bindings:
            self.bindings.remove(entry)
            self._reply(ind, frame, {"status": _S.SUCCESS})
        else:
            self._reply(ind, frame, {"status": _S.NO_ENTRY})

    def _mgmt_lqi(self, frame: zdo.ZdoFrame, ind: ApsIndication) -> None:
        ctx = self.node.ctx
        entries = sorted(self.node.nwk.neighbors, key=lambda e: e.nwk)
        start = frame.record.start_index
        chunk = entries[start : start + MAX_LQI_RECORDS]
        records = [
            {
                "extended_pan_id": ctx.extended_pan_id or 0,
                "extended_address": e.ieee if e.ieee is not None else 0xFFFFFFFFFFFFFFFF,
                "network_address": e.nwk,
                "device_info": {
                    "device_type": int(e.device_type),
                    "rx_on_when_idle": 1 if e.rx_on_when_idle else 0,
                    "relationship": int(e.relationship),
                },
                "joining_info": {"permit_joining": 2},
                "depth": e.depth if e.depth is not None else 0xFF,
                "lqi": e.lqi,
            }
            for e in chunk
        ]
        self._reply(
            ind,
            frame,
            {
                "status": _S.SUCCESS,
                "neighbor_table_entries": len(entries),
                "start_index": start,
                "neighbor_table_list": records,
            },
        )

    def _mgmt_rtg(self, frame: zdo.ZdoFrame, ind: ApsIndication) -> None:
        routes = list(self.node.nwk.routes)
        start = frame.record.start_index
        chunk = routes[start : start + 10]
        records = [
            {
                "destination_address": r.dst,
                "route_flags": {"status": int(r.status)},
                "next_hop_address": r.next_hop,
            }
            for r in chunk
        ]
        self._reply(
            ind,
            frame,
            {
                "status": _S.SUCCESS,
                "routing_table_entries": len(routes),
                "start_index": start,
                "routing_table_list": records,
            },
        )

    def _mgmt_leave(self, frame: zdo.ZdoFrame, ind: ApsIndication) -> None:
        ctx = self.node.ctx
        target = frame.record.device_address
        if target not in (0, ctx.ieee):
            child = self.node.nwk.neighbors.by_ieee(target)
            if child is None or child.device_type is not DeviceType.end_device:
                self._reply(ind, frame, {"status": _S.NOT_SUPPORTED})
                return
            from .. import nwk  # noqa: PLC0415

            self.node.nwk.send(child.nwk, nwk.Leave(request=True).encode(), command=True)
            self._reply(ind, frame, {"status": _S.SUCCESS})
            return
        self._reply(ind, frame, {"status": _S.SUCCESS})
        rejoin = bool(int(frame.record.flags) & int(zdo.LeaveFlags.rejoin))
        ctx.clock.call_later(0.1, lambda: self.node.leave(rejoin=rejoin))

    def _mgmt_permit_joining(self, frame: zdo.ZdoFrame, ind: ApsIndication) -> None:
        if not self.node.ctx.is_router:
            return
        self.node.set_permit(frame.record.permit_duration)
        if not self._broadcast_request(ind):
            self._reply(ind, frame, {"status": _S.SUCCESS})


# request cluster → handler (one table for every node)
_HANDLERS: dict[int, Callable[[ZdoServer, zdo.ZdoFrame, ApsIndication], None]] = {
    _C.NWK_ADDR_REQ: ZdoServer._nwk_addr,
    _C.IEEE_ADDR_REQ: ZdoServer._ieee_addr,
    _C.NODE_DESC_REQ: ZdoServer._node_desc,
    _C.POWER_DESC_REQ: ZdoServer._power_desc,
    _C.SIMPLE_DESC_REQ: ZdoServer._simple_desc,
    _C.ACTIVE_EP_REQ: ZdoServer._active_ep,
    _C.MATCH_DESC_REQ: ZdoServer._match_desc,
    _C.DEVICE_ANNCE: ZdoServer._device_annce,
    _C.BIND_REQ: ZdoServer._bind,
    _C.UNBIND_REQ: ZdoServer._unbind,
    _C.MGMT_LQI_REQ: ZdoServer._mgmt_lqi,
    _C.MGMT_RTG_REQ: ZdoServer._mgmt_rtg,
    _C.MGMT_LEAVE_REQ: ZdoServer._mgmt_leave,
    _C.MGMT_PERMIT_JOINING_REQ: ZdoServer._mgmt_permit_joining,
}

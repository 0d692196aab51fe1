"""SE server, client and Metering requests through the dispatcher: an ESI Coordinator and an IPD
Router (both segateway configurations) and a simulated meter, real frames between them.

Expected statuses and record defaults follow digi-se-rpc.md §3.6 and §4.3 (0x00 success, 0x85
invalid field, 0x8A duplicate exists, 0x8B not found; the LoadControlEventRecord defaults) and
se-spec §2.5 (Report Event Status 0x01 "Load Control Event command received").
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from segateway.rpc.dispatch import Dispatcher
from segateway.rpc.gateway import Gateway
from segateway.rpc.responses import RpcResponse
from segateway.rpc.values import MAC, Record

from .rpckit import IPD, METER, START_UTC, Rig, conforming

ESI = 0x00124B0000005E01
DRLC, PRICE, MESSAGING, METERING = 0x0701, 0x0700, 0x0703, 0x0702


def event(issuer_event_id: int, **fields: Any) -> Record:
    return Record(
        "LoadControlEventRecord",
        {"issuer_event_id": issuer_event_id, "duration_in_minutes": 60, **fields},
    )


def ipd_dispatcher(rig: Rig) -> Dispatcher:
    assert rig.ipd is not None
    dispatcher = Dispatcher(Gateway(rig.ipd))
    dispatcher.start()
    return dispatcher


def queued(dispatcher: Dispatcher, name: str) -> list[RpcResponse]:
    return [conforming(r) for r in dispatcher.gateway.responses.peek() if r.name == name]


def test_create_drlc_event_reaches_the_ipd_and_its_reports_come_back() -> None:
    rig = Rig()
    rig.add_ipd()
    created = rig.call("create_DRLC_event", {"record": event(0x1001)}, request_identifier="dr-1")
    params = created.params
    assert created.name == "create_DRLC_event_response"
    assert created.request_identifier == "dr-1"
    assert params["status"] == 0x00
    assert params["cluster_id"] == DRLC
    assert params["source_endpoint_id"] == 0x5E
    assert params["device_list"] == [MAC(IPD)]
    record = params["record"]
    assert isinstance(record, Record)
    assert record.fields["device_class"] == 0x0FFF  # §4.3 defaults
    assert record.fields["criticality_level"] == 0x01
    assert record.fields["cooling_temperature_set_point"] == -0x8000
    assert START_UTC <= record.fields["start_time"] <= START_UTC + 120  # 0 = now
    rig.run(30)
    reports = rig.queued("received_report_event_status")
    assert reports, "no Report Event Status reached the ESI"
    first = reports[0]
    assert first.request_identifier == "dr-1"
    assert first.params["source_address"] == MAC(IPD)
    assert first.params["cluster_id"] == DRLC
    report = first.params["record"]
    assert isinstance(report, Record)
    assert report.fields["issuer_event_id"] == 0x1001
    assert report.fields["event_status"] == 0x01  # Load Control Event command received
    listed = rig.call("get_DRLC_events").params
    assert listed["server_or_client"] == 0
    assert [e.fields["issuer_event_id"] for e in listed["events_record_list"]] == [0x1001]  # type: ignore[union-attr]


def test_drlc_statuses_cancel_and_cancel_all() -> None:
    rig = Rig()
    rig.add_ipd()
    ipd = ipd_dispatcher(rig)
    assert rig.call("create_DRLC_event", {"record": event(1)}).params["status"] == 0x00
    duplicate = rig.call("create_DRLC_event", {"record": event(1)})
    assert duplicate.params["status"] == 0x8A
    assert "device_list" not in duplicate.params or duplicate.params["device_list"] == []
    invalid = rig.call("create_DRLC_event", {"record": event(2, duration_in_minutes=0)})
    assert invalid.params["status"] == 0x85
    missing = rig.call(
        "cancel_DRLC_event",
        {"record": Record("CancelLoadControlEventRecord", {"issuer_event_id": 99})},
    )
    assert missing.params["status"] == 0x8B
    cancelled = rig.call(
        "cancel_DRLC_event",
        {"record": Record("CancelLoadControlEventRecord", {"issuer_event_id": 1})},
    )
    assert cancelled.params["status"] == 0x00
    assert cancelled.params["device_list"] == [MAC(IPD)]
    assert cancelled.params["record"].fields["cancel_control"] == 0x01  # type: ignore[union-attr]
    rig.call("create_DRLC_event", {"record": event(3)})
    everything = rig.call("cancel_all_DRLC_events")
    assert everything.params["status"] == 0x00
    assert everything.params["cancel_control"] == 0x01
    assert everything.params["device_list"] == [MAC(IPD)]
    assert rig.call("get_DRLC_events").params["events_record_list"] == []
    rig.run(5)
    cancels = queued(ipd, "received_DRLC_cancel_event")
    kinds = [c.params["record"].type_name for c in cancels]  # type: ignore[union-attr]
    assert kinds == ["CancelLoadControlEventRecord", "CancelAllLoadControlEventsRecord"]
    assert [c.params["status"] for c in cancels] == [0x00, 0x00]


def test_prices_and_their_acknowledgements() -> None:
    rig = Rig()
    rig.add_ipd()
    price = Record(
        "PublishPriceRecord",
        {"issuer_event_id": 500, "duration_in_minutes": 60, "price": 1234, "price_control": 0x01},
    )
    created = rig.call("create_price_event", {"record": price}, request_identifier=11)
    assert created.params["status"] == 0x00
    assert created.params["device_list"] == [MAC(IPD)]
    stored = created.params["record"]
    assert isinstance(stored, Record)
    assert stored.fields["currency"] == 840
    assert stored.fields["provider_id"] == 0xFFFFFFFF
    rig.run(10)
    acks = rig.queued("received_price_acknowledgement")
    assert acks
    assert acks[0].request_identifier == 11
    assert acks[0].params["record"].fields["issuer_event_id"] == 500  # type: ignore[union-attr]
    assert len(rig.call("get_price_events").params["events_record_list"]) == 1  # type: ignore[arg-type]
    cleared = rig.call("cancel_all_price_events")
    assert cleared.params == {
        "source_endpoint_id": 0x5E,
        "cluster_id": PRICE,
        "status": 0,
        "device_list": [],
    }
    assert rig.call("get_price_events").params["events_record_list"] == []


def test_messages_confirmation_and_cancels() -> None:
    rig = Rig()
    rig.add_ipd()
    ipd = ipd_dispatcher(rig)
    message = Record(
        "DisplayMessageRecord",
        {
            "message_id": 1234,
            "duration_in_minutes": 5,
            "message": "Peak now",
            "message_control": 0x80,
        },
    )
    created = rig.call("create_message_event", {"record": message}, request_identifier="msg")
    assert created.params["status"] == 0x00
    assert created.params["device_list"] == [MAC(IPD)]
    rig.run(5)
    received = queued(ipd, "received_message_event")
    assert received
    assert received[0].params["record"].fields["message"] == "Peak now"  # type: ignore[union-attr]
    assert queued(ipd, "updated_active_message_events")
    on_display = rig.call("get_message_events", {"server_or_client": 1}, dispatcher=ipd)
    assert [m.fields["message_id"] for m in on_display.params["events_record_list"]] == [1234]  # type: ignore[union-attr]
    confirmed = rig.call("confirm_message", dispatcher=ipd)
    assert confirmed.params["status"] == 0x00
    assert confirmed.params["device_list"] == [MAC(ESI)]
    rig.run(5)
    confirmations = rig.queued("received_message_confirmation")
    assert confirmations
    assert confirmations[0].request_identifier == "msg"
    assert confirmations[0].params["record"].fields["message_id"] == 1234  # type: ignore[union-attr]
    cancel = Record("CancelMessageRecord", {"message_id": 1234})
    assert rig.call("cancel_message_event", {"record": cancel}).params["status"] == 0x00
    assert rig.call("cancel_message_event", {"record": cancel}).params["status"] == 0x8B
    rig.call(
        "create_message_event",
        {
            "record": Record(
                "DisplayMessageRecord", {"message_id": 7, "duration_in_minutes": 5, "message": "hi"}
            )
        },
    )
    everything = rig.call("cancel_all_message_events")
    assert everything.params["status"] == 0x00
    assert everything.params["device_list"] == [MAC(IPD)]
    rig.run(5)
    assert queued(ipd, "received_message_cancel_event")


def test_the_ipd_side_requests() -> None:
    rig = Rig()
    rig.add_ipd()
    ipd = ipd_dispatcher(rig)
    rig.call("create_DRLC_event", {"record": event(77, start_time=START_UTC + 3600)})
    rig.call(
        "create_price_event",
        {
            "record": Record(
                "PublishPriceRecord", {"issuer_event_id": 1, "duration_in_minutes": 60, "price": 99}
            )
        },
    )
    rig.run(10)
    events = rig.call("get_DRLC_events", dispatcher=ipd).params
    assert events["server_or_client"] == 1
    (held,) = events["events_record_list"]  # type: ignore[misc]
    assert held.fields["issuer_event_id"] == 77
    assert held.fields["event_state"] == "scheduled"
    assert queued(ipd, "received_DRLC_event")[0].params["status"] == 0x00
    opted = rig.call("opt_out_DRLC_event", {"issuer_event_id": 77}, dispatcher=ipd)
    assert opted.params == {
        "source_endpoint_id": 0x5E,
        "cluster_id": DRLC,
        "status": 0,
        "issuer_event_id": 77,
    }
    assert (
        rig.call("opt_in_DRLC_event", {"issuer_event_id": 78}, dispatcher=ipd).params["status"]
        == 0x8B
    )
    assert (
        rig.call("opt_in_DRLC_event", {"issuer_event_id": 77}, dispatcher=ipd).params["status"] == 0
    )
    scheduled = rig.call(
        "get_scheduled_DRLC_events",
        {"record": Record("GetScheduledEventsRecord", {"number_of_events": 1})},
        dispatcher=ipd,
    )
    assert scheduled.params["status"] == 0x00
    assert scheduled.params["device_list"] == [MAC(ESI)]
    assert scheduled.params["record"] == Record(
        "GetScheduledEventsRecord", {"start_time": 0, "number_of_events": 1}
    )
    current = rig.call("get_current_price_event", dispatcher=ipd)
    assert current.params == {
        "status": 0,
        "endpoint_id": 0x5E,
        "cluster_id": PRICE,
        "device_list": [MAC(ESI)],
    }
    prices = rig.call("get_scheduled_price_events", dispatcher=ipd)
    assert prices.params["status"] == 0
    assert len(rig.call("get_price_events", dispatcher=ipd).params["events_record_list"]) == 1  # type: ignore[arg-type]
    assert rig.call("clear_price_events", dispatcher=ipd).params == {
        "source_endpoint_id": 0x5E,
        "cluster_id": PRICE,
    }
    assert rig.call("get_price_events", dispatcher=ipd).params["events_record_list"] == []
    last = rig.call("get_last_message_event", dispatcher=ipd)
    assert last.params["device_list"] == [MAC(ESI)]
    synced = rig.call("sync_time", dispatcher=ipd)
    assert synced.params["method"] == "zcl"
    assert synced.params["status"] == 0
    rig.run(10)
    # ZCL time has whole seconds: the IPD follows the ESI to within one
    assert abs(ipd.gateway.timebase.now_exact() - rig.gateway.timebase.now_exact()) <= 1
    for name in (
        "received_price_event",
        "updated_active_price_event",
    ):
        assert queued(ipd, name), name


def test_metering_reading_profile_and_reporting() -> None:
    """Engineering values: raw × Multiplier ÷ Divisor (se-spec §2.6.1); the simulated meter
    uses Multiplier 1, Divisor 1000, kWh: a 1500 W load reads 1.5 kW."""
    rig = Rig()
    rig.add_meter(demand_w=1500.0)
    reading = rig.call("get_metering_reading")
    (record,) = reading.params["record_list"]  # type: ignore[misc]
    fields = record.fields
    assert fields["source_address"] == MAC(METER)
    assert Decimal(fields["instantaneous_demand"]) == Decimal("1.5")
    assert fields["demand_unit"] == "kW"
    assert fields["summation_unit"] == "kWh"
    assert fields["summation_mode"] == "reported"
    rig.run(3600)
    fresh = rig.call("get_metering_reading", {"destination_address": MAC(METER), "refresh": True})
    (after,) = fresh.params["record_list"]  # type: ignore[misc]
    delivered = Decimal(after.fields["summation_delivered"])
    assert Decimal("1.4") <= delivered <= Decimal("1.6")  # about an hour at 1.5 kW
    profile = rig.call("get_profile", {"destination_address": MAC(METER), "number_of_periods": 2})
    assert profile.params["status"] == 0x00
    assert profile.params["cluster_id"] == METERING
    assert profile.params["unit"] == "kWh"
    assert len(profile.params["intervals"]) == profile.params["number_of_periods_delivered"]  # type: ignore[arg-type]
    restarted = rig.call("start_metering_reporting", {"destination_address": MAC(METER)})
    assert restarted.params == {
        "destination_address": MAC(METER),
        "destination_endpoint_id": 1,
        "status": 0,
    }
    unknown = rig.call("start_metering_reporting", {"destination_address": MAC(IPD)})
    assert unknown.params["status"] == 0x8B
    assert (
        rig.call("get_metering_reading", {"destination_address": MAC(IPD)}).params["record_list"]
        == []
    )

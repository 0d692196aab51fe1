"""Basic cluster 0x0000 (se-spec.md §2.1)."""

from __future__ import annotations

from .. import types as t
from ..cluster import RW, Attribute, Cluster, Command
from ..types import Bitmap8, Enum8

__all__ = ["AlarmMask", "Basic", "PhysicalEnvironment", "PowerSource"]


class PowerSource(Enum8):
    """PowerSource 0x0007, low 7 bits; bit 7 (0x80) marks a secondary battery backup."""

    unknown = 0x00
    mains_single_phase = 0x01
    mains_three_phase = 0x02
    battery = 0x03
    dc_source = 0x04
    emergency_mains_constantly_powered = 0x05
    emergency_mains_and_transfer_switch = 0x06
    unknown_with_battery_backup = 0x80
    mains_single_phase_with_battery_backup = 0x81
    mains_three_phase_with_battery_backup = 0x82
    battery_with_battery_backup = 0x83
    dc_source_with_battery_backup = 0x84
    emergency_mains_constantly_powered_with_battery_backup = 0x85
    emergency_mains_and_transfer_switch_with_battery_backup = 0x86


class PhysicalEnvironment(Enum8):
    """PhysicalEnvironment 0x0011 (0x00 unspecified; other values are profile-defined)."""

    unspecified = 0x00


class AlarmMask(Bitmap8):
    """AlarmMask 0x0013."""

    general_hardware_fault = 0x01
    general_software_fault = 0x02


class Basic(Cluster):
    """Basic: device identity and power source."""

    id = 0x0000
    name = "basic"
    label = "Basic"
    server_attributes = (
        Attribute(0x0000, "zcl_version", t.uint8, mandatory=True, default=0x01),
        Attribute(0x0001, "application_version", t.uint8, default=0x00),
        Attribute(0x0002, "stack_version", t.uint8, default=0x00),
        Attribute(0x0003, "hw_version", t.uint8, default=0x00),
        Attribute(0x0004, "manufacturer_name", t.char_string, default="", note="≤ 32 chars"),
        Attribute(0x0005, "model_identifier", t.char_string, default="", note="≤ 32 chars"),
        Attribute(0x0006, "date_code", t.char_string, default="", note="≤ 16 chars"),
        Attribute(0x0007, "power_source", PowerSource, mandatory=True, default=0x00),
        Attribute(0x0010, "location_description", t.char_string, RW, default="", note="≤ 16"),
        Attribute(0x0011, "physical_environment", PhysicalEnvironment, RW, default=0x00),
        Attribute(0x0012, "device_enabled", t.boolean, RW, default=True),
        Attribute(0x0013, "alarm_mask", AlarmMask, RW, default=0x00),
        Attribute(0x0014, "disable_local_config", t.map8, RW, default=0x00),
        Attribute(0x4000, "sw_build_id", t.char_string, note="ZCL6 addition, ≤ 16 chars"),
    )
    client_to_server = (Command(0x00, "reset_to_factory_defaults", note="no payload"),)

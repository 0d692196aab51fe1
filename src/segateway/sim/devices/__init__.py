"""Simulated Smart Energy devices: the protocol classes playing the devices' roles.

Library code, shared by users (a home or a neighbourhood on the simulated network) and tests:
the meter (:mod:`.meter`), the meter that is the ESI and trust center (:mod:`.meter_esi`), the
modelled devices whose consumption reacts to DRLC events and prices — thermostat over a thermal
model (:mod:`.thermal`), load control devices and the smart appliance (:mod:`.loads`), the IPD
and the range extender (:mod:`.ipd`) — and a home that puts them beside a gateway with the meter
metering their sum (:mod:`.home`).
"""

from .base import VOLUNTARY_CRITICALITY, DutyLimiter, ModelledDevice
from .home import Household, Member, Model
from .ipd import IPD_DEVICE_ID, Ipd, RangeExtender
from .loads import BaseLoad, PoolPump, SmartAppliance, WaterHeater
from .meter import (
    DEFAULT_REPORTABLE,
    INTERVAL_SECONDS,
    METERING_DEVICE,
    ExactLoad,
    Load,
    MeteringServer,
    SimulatedMeter,
    StepLoad,
    simulated_meter,
)
from .meter_esi import MeterEsi, meter_esi
from .power import DrlcControl, HomeLoad, PowerSource, PowerTrace, Weather
from .thermal import HVAC_CLASS, PCT_DEVICE_ID, ThermalHouse, Thermostat

__all__ = [
    "DEFAULT_REPORTABLE",
    "HVAC_CLASS",
    "INTERVAL_SECONDS",
    "IPD_DEVICE_ID",
    "METERING_DEVICE",
    "PCT_DEVICE_ID",
    "VOLUNTARY_CRITICALITY",
    "BaseLoad",
    "DrlcControl",
    "DutyLimiter",
    "ExactLoad",
    "HomeLoad",
    "Household",
    "Ipd",
    "Load",
    "Member",
    "MeterEsi",
    "MeteringServer",
    "Model",
    "ModelledDevice",
    "PoolPump",
    "PowerSource",
    "PowerTrace",
    "RangeExtender",
    "SimulatedMeter",
    "SmartAppliance",
    "StepLoad",
    "ThermalHouse",
    "Thermostat",
    "WaterHeater",
    "Weather",
    "meter_esi",
    "simulated_meter",
]

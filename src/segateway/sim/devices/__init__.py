"""Simulated Smart Energy devices: the protocol classes playing the devices' roles.

Library code, shared by users (a home or a neighbourhood on the simulated network) and tests.
"""

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

__all__ = [
    "DEFAULT_REPORTABLE",
    "INTERVAL_SECONDS",
    "METERING_DEVICE",
    "ExactLoad",
    "Load",
    "MeteringServer",
    "SimulatedMeter",
    "StepLoad",
    "simulated_meter",
]

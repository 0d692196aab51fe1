"""The ZigBee PRO node: MAC, NWK, APS, ZDO and trust-center logic, driven by a clock.

Sans-I/O: a node is fed received frames by the medium and time by the clock, and hands frames to
the medium to transmit; it never blocks or sleeps.
"""

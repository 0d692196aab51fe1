"""Simulation: the virtual clock, the 802.15.4 medium, captures and simulated devices."""

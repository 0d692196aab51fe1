"""Cluster definitions, one module per cluster (listed in ``segateway.zcl.registry``)."""

"""ZigBee PRO below ZCL: 802.15.4 MAC, NWK, APS, ZDO frames, security and the node stack."""

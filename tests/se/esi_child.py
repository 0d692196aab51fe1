"""The child process of test_esi_durability: an ESI Coordinator on a file store creates a load
control event for its one client, prints ``DONE <status> <device_list>`` from ``on_done`` and
then blocks (reading stdin) until its parent kills it with SIGKILL.

Usage: ``python tests/se/esi_child.py STORE_PATH``
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root: tests.se

from segateway.se.servers import DrlcServer
from segateway.store import Store
from segateway.zcl.cluster import Side
from tests.se.esikit import IPD_A, client
from tests.se.sekit import Home

EVENT_ID = 0x0000D0D0


def main(path: str) -> None:
    home = Home(store=Store(path))
    client(home, IPD_A)
    drlc = home.esi.cluster(0x0701, Side.server)
    assert isinstance(drlc, DrlcServer)

    def done(outcome: dict[str, Any]) -> None:
        devices = ",".join(f"{ieee:016x}" for ieee in outcome["device_list"])
        print(f"DONE {outcome['status']} {devices}", flush=True)

    drlc.create_DRLC_event({"issuer_event_id": EVENT_ID, "duration_in_minutes": 120}, done)
    home.run(5)
    sys.stdin.read()  # wait for SIGKILL


if __name__ == "__main__":
    main(sys.argv[1])

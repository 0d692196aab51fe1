"""The child process of test_crash_stream: an ESI Coordinator on a file store creates load
control events one after another (event ``n`` starts at ``START + 600 + 60 n`` for one minute),
printing ``ACK n`` from each ``on_done`` — the acknowledgement an RPC client would get — until its
parent kills it with SIGKILL in the middle of the stream.

Usage: ``python tests/se/esi_stream_child.py STORE_PATH``
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root: tests.se

from segateway.se.servers import DrlcServer
from segateway.store import Store
from segateway.zcl.cluster import Side
from tests.se.sekit import START_UTC, Home

FIRST_START = START_UTC + 600
SPACING = 60
LIMIT = 100_000  # bounded: the parent kills long before


def main(path: str) -> None:
    home = Home(store=Store(path))
    drlc = home.esi.cluster(0x0701, Side.server)
    assert isinstance(drlc, DrlcServer)
    for n in range(1, LIMIT):

        def done(outcome: dict[str, Any], n: int = n) -> None:
            if outcome["status"] == 0:
                print(f"ACK {n}", flush=True)

        drlc.create_DRLC_event(
            {
                "issuer_event_id": n,
                "start_time": FIRST_START + SPACING * n,
                "duration_in_minutes": 1,
                "event_control": 0,
            },
            done,
        )
        home.run(0.01)


if __name__ == "__main__":
    main(sys.argv[1])

"""What the server does once rather than per request still serves exactly what it did per request."""

from __future__ import annotations

import socket

from m365exit.simulator import Simulator, SimulatorOptions, generate_tenant
from m365exit.simulator.permissions import REPORT_FUNCTIONS
from m365exit.simulator.reports import build_csv, report_truths

from .conftest import Client


def test_truths_read_from_the_served_rows_equal_the_tenants_truths(sim: Simulator) -> None:
    assert sim.truths == sim.tenant.truths()
    drawn_again = report_truths(sim.tenant)
    assert {k: sim.truths[k] for k in drawn_again} == drawn_again and drawn_again["teams.users_active"] > 0


def test_each_download_serves_the_drawn_file_byte_for_byte(sim: Simulator, client: Client) -> None:
    for fn in REPORT_FUNCTIONS:
        first = client.graph(f"reports/{fn}(period='D7')")
        again = client.graph(f"reports/{fn}(period='D7')")
        assert first.status_code == again.status_code == 200, fn
        assert first.content == again.content == build_csv(sim.tenant, fn, "D7", False), fn


def test_concealed_names_are_cached_apart_from_plain_ones() -> None:
    tenant = generate_tenant("s")
    with Simulator(tenant, SimulatorOptions(conceal_report_names=True)) as concealed:
        client = Client(concealed, concealed.issue_token())
        try:
            served = client.graph("reports/getMailboxUsageDetail(period='D30')").content
        finally:
            client.close()
    assert served == build_csv(tenant, "getMailboxUsageDetail", "D30", True)
    assert served != build_csv(tenant, "getMailboxUsageDetail", "D30", False)
    assert tenant.users[0].upn.encode() not in served


def test_responses_are_not_held_back_by_nagle(sim: Simulator, client: Client) -> None:
    """Headers and body are separate writes: without TCP_NODELAY each response waits for a delayed ACK."""
    assert client.graph("organization").status_code == 200
    graph_server = next(s for s in sim._servers if s.kind == "graph")
    with graph_server.conn_lock:
        open_connections = list(graph_server.connections)
    assert open_connections
    assert all(c.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) for c in open_connections)

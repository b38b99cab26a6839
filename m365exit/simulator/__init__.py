"""Local Microsoft Graph + Entra ID simulator and seeded tenant generator (DESIGN §9).

from m365exit.simulator import generate_tenant, Simulator, SimulatorOptions
with Simulator(generate_tenant("demo")) as sim:
    sim.env()      # AZURE_*, M365EXIT_GRAPH_ENDPOINT, M365EXIT_AUTHORITY_HOST, REQUESTS_CA_BUNDLE
    sim.truths     # the exact facts a correct collector must find
"""

from __future__ import annotations

from m365exit.simulator.generator import generate_tenant
from m365exit.simulator.serve import serve
from m365exit.simulator.server import LoggedRequest, Simulator, SimulatorOptions
from m365exit.simulator.tenant import SIZES, Tenant

__all__ = ["SIZES", "LoggedRequest", "Simulator", "SimulatorOptions", "Tenant", "generate_tenant", "serve"]

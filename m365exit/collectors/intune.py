"""Intune: managed devices by operating system, the scope of a device-management replacement."""

from __future__ import annotations

from collections import Counter

from m365exit.collectors import Output, collector
from m365exit.graph import GraphClient

intune = collector("intune", "Intune: device management")
_OS = {"windows": "windows", "macos": "macos", "ios": "ios", "ipados": "ios", "android": "android"}


@intune.source(
    "managed-devices", endpoint="/deviceManagement/managedDevices",
    permission="DeviceManagementManagedDevices.Read.All", licence="Microsoft Intune",
    facts=["intune.devices_total", "intune.devices_windows", "intune.devices_macos", "intune.devices_ios",
           "intune.devices_android", "intune.devices_compliant"],
    purpose="Devices to re-enrol in an open device-management tool, by platform.",
)
def managed_devices(client: GraphClient, period: str) -> Output:
    by_os: Counter[str] = Counter()
    systems: Counter[str] = Counter()
    total = compliant = 0
    for device in client.iter_items("deviceManagement/managedDevices", {
        "$select": "id,operatingSystem,complianceState", "$top": 1000,
    }):
        total += 1
        system = str(device.get("operatingSystem") or "Unknown")
        systems[system] += 1
        family = _OS.get(system.strip().lower().replace(" ", ""))
        if family:
            by_os[family] += 1
        compliant += str(device.get("complianceState") or "").lower() == "compliant"
    return Output(
        facts={"intune.devices_total": total, "intune.devices_compliant": compliant,
               **{f"intune.devices_{family}": by_os[family] for family in ("windows", "macos", "ios", "android")}},
        tables={"intune.devices_by_os": [{"os": name, "devices": n}
                                          for name, n in sorted(systems.items(), key=lambda kv: (-kv[1], kv[0]))]},
    )

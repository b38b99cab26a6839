"""`m365exit import`: admin-center CSV files give the same facts as a Graph collection."""

from __future__ import annotations

import json
from pathlib import Path

import requests

from m365exit import snapshot as snap
from m365exit.collectors import REPORTS, load_all
from m365exit.simulator import Simulator
from tests.conftest import run_cli


def download_reports(sim: Simulator, folder: Path) -> None:
    """What an admin does: export each usage report as a CSV file (names as the admin center stamps them)."""
    load_all()  # registers the report parsers
    token = requests.post(
        f"{sim.authority_host}/{sim.tenant_id}/oauth2/v2.0/token", verify=str(sim.ca_path), timeout=30,
        data={"grant_type": "client_credentials", "client_id": sim.client_id, "client_secret": sim.client_secret,
              "scope": f"{sim.graph_endpoint}/.default"},
    ).json()["access_token"]
    for function in REPORTS:
        root = "copilot/reports" if "Copilot" in function else "reports"
        response = requests.get(f"{sim.graph_endpoint}/v1.0/{root}/{function}(period='D30')", timeout=30,
                                headers={"Authorization": f"Bearer {token}"}, verify=str(sim.ca_path))
        response.raise_for_status()
        (folder / f"{function.removeprefix('get')} 11_29_2026 10_02_11 PM.csv").write_bytes(response.content)


def report_facts() -> set[str]:
    return {f for c in load_all().values() for s in c.sources if s.endpoint.split("/")[-1] in REPORTS
            for f in s.facts}


def test_import_gives_the_same_facts_as_collection(sim: Simulator, tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    download_reports(sim, folder)
    (folder / "notes.csv").write_text("a,b\n1,2\n")  # not a report: skipped with a warning
    out = tmp_path / "imported.json.gz"
    result = run_cli("--json", "import", str(folder), "--out", str(out), "--tenant-name", "Agence")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["skipped"] == {"notes.csv": "not a usage report m365exit reads"}
    assert len(summary["files"]) == len(REPORTS)
    imported = snap.load(out)
    assert imported.source == "import"
    assert {f: imported.facts.get(f) for f in report_facts()} == {f: sim.truths[f] for f in report_facts()}
    assert imported.provenance["exchange.mailboxes"].startswith("import:MailboxUsageDetail")
    assert imported.period == "D30"


def test_import_accepts_semicolons_and_decimal_commas(tmp_path: Path) -> None:
    """A French admin center: ';' between fields, ',' in decimals, a BOM."""
    folder = tmp_path / "fr"
    folder.mkdir()
    header = ("Report Refresh Date;User Principal Name;Display Name;Is Deleted;Deleted Date;Created Date;"
              "Last Activity Date;Item Count;Storage Used (Byte);Issue Warning Quota (Byte);"
              "Prohibit Send Quota (Byte);Prohibit Send/Receive Quota (Byte);Deleted Item Count;"
              "Deleted Item Size (Byte);Deleted Item Quota (Byte);Has Archive;Recipient Type;Report Period")
    rows = [
        "2026-11-28;a@x.fr;A;False;;2020-01-01;2026-11-27;1200;1500000,0;1;2;3;0;0;0;True;User;30",
        "2026-11-28;b@x.fr;B;False;;2020-01-01;2026-11-27;300;500000,0;1;2;3;0;0;0;False;Shared;30",
        "2026-11-28;c@x.fr;C;True;2026-11-01;2020-01-01;2026-10-01;999;999;1;2;3;0;0;0;False;User;30",
    ]
    (folder / "boites.csv").write_text("\ufeff" + "\n".join([header, *rows]) + "\n", encoding="utf-8")
    result = run_cli("import", str(folder), "--out", str(tmp_path / "s.json"))
    assert result.returncode == 0, result.stderr
    facts = snap.load(tmp_path / "s.json").facts
    assert facts["exchange.mailboxes"] == 2
    assert facts["exchange.storage_bytes"] == 2_000_000
    assert facts["exchange.items"] == 1500
    assert facts["exchange.mailboxes_shared"] == 1
    assert facts["exchange.mailboxes_archive"] == 1


def test_import_of_a_folder_without_reports_is_an_unreadable_snapshot(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    result = run_cli("import", str(tmp_path), "--out", str(tmp_path / "s.json"))
    assert result.returncode == 6
    assert "No usable usage report" in result.stderr and "x.csv: not a usage report" in result.stderr
    assert not (tmp_path / "s.json").exists()

"""Every export through the CLI, read back the way its reader would: openpyxl, Python's csv, poppler.

The snapshot comes from the simulator (collected over HTTPS through MSAL), with one planted user and one
planted app whose names are a live Excel formula.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import zipfile
from datetime import UTC
from pathlib import Path
from typing import Any

import jsonschema
import openpyxl
import pytest

from m365exit import snapshot as snap
from m365exit.snapshot import Snapshot
from tests.conftest import clean_env, run_cli

FORMULA = '=HYPERLINK("http://x","y")'
LIVE = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet evaluates at the start of a cell (OWASP)
DOCS = Path(__file__).resolve().parents[2] / "docs"
TABLES = ["workloads", "findings", "waves", "replacements", "sovereignty", "licences", "identity.sso_apps",
          "identity.ca_policies", "identity.domains", "exchange.largest_mailboxes", "sharepoint.templates",
          "sharepoint.largest_sites", "teams.private_channels", "teams.apps", "intune.devices_by_os",
          "purview.ediscovery_cases", "issues", "facts"]


def planted(snapshot: Snapshot) -> Snapshot:
    copy = snapshot.model_copy(deep=True)
    copy.tables["exchange.largest_mailboxes"].insert(
        0, {"mailbox": FORMULA, "type": "User", "storage_bytes": 2_500_000_000_000, "items": 7})
    copy.tables["identity.sso_apps"].insert(0, {"name": FORMULA, "sso": "saml", "enabled": True, "app_id": "x"})
    return copy


@pytest.fixture(scope="module")
def exported(demo_snapshot: Snapshot, tmp_path_factory: pytest.TempPathFactory) -> tuple[Snapshot, list[Path]]:
    source = planted(demo_snapshot)
    path = tmp_path_factory.mktemp("snap") / "snapshot.json.gz"
    snap.save(source, path)
    outs = []
    for n in (1, 2):
        out = tmp_path_factory.mktemp(f"run{n}")
        result = run_cli("assess", str(path), "--format", "html,json,csv,xlsx,md,pdf", "--lang", "fr",
                         "--out", str(out))
        assert result.returncode == 0, result.stderr
        outs.append(out)
    return source, outs


def files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_every_format_is_written_and_the_same_twice(exported: tuple[Snapshot, list[Path]]) -> None:
    _, (first, second) = exported
    names = set(files(first))
    assert {"report.fr.html", "assessment.json", "summary.fr.md", "tables.fr.xlsx", "report.fr.pdf"} <= names
    assert {f"csv/{t}.fr.csv" for t in TABLES} <= names
    assert files(first) == files(second)


def test_workbook_has_typed_cells_and_no_formula(exported: tuple[Snapshot, list[Path]]) -> None:
    source, (out, _) = exported
    path = out / "tables.fr.xlsx"
    with zipfile.ZipFile(path) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        sheets_xml = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
    assert len(sheets_xml) == len(TABLES) + 1
    assert not any(re.search(r"<f[ >]", xml) for xml in sheets_xml), "a formula element in the workbook"

    book = openpyxl.load_workbook(path)
    assert book.sheetnames[0] == "Synthèse" and "Boîtes aux lettres" in book.sheetnames
    assert book.properties.created == source.collected_at.astimezone(UTC).replace(tzinfo=None)
    assert book.properties.modified == book.properties.created
    formula_cells = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"
                if cell.value == FORMULA:
                    formula_cells.append(cell)
    assert len(formula_cells) == 2
    assert all(c.data_type == "s" and c.quotePrefix for c in formula_cells)

    mailboxes = book["Boîtes aux lettres"]
    assert [c.value for c in mailboxes[1]] == ["boîte aux lettres", "type", "stockage", "éléments"]
    assert mailboxes.freeze_panes == "A2" and mailboxes.auto_filter.ref == f"A1:D{mailboxes.max_row}"
    planted_row = next(r for r in mailboxes.iter_rows(min_row=2) if r[0].value == FORMULA)
    assert planted_row[2].value == 2_500_000_000_000 and planted_row[2].data_type == "n"
    assert '" To"' in planted_row[2].number_format and planted_row[3].value == 7
    longest = max(len(str(c.value)) for c in mailboxes["A"])
    assert longest + 2 <= mailboxes.column_dimensions["A"].width <= 60

    workloads = book["Services"]
    headers = [c.value for c in workloads[1]]
    readiness = [r[headers.index("Niveau de préparation")].value for r in workloads.iter_rows(min_row=2)]
    assert all(v is None or isinstance(v, int) for v in readiness) and any(isinstance(v, int) for v in readiness)
    summary = {r[0].value: r[1].value for r in book["Synthèse"].iter_rows(min_row=2) if r[0].value}
    assert summary["Locataire"] == source.tenant.display_name
    assert summary["Inventaire du"] == book.properties.created
    assert isinstance(summary["Données à migrer"], int)


def test_csv_files_read_back_with_french_headers_and_inert_formulas(exported: tuple[Snapshot, list[Path]]) -> None:
    source, (out, _) = exported
    raw = (out / "csv" / "exchange.largest_mailboxes.fr.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["boîte aux lettres", "type", "stockage (octets)", "éléments"]
    assert rows[1] == ["'" + FORMULA, "User", "2500000000000", "7"]
    assert len(rows) - 1 == len(source.tables["exchange.largest_mailboxes"])
    apps = list(csv.reader(io.StringIO((out / "csv" / "identity.sso_apps.fr.csv").read_text("utf-8-sig")),
                           delimiter=";"))
    assert apps[1][:3] == ["'" + FORMULA, "saml", "oui"]
    for name in TABLES:
        text = (out / "csv" / f"{name}.fr.csv").read_text("utf-8-sig")
        for row in csv.reader(io.StringIO(text), delimiter=";"):
            live = [c for c in row if c.startswith(LIVE) and not re.fullmatch(r"-?\d+([.,]\d+)?", c)]
            assert live == [], (name, row)
    workloads = list(csv.DictReader(io.StringIO((out / "csv" / "workloads.fr.csv").read_text("utf-8-sig")),
                                    delimiter=";"))
    assert {"Service", "Niveau de préparation", "État", "Charge (jours-homme)"} <= set(workloads[0])
    assert any("," in w["Charge (jours-homme)"] for w in workloads)  # French decimal comma


def pdftotext(path: Path, *args: str) -> str:
    return subprocess.run(["pdftotext", "-layout", *args, str(path), "-"], capture_output=True, text=True,
                          check=True, timeout=60).stdout


def test_pdf_reads_back_with_tenant_workloads_and_french(exported: tuple[Snapshot, list[Path]]) -> None:
    source, (out, _) = exported
    path = out / "report.fr.pdf"
    info = subprocess.run(["pdfinfo", "-isodates", str(path)], capture_output=True, text=True, check=True,
                          timeout=60).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))  # type: ignore[union-attr]
    assert pages >= 10
    when = source.collected_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    assert re.search(rf"^CreationDate:\s+{when}", info, re.M) and re.search(rf"^ModDate:\s+{when}", info, re.M)
    text = " ".join(pdftotext(path).split())
    assert source.tenant.display_name in text
    assessment = json.loads((out / "assessment.json").read_text())
    from m365exit.pipeline import AssessOptions, evaluate

    names = [w.name["fr"] for w in evaluate(source, AssessOptions(lang="fr")).workloads]
    assert len(names) == len(assessment["workloads"])
    assert [n for n in names if n not in text] == []
    for french in ("Préparation à la sortie de Microsoft 365", "Niveau de préparation", "Synthèse", "Constats",
                   "Méthode"):
        assert french in text
    # Every catalogue entry is French in the PDF too (issue #10), checked as the HTML is (tests/report/textcheck.py).
    from m365exit.report.i18n import catalog
    from tests.report.textcheck import untranslated

    # (Typography is checked on the HTML the PDF prints: pdftotext gives no-break spaces back as plain ones.)
    assert untranslated(pdftotext(path, "-raw"), catalog("fr").entries()) == []
    page_two = " ".join(pdftotext(path, "-f", "2", "-l", "2").split())
    assert source.tenant.display_name in page_two
    assert source.collected_at.strftime("%d/%m/%Y") in page_two and f"2 / {pages}" in page_two


def test_assessment_json_follows_the_published_schema(exported: tuple[Snapshot, list[Path]]) -> None:
    _, (out, _) = exported
    schema = json.loads((DOCS / "assessment-schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    document: Any = json.loads((out / "assessment.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(document)
    document["workloads"][0]["readiness"] = 140
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(document)


def test_missing_pdf_engine_is_a_usage_error_and_writes_nothing(tmp_path: Path) -> None:
    """WeasyPrint installed without Pango fails to import with OSError: a stand-in module does just that."""
    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "weasyprint.py").write_text("raise OSError(\"cannot load library 'libpango-1.0-0'\")\n")
    env = clean_env()
    env["PYTHONPATH"] = f"{fake}:{env.get('PYTHONPATH', '')}"
    out = tmp_path / "out"
    golden = Path(__file__).resolve().parents[1] / "golden" / "snapshot.json"
    result = run_cli("assess", str(golden), "--format", "html,pdf", "--out", str(out), env=env)
    assert result.returncode == 2, result.stderr
    assert "WeasyPrint" in result.stderr and "m365exit[pdf]" in result.stderr and "libpango" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists() or list(out.iterdir()) == []

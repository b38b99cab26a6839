"""Pseudonymisation against the simulator's people: collect, assess, then look for them in every file written."""

from __future__ import annotations

import gzip
import json
import re
import shutil
import stat
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from m365exit import report
from m365exit import snapshot as snap
from m365exit.pseudonymize import load_key, pseudonymize
from tests.conftest import clean_env, run_cli


def people_identifiers(tenant: Any) -> set[str]:
    """Display names, UPNs, mail addresses and OneDrive URLs of every person in the simulated tenant, guests too."""
    found: set[str] = set()
    for user in [*tenant.users, *tenant.deleted_users]:
        if user.kind in ("person", "guest"):
            found |= {v for v in (user.display_name, user.upn, user.mail, user.onedrive_url) if v}
    return found


def text_of(path: Path) -> str:
    """What a reader of the file sees: decompressed, spreadsheet cells, PDF text."""
    raw = path.read_bytes()
    if path.name.endswith(".gz"):
        return gzip.decompress(raw).decode("utf-8")
    if path.suffix == ".xlsx":
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True)
        return "\n".join(str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                         for c in row if c is not None)
    if path.suffix == ".pdf":
        pdftotext = shutil.which("pdftotext")
        if pdftotext is None:
            pytest.fail("pdftotext is missing: apt-get install poppler-utils (.ci/run does)")
        return subprocess.run([pdftotext, "-layout", str(path), "-"], capture_output=True, text=True,
                              check=True, timeout=120).stdout
    return raw.decode("utf-8-sig")


def leaks(folder: Path, identifiers: set[str]) -> dict[str, list[str]]:
    """Every file in the folder (whatever formats exist) → the identifiers it still holds."""
    found = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        text = text_of(path)
        hits = sorted(i for i in identifiers if i in text)
        if hits:
            found[path.name] = hits[:5]
    return found


ALL_FORMATS = ",".join(report.FORMATS)


def test_no_person_remains_when_pseudonymised_at_assess(sim: Any, demo_tenant: Any, tmp_path: Path) -> None:
    snapshot_path, key = tmp_path / "tenant.json.gz", tmp_path / "keys" / "client.key"
    assert run_cli("collect", "--out", str(snapshot_path), env=clean_env(**sim.env())).returncode == 0
    people = people_identifiers(demo_tenant)
    plain, hidden = tmp_path / "plain", tmp_path / "hidden"
    for out, extra in ((plain, []), (hidden, ["--pseudonymize", "--pseudonymize-key", str(key)])):
        for lang in ("en", "fr"):
            result = run_cli("assess", str(snapshot_path), "--out", str(out), "--format", ALL_FORMATS,
                             "--lang", lang, *extra)
            assert result.returncode == 0, result.stderr
    assert leaks(plain, people)  # the check finds people when nothing hides them
    assert leaks(hidden, people) == {}
    assert {p.name for p in hidden.iterdir()} == {p.name for p in plain.iterdir()}

    html = (hidden / "report.en.html").read_text(encoding="utf-8")
    assert "This report is pseudonymised" in html
    assert "Ce rapport est pseudonymisé" in (hidden / "report.fr.html").read_text(encoding="utf-8")
    assert "This report is pseudonymised" not in (plain / "report.en.html").read_text(encoding="utf-8")
    # The key: created 0600, 32 random bytes, never printed.
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    secret = key.read_text().strip()
    assert len(bytes.fromhex(secret)) == 32
    again = run_cli("assess", str(snapshot_path), "--out", str(tmp_path / "again"), "--format", ALL_FORMATS,
                    "--pseudonymize", "--pseudonymize-key", str(key))
    assert secret not in again.stdout + again.stderr
    # Same key → same bytes in every format, and the same pseudonyms across formats.
    for name in ("report.en.html", "assessment.json", "summary.en.md"):
        assert (tmp_path / "again" / name).read_bytes() == (hidden / name).read_bytes()
    pseudonyms = set(re.findall(r"person-[0-9a-f]{10}@[a-z0-9.-]+", html))
    assert len(pseudonyms) >= 20  # the largest mailboxes: one pseudonym each, rows kept
    for path in hidden.iterdir():
        if path.suffix in (".csv", ".xlsx") and "mailbox" in path.name:
            assert pseudonyms & set(re.findall(r"person-[0-9a-f]{10}@[a-z0-9.-]+", text_of(path)))


def test_pseudonymised_at_collect_the_snapshot_names_nobody(sim: Any, demo_tenant: Any, tmp_path: Path) -> None:
    snapshot_path, key = tmp_path / "tenant.json.gz", tmp_path / "client.key"
    result = run_cli("collect", "--out", str(snapshot_path), "--pseudonymize", "--pseudonymize-key", str(key),
                     env=clean_env(**sim.env()))
    assert result.returncode == 0, result.stderr
    assert "New pseudonymisation key written to" in result.stderr
    people = people_identifiers(demo_tenant)
    data = json.loads(gzip.decompress(snapshot_path.read_bytes()))
    assert data["pseudonymized"] == ["people"]
    assert leaks(tmp_path, people) == {}
    # Assessed without the option, the report still says it is pseudonymised and names nobody.
    out = tmp_path / "report"
    result = run_cli("assess", str(snapshot_path), "--out", str(out), "--format", ALL_FORMATS)
    assert result.returncode == 0, result.stderr
    assert leaks(out, people) == {}
    assert "This report is pseudonymised" in (out / "report.en.html").read_text(encoding="utf-8")
    # Pseudonymising again with the same key changes nothing: the collected pseudonyms stay.
    again = pseudonymize(snap.load(snapshot_path), load_key(key).secret)
    assert again.tables == snap.load(snapshot_path).tables


def crafted() -> snap.Snapshot:
    return snap.Snapshot(
        collected_at=datetime(2026, 1, 1, tzinfo=UTC),
        tenant=snap.TenantInfo(id="t", display_name="Agence", default_domain="agence.fr"),
        facts={"exchange.mailboxes": 3},
        tables={
            "identity.domains": [{"domain": "agence.fr"}, {"domain": "agence.onmicrosoft.com"}],
            "exchange.largest_mailboxes": [
                {"mailbox": "jean.dupont@agence.fr", "type": "User", "storage_bytes": 9, "items": 1},
                {"mailbox": "bal.accueil@agence.fr", "type": "Shared", "storage_bytes": 5, "items": 1},
                {"mailbox": "salle.loire@agence.fr", "type": "Room", "storage_bytes": 1, "items": 1},
            ],
            "sharepoint.largest_sites": [{"site": "https://agence.sharepoint.com/sites/projet-loire", "files": 3,
                                          "storage_bytes": 7, "template": "Group", "last_activity": ""}],
            "teams.private_channels": [{"team": "Projet Loire", "private": 1}],
            # A table a later collector may add: people named by column, a guest among them.
            "identity.guests": [
                {"display_name": "Anne Petit (externe)", "mail": "anne.petit@partenaire.fr",
                 "upn": "anne.petit_partenaire.fr#EXT#@agence.onmicrosoft.com",
                 "onedrive_url": "https://agence-my.sharepoint.com/personal/anne_petit_partenaire_fr"},
            ],
        },
        issues=[snap.CollectionIssue(workload="onedrive", endpoint="/users/jean.dupont@agence.fr/drive",
                                     message="Anne Petit (externe) and bal.accueil@agence.fr could not be read.")],
    )


def test_resources_keep_their_names_unless_asked() -> None:
    original = crafted()
    people = pseudonymize(original, b"k" * 32)
    mailboxes = people.tables["exchange.largest_mailboxes"]
    assert re.fullmatch(r"person-[0-9a-f]{10}@agence\.fr", mailboxes[0]["mailbox"])
    assert [m["mailbox"] for m in mailboxes[1:]] == ["bal.accueil@agence.fr", "salle.loire@agence.fr"]
    assert people.tables["sharepoint.largest_sites"] == original.tables["sharepoint.largest_sites"]
    assert people.tables["teams.private_channels"] == original.tables["teams.private_channels"]
    assert "bal.accueil@agence.fr" in people.issues[0].message  # a resource named in free text keeps its name
    assert {k: len(v) for k, v in people.tables.items()} == {k: len(v) for k, v in original.tables.items()}

    everything = pseudonymize(original, b"k" * 32, resources=True)
    assert everything.pseudonymized == ["people", "resources"]
    mailboxes = everything.tables["exchange.largest_mailboxes"]
    assert mailboxes[0] == people.tables["exchange.largest_mailboxes"][0]  # people: the same pseudonym
    assert all(re.fullmatch(r"mailbox-[0-9a-f]{10}@agence\.fr", m["mailbox"]) for m in mailboxes[1:])
    assert re.fullmatch(r"https://agence\.sharepoint\.com/sites/site-[0-9a-f]{10}",
                        everything.tables["sharepoint.largest_sites"][0]["site"])
    assert re.fullmatch(r"Team [0-9a-f]{10}", everything.tables["teams.private_channels"][0]["team"])
    assert mailboxes[1]["mailbox"] in everything.issues[0].message
    assert original.tables["exchange.largest_mailboxes"][0]["mailbox"] == "jean.dupont@agence.fr"  # a copy


def test_a_guest_is_one_person_in_every_form_and_free_text() -> None:
    guest = pseudonymize(crafted(), b"k" * 32).tables["identity.guests"][0]
    digest = guest["display_name"].removeprefix("Person ")
    assert re.fullmatch(r"[0-9a-f]{10}", digest)
    assert guest["mail"] == f"person-{digest}@external.invalid"  # the guest's own domain would point at them
    assert guest["upn"] == f"person-{digest}@agence.onmicrosoft.com"
    assert guest["onedrive_url"] == f"https://agence-my.sharepoint.com/personal/person-{digest}"
    issue = pseudonymize(crafted(), b"k" * 32).issues[0]
    assert "Anne Petit" not in issue.message and f"Person {digest}" in issue.message
    assert "jean.dupont" not in issue.endpoint


def test_column_order_does_not_change_pseudonyms() -> None:
    source = crafted()
    guest = source.tables["identity.guests"][0]
    source.tables["identity.guests"][0] = dict(reversed(list(guest.items())))  # onedrive_url first
    source.tables["identity.guests"].append({"display_name": "Jean Marcel", "mail": "jean.marcel@agence.fr"})
    source.tables["identity.guests"].append({"display_name": "Jean", "mail": "jean@agence.fr"})
    source.issues[0].message = "Jean Marcel, Jean and Jeanne could not be read."
    done = pseudonymize(source, b"k" * 32)
    assert done.tables["identity.guests"][0] == pseudonymize(crafted(), b"k" * 32).tables["identity.guests"][0]
    marcel, jean = (r["display_name"] for r in done.tables["identity.guests"][1:])
    assert done.issues[0].message == f"{marcel}, {jean} and Jeanne could not be read."  # whole words only


def test_another_key_gives_other_pseudonyms(tmp_path: Path) -> None:
    first, second = load_key(tmp_path / "a.key"), load_key(tmp_path / "b.key")
    assert first.created and not load_key(tmp_path / "a.key").created
    assert first.secret not in repr(first).encode() and first.secret.hex() not in repr(first)
    one = pseudonymize(crafted(), first.secret).tables["exchange.largest_mailboxes"][0]["mailbox"]
    assert one == pseudonymize(crafted(), load_key(tmp_path / "a.key").secret).tables[
        "exchange.largest_mailboxes"][0]["mailbox"]
    assert one != pseudonymize(crafted(), second.secret).tables["exchange.largest_mailboxes"][0]["mailbox"]


def test_a_bad_key_file_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    snap.save(crafted(), path)
    short = tmp_path / "short.key"
    short.write_text("abcd\n")
    result = run_cli("assess", str(path), "--out", str(tmp_path / "r"), "--pseudonymize", "--pseudonymize-key",
                     str(short))
    assert result.returncode == 2
    assert "too short" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "r").exists()  # nothing half-written


def test_the_default_key_lives_in_the_users_config(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    snap.save(crafted(), path)
    env = clean_env(HOME=str(tmp_path / "home"))
    env.pop("XDG_CONFIG_HOME", None)
    result = run_cli("assess", str(path), "--out", str(tmp_path / "r"), "--pseudonymize-resources", env=env)
    assert result.returncode == 0, result.stderr
    key = tmp_path / "home" / ".config" / "m365exit" / "pseudonymize.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert str(key) in result.stderr and key.read_text().strip() not in result.stderr + result.stdout
    assert "are pseudonymised too" in (tmp_path / "r" / "report.en.html").read_text(encoding="utf-8")


def test_run_pseudonymises_the_snapshot_and_brands_the_reports(sim: Any, demo_tenant: Any, tmp_path: Path) -> None:
    from tests.test_brand import GOOD, brand_file, png

    path = brand_file(tmp_path / "brand", GOOD.format(logo="logo.png"), png(), "logo.png")
    out = tmp_path / "out"
    result = run_cli("run", "--out", str(out), "--format", ALL_FORMATS, "--brand", str(path),
                     "--pseudonymize-key", str(tmp_path / "k"), env=clean_env(**sim.env()))  # a key implies it
    assert result.returncode == 0, result.stderr
    assert leaks(out, people_identifiers(demo_tenant)) == {}
    assert json.loads(gzip.decompress((out / "snapshot.json.gz").read_bytes()))["pseudonymized"] == ["people"]
    html = (out / "report.en.html").read_text(encoding="utf-8")
    assert "Agence de l&#39;eau &lt;b&gt;Loire&lt;/b&gt;" in html and 'src="data:image/png;base64,' in html

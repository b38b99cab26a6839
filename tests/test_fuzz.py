"""Property-based fuzzing of every loader a user's file reaches: only the documented errors come out.

Each loader either returns or raises its own M365ExitError subclass (one sentence, a documented exit code);
any other exception would reach the user as exit 1, "a bug in m365exit".
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from m365exit import answers, snapshot
from m365exit.engine.loader import load_catalogue
from m365exit.engine.yamlsrc import parse_yaml
from m365exit.errors import RulesError, SnapshotError, UsageError
from m365exit.facts import FACTS
from m365exit.importer import import_dir
from m365exit.portfolio import spec as portfolio_spec
from m365exit.resources import rules_dir

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=20))
keys = st.one_of(st.sampled_from(sorted(FACTS)), st.sampled_from(["facts", "notes", "schema", "rules", "id",
                                                                  "workload", "answered_at"]), st.text(max_size=12))
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)), max_leaves=25)
yaml_texts = st.one_of(
    st.text(max_size=300),
    json_values.map(lambda v: yaml.safe_dump(v, allow_unicode=True)),
    st.lists(st.sampled_from(["facts:", "  exchange.mailboxes: 3", "- &a x", "- *a", "  - [", "key: {", "'",
                              "\t", "<<: *a", "? x", "!!python/object:os.system x", "%YAML 1.1", "---", "2026-13-45:"]),
             max_size=8).map("\n".join),
)


def _tmp() -> Path:
    return Path(tempfile.mkdtemp(prefix="m365exit-fuzz-"))


@FUZZ
@given(st.binary(max_size=400) | json_values.map(lambda v: json.dumps(v).encode())
       | st.dictionaries(keys, json_values, max_size=6).map(
           lambda v: json.dumps({"schema": "m365exit.snapshot/1", "collected_at": "2026-11-01T00:00:00Z", **v}
                                ).encode()))
def test_snapshot_loader(raw: bytes) -> None:
    path = _tmp() / "s.json"
    path.write_bytes(raw)
    try:
        loaded = snapshot.load(path)
    except SnapshotError:
        return
    for name, value in loaded.facts.items():  # what loads is fit to score
        assert name not in FACTS or FACTS[name].accepts(value)


@FUZZ
@given(yaml_texts)
def test_yaml_source(text: str) -> None:
    with contextlib.suppress(RulesError):
        parse_yaml(Path("fuzz.yaml"), text)


@FUZZ
@given(yaml_texts | st.dictionaries(keys, json_values, max_size=5).map(
    lambda v: yaml.safe_dump({"facts": v}, allow_unicode=True)))
def test_answers_loader(text: str) -> None:
    path = _tmp() / "answers.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        loaded = answers.load(path)
    except RulesError:
        return
    assert all(FACTS[name].accepts(value) for name, value in loaded.facts.items())


def _rule_file(data: Any) -> str:
    base = yaml.safe_load((rules_dir() / "planner.yaml").read_text(encoding="utf-8"))
    if isinstance(data, dict):
        base.update(data)
    else:
        base["rules"] = data
    return yaml.safe_dump(base, allow_unicode=True)


@FUZZ
@given(yaml_texts | st.dictionaries(keys, json_values, max_size=4).map(_rule_file)
       | st.lists(json_values, max_size=3).map(_rule_file))
def test_rules_overlay_loader(text: str) -> None:
    overlay = _tmp()
    (overlay / "planner.yaml").write_text(text, encoding="utf-8")
    with contextlib.suppress(RulesError):
        load_catalogue([overlay])


MAILBOX = ("Report Refresh Date,User Principal Name,Display Name,Is Deleted,Deleted Date,Created Date,"
           "Last Activity Date,Item Count,Storage Used (Byte),Issue Warning Quota (Byte),Prohibit Send Quota (Byte),"
           "Prohibit Send/Receive Quota (Byte),Deleted Item Count,Deleted Item Size (Byte),Deleted Item Quota (Byte),"
           "Has Archive,Recipient Type,Report Period\n")
cells = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12)


@FUZZ
@given(st.binary(max_size=300)
       | st.lists(st.lists(cells, max_size=20).map(",".join), max_size=5).map(
           lambda rows: (MAILBOX + "\n".join(rows)).encode()))
def test_report_csv_import(raw: bytes) -> None:
    folder = _tmp()
    (folder / "report.csv").write_bytes(raw)
    try:
        imported = import_dir(folder)
    except (SnapshotError, UsageError):
        return
    for name, value in imported.snapshot.facts.items():
        assert FACTS[name].accepts(value), (name, value)


@FUZZ
@given(yaml_texts | st.lists(st.dictionaries(st.sampled_from(sorted(portfolio_spec.TENANT_KEYS | {"client_secret"}))
                                              | keys, json_values, max_size=6), max_size=3).map(
    lambda tenants: yaml.safe_dump({"tenants": tenants}, allow_unicode=True)))
def test_portfolio_loader(text: str) -> None:
    folder = _tmp()
    (folder / "portfolio.yaml").write_text(text, encoding="utf-8")
    with contextlib.suppress(RulesError):
        loaded = portfolio_spec.load(folder / "portfolio.yaml")
        assert all(portfolio_spec.ID.fullmatch(t.id) for t in loaded.tenants)


brand_values = st.one_of(scalars, st.sampled_from(["#6a1b9a", "#fff", "red", "logo.svg", "logo.png", "../x.png",
                                                   "/etc/passwd", "<svg onload=alert(1)>"]),
                         st.dictionaries(st.sampled_from(["primary", "accent", "other"]), scalars | st.just("#123456"),
                                         max_size=3))


@FUZZ
@given(yaml_texts | st.dictionaries(st.sampled_from(["organisation", "author", "logo", "colours", "confidentiality",
                                                     "client", "colors", "x"]), brand_values, max_size=5).map(
    lambda v: yaml.safe_dump(v, allow_unicode=True)),
       st.binary(max_size=200))
def test_brand_loader(text: str, logo: bytes) -> None:
    from m365exit import brand

    folder = _tmp()
    (folder / "brand.yaml").write_text(text, encoding="utf-8")
    (folder / "logo.svg").write_bytes(logo)
    (folder / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + logo)
    with contextlib.suppress(RulesError):
        loaded = brand.load(folder / "brand.yaml")
        logo_uri = loaded.get("logo")
        assert logo_uri is None or str(logo_uri).startswith("data:image/")

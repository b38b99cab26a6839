"""The cross-tenant report from a shared history store: the latest run of each tenant (DESIGN §13).

Shards of a portfolio run on different machines (a CI matrix, a Kubernetes Indexed Job) and all record into
one PostgreSQL store; this reads it back. With the portfolio file, rows take its ids and names, and a tenant
listed there without any run shows as missing rather than silently absent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from m365exit.engine.loader import load_catalogue
from m365exit.portfolio import spec
from m365exit.portfolio.summary import TenantRow, document, failed_row, row_of_run
from m365exit.report.i18n import catalog


def from_history(url: str, portfolio: Path | None, out: Path, lang: str) -> dict[str, Any]:
    from m365exit.history import open_store

    titles = {r.id: {lang_: t["title"] for lang_, t in sorted(r.texts.items())} for r in load_catalogue([]).rules}
    listed = spec.load(portfolio).tenants if portfolio is not None else []
    rows: list[TenantRow] = []
    with open_store(url) as store:
        latest = {run.tenant_id.lower(): run for run in store.latest_per_tenant()}
        seen: set[str] = set()
        for tenant in listed:  # the file names a tenant by id or domain; the store knows its id and name
            key = next((k for k, r in latest.items() if tenant.tenant.lower() in (k, r.tenant_name.lower())), None)
            if key is None:
                rows.append(failed_row(tenant.id, tenant.name, catalog(lang).gettext(
                    "no run of this tenant in the history store"), status="missing"))
                continue
            seen.add(key)
            rows.append(_row(tenant.id, tenant.name, store.load(_id(latest[key])), titles, out, lang))
        for key, run in sorted(latest.items()):
            if key not in seen and not listed:  # without a file, every tenant of the store
                rows.append(_row(run.tenant_id, run.tenant_name, store.load(_id(run)), titles, out, lang))
    return document(rows)


def _id(run: Any) -> int:
    assert run.id is not None  # a stored run has its number
    return int(run.id)


def _row(tenant_id: str, name: str, run: Any, titles: dict[str, dict[str, str]], out: Path, lang: str) -> TenantRow:
    own = out / tenant_id / f"report.{lang}.html"  # the shard's own report, when its artefacts were gathered here
    return row_of_run(tenant_id, name, run, titles, f"{tenant_id}/{own.name}" if own.is_file() else "")

"""SharePoint Online: sites, their volume and activity, the largest ones to plan for."""

from __future__ import annotations

from typing import Any

from m365exit import usage_reports as ur
from m365exit.collectors import Output, collector, report_source
from m365exit.graph import GraphClient

sharepoint = collector("sharepoint", "SharePoint Online: sites, document libraries, intranet")
TOP_SITES = 50


@sharepoint.source(
    "sites", endpoint="/sites/getAllSites", permission="Sites.Read.All", facts=["sharepoint.sites"],
    purpose="Sites to rebuild (personal OneDrive sites excluded).",
)
def sites(client: GraphClient, period: str) -> Output:
    total = 0
    for site in client.iter_items("sites/getAllSites", {"$select": "id,isPersonalSite", "$top": 999}):
        total += not site.get("isPersonalSite")
    return Output(facts={"sharepoint.sites": total})


@report_source(
    sharepoint, "site-usage", function="getSharePointSiteUsageDetail",
    facts=["sharepoint.storage_bytes", "sharepoint.files", "sharepoint.sites_active", "sharepoint.sites_group"],
    purpose="Files and storage to migrate, sites in use, the largest sites.",
)
def site_usage(csv: bytes | str, period: str) -> Output:
    frame = ur.live_rows(ur.read_report(csv, ["Is Deleted", "Site URL", "Root Web Template", "Storage Used (Byte)",
                                              "File Count", "Last Activity Date", "Owner Principal Name"]))
    template = frame["Root Web Template"].str.strip().str.upper() if "Root Web Template" in frame else None
    sized = ur.with_numbers(frame, _bytes="Storage Used (Byte)", _files="File Count")
    largest = sized.sort_values(["_bytes", "Site URL"], ascending=[False, True]).head(TOP_SITES)
    rows = [
        {"site": str(r.get("Site URL", "")), "template": str(r.get("Root Web Template", "")),
         "storage_bytes": int(r["_bytes"]), "files": int(r["_files"]),
         "last_activity": str(r.get("Last Activity Date", ""))}
        for _, r in largest.iterrows()
    ]
    facts: dict[str, int | float | bool | str] = {
        "sharepoint.storage_bytes": ur.total(frame, "Storage Used (Byte)"),
        "sharepoint.files": ur.total(frame, "File Count"),
        "sharepoint.sites_active": int(ur.active(frame, period).sum()),
    }
    absent = {}
    if template is not None:
        facts["sharepoint.sites_group"] = int((template == "GROUP").sum())
    else:
        absent["sharepoint.sites_group"] = "The SharePoint usage report has no 'Root Web Template' column."
    templates: list[dict[str, Any]] = []
    if "Root Web Template" in sized:
        by_template = sized.groupby("Root Web Template").agg(sites=("_bytes", "size"), storage_bytes=("_bytes", "sum"),
                                                            files=("_files", "sum"))
        templates = [{"template": str(name) or "(none)", "sites": int(row.sites),
                      "storage_bytes": int(row.storage_bytes), "files": int(row.files)}
                     for name, row in by_template.iterrows()]
    templates.sort(key=lambda r: (-r["sites"], r["template"]))
    return Output(facts=facts, tables={"sharepoint.largest_sites": rows, "sharepoint.templates": templates},
                  absent=absent,
                  tenant={"report_names_concealed": ur.names_concealed(frame, "Owner Principal Name")}
                  if "Owner Principal Name" in frame else {})

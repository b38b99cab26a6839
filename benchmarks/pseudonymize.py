"""Pseudonymisation cost on a snapshot with a per-person table of N rows (a table a collector may add later).

    python benchmarks/pseudonymize.py [--people 100000]

Prints the time and the rows per second; asserts nothing (tests never assert on time).
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime

from m365exit.pseudonymize import pseudonymize
from m365exit.snapshot import CollectionIssue, Snapshot, TenantInfo


def snapshot(people: int) -> Snapshot:
    rows = [{"display_name": f"Prénom{i % 997} Nom{i}", "upn": f"p{i}.nom{i}@agence.fr", "mail": f"p{i}@agence.fr",
             "onedrive_url": f"https://agence-my.sharepoint.com/personal/p{i}_nom{i}_agence_fr",
             "department": f"Service {i % 40}", "storage_bytes": i * 1000} for i in range(people)]
    issues = [CollectionIssue(workload="onedrive", endpoint=f"/users/p{i}.nom{i}@agence.fr/drive",
                              message=f"Prénom{i % 997} Nom{i} could not be read.") for i in range(0, people, 100)]
    return Snapshot(collected_at=datetime(2026, 1, 1, tzinfo=UTC), tenant=TenantInfo(default_domain="agence.fr"),
                    tables={"identity.people": rows}, issues=issues)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=100_000)
    args = parser.parse_args()
    source = snapshot(args.people)
    started = time.perf_counter()
    pseudonymize(source, b"k" * 32)
    seconds = time.perf_counter() - started
    print(f"{args.people} people, {len(source.issues)} issues: {seconds:.2f} s ({args.people / seconds:,.0f} rows/s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

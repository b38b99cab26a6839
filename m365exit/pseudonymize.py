"""Pseudonymisation: every person in a snapshot becomes a stable pseudonym from a keyed HMAC (DESIGN §14).

A person's display name, UPN, mail address and OneDrive URL all become `person-<h>` forms sharing one
`<h>`: HMAC-SHA256(key, the person's address), so the reader can still join rows, the same key gives the
same pseudonyms in every run and format, and only the holder of the key can map them back (by
pseudonymising the original identifiers again). Guests are people; shared mailboxes, rooms, sites and teams
keep their names unless resources are pseudonymised too. Counts do not change, so neither do scores, and
tables keep their rows.

People are found three ways: columns known to hold them (and, in tables added later, columns whose name
says so); mail addresses and OneDrive URLs anywhere in the text; and, once found, their names wherever they
appear again (an issue's message, a free-text column).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from m365exit.errors import UsageError
from m365exit.snapshot import Snapshot

KEY_BYTES = 32
MIN_KEY_BYTES = 16
DIGEST_CHARS = 10  # 40 bits: collisions stay unlikely up to a few hundred thousand people
PEOPLE, RESOURCES = "people", "resources"

# table → column → kind. "mailbox" is a person or a resource, as the row's type says.
KNOWN_COLUMNS: dict[str, dict[str, str]] = {
    "exchange.largest_mailboxes": {"mailbox": "mailbox"},
    "sharepoint.largest_sites": {"site": "site"},
    "teams.private_channels": {"team": "team"},
}
# In any other table, columns with these names hold people (a table another collector adds later).
PERSON_COLUMNS = {
    "user", "upn", "user_principal_name", "mail", "email", "display_name", "owner", "owner_name", "owner_upn",
    "owner_mail", "guest", "person", "member", "manager", "created_by", "modified_by", "account", "onedrive",
    "onedrive_url",
}
RESOURCE_MAILBOX_TYPES = {"shared", "room", "equipment"}
_ADDRESS = re.compile(r"[A-Za-z0-9._%+'#-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_ONEDRIVE = re.compile(r"(https://[A-Za-z0-9.-]+-my\.sharepoint\.[A-Za-z.]+/personal/)([^/\s?#\"'<>]+)")
_WORD = re.compile(r"\w+")
_SITE = re.compile(r"(https://[A-Za-z0-9.-]+/(?:sites|teams)/)([^/\s?#\"'<>]+)")


@dataclass(frozen=True)
class Key:
    path: Path
    secret: bytes = field(repr=False)  # never printed, never logged
    created: bool = False


def default_key_path() -> Path:
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "m365exit" / "pseudonymize.key"


def load_key(path: Path | None = None) -> Key:
    """The key in `path` (default: ~/.config/m365exit/pseudonymize.key), created with mode 0600 if missing."""
    path = path or default_key_path()
    created = False
    if not path.exists():
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(secrets.token_hex(KEY_BYTES) + "\n")
            created = True
        except FileExistsError:
            pass  # another run created it meanwhile: use theirs
        except OSError as exc:
            raise UsageError(f"Cannot create the pseudonymisation key {path}: {exc.strerror}.",
                             "Give a writable path with --pseudonymize-key FILE.") from None
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"Cannot read the pseudonymisation key {path}: {exc.strerror}.",
                         "Check --pseudonymize-key; a missing file is created for you.") from None
    text = raw.strip()
    try:
        secret = bytes.fromhex(text.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        secret = text
    if len(secret) < MIN_KEY_BYTES:
        raise UsageError(f"The pseudonymisation key {path} is too short ({len(secret)} bytes; at least "
                         f"{MIN_KEY_BYTES} are needed).",
                         "Point --pseudonymize-key at the key m365exit created, or at a new path to create one.")
    return Key(path, secret, created)


class Pseudonymizer:
    """Maps identifiers to pseudonyms under one key; the tenant's own domains stay in pseudonymous addresses."""

    def __init__(self, secret: bytes, domains: set[str], resources: bool) -> None:
        self.secret = secret
        self.domains = {d.lower() for d in domains if d}
        self.resources = resources
        self.seen: dict[str, str] = {}  # identifier as written → its pseudonym, replaced again in free text
        self.keep: set[str] = set()  # resource addresses that keep their name
        self.owners: dict[str, str] = {}  # OneDrive path segment → the address of its owner
        self.by_first_word: dict[str, list[str]] = {}  # names found, by their first word, longest first

    def digest(self, kind: str, identity: str) -> str:
        mac = hmac.new(self.secret, f"{kind}:{identity.strip().lower()}".encode(), hashlib.sha256)
        return mac.hexdigest()[:DIGEST_CHARS]

    def _remember(self, original: str, pseudonym: str) -> str:
        if original and original != pseudonym and original not in self.seen:
            self.seen[original] = pseudonym
            if "@" in original:
                self.owners[original.lower().replace(".", "_").replace("@", "_")] = _guest_mail(original)
            first = _WORD.match(original)
            if first and len(original) >= 3:
                self.by_first_word.setdefault(first.group(0), []).append(original)
        return pseudonym

    def _domain(self, domain: str) -> str:
        return domain if domain.lower() in self.domains else "external.invalid"

    def address(self, address: str, kind: str = "person") -> str:
        identity = _guest_mail(address)
        domain = address.rpartition("@")[2]
        return self._remember(address, f"{kind}-{self.digest(kind, identity)}@{self._domain(domain)}")

    def name(self, name: str, identity: str | None = None, kind: str = "person") -> str:
        label = {"person": "Person", "team": "Team", "mailbox": "Mailbox"}.get(kind, kind.title())
        return self._remember(name, f"{label} {self.digest(kind, identity or name)}")

    def onedrive(self, url: str) -> str:
        return _ONEDRIVE.sub(lambda m: m.group(1) + "person-" + self.digest("person", self._owner(m.group(2))), url)

    def _owner(self, segment: str) -> str:
        """OneDrive's path is the owner's UPN with '.' and '@' written '_': use the address when it is known."""
        return self.owners.get(segment.lower(), segment)

    def site(self, url: str) -> str:
        return self._remember(url, _SITE.sub(lambda m: m.group(1) + "site-" + self.digest("site", m.group(2)), url))

    def text(self, value: str) -> str:
        """Mail addresses and OneDrive URLs anywhere in free text (resources kept when they keep their names)."""
        def address(match: re.Match[str]) -> str:
            found = match.group(0)
            if found.lower() in self.keep:
                return found
            return self.seen.get(found) or self.address(found)

        return _ADDRESS.sub(address, self.onedrive(value))

    def names_again(self, value: str) -> str:
        """Names already pseudonymised, wherever they appear again: looked up by word, so the cost does not grow
        with the number of people."""
        out, done = [], 0
        for word in _WORD.finditer(value):
            if word.start() < done:
                continue
            for name in self.by_first_word.get(word.group(0), ()):
                end = word.start() + len(name)
                if value.startswith(name, word.start()) and not (end < len(value) and _WORD.match(value, end)):
                    out += [value[done:word.start()], self.seen[name]]
                    done = end
                    break
        return "".join([*out, value[done:]])


def _guest_mail(address: str) -> str:
    """A guest's UPN (jean.dupont_example.fr#EXT#@tenant.onmicrosoft.com) names the same person as their mail."""
    lowered = address.strip().lower()
    local, ext, _ = lowered.partition("#ext#")
    if ext and "_" in local:
        user, _, domain = local.rpartition("_")
        return f"{user}@{domain}"
    return lowered


def pseudonymize(snapshot: Snapshot, secret: bytes, resources: bool = False) -> Snapshot:
    """A copy of the snapshot with people (and resources, when asked) pseudonymised; idempotent per category."""
    done = set(snapshot.pseudonymized)
    want = {PEOPLE, RESOURCES} if resources else {PEOPLE}
    if want <= done:
        return snapshot
    people = PEOPLE not in done
    copy = snapshot.model_copy(deep=True)
    domains = {copy.tenant.default_domain, *(str(r.get("domain", "")) for r in copy.tables.get("identity.domains", []))}
    p = Pseudonymizer(secret, domains, resources=RESOURCES in want - done)
    handled: list[tuple[dict[str, Any], set[str]]] = []
    for name, rows in copy.tables.items():
        columns = KNOWN_COLUMNS.get(name, {})
        handled += [(row, _row(p, row, columns, people)) for row in rows]
    if people:
        for names in p.by_first_word.values():
            names.sort(key=lambda n: (-len(n), n))  # the longest name that matches wins

        def again(value: Any) -> Any:
            return p.names_again(p.text(value)) if isinstance(value, str) else value

        for row, done_columns in handled:
            for column, value in row.items():
                if column not in done_columns:
                    row[column] = again(value)
        for issue in copy.issues:
            issue.message, issue.endpoint = again(issue.message), again(issue.endpoint)
        copy.facts = {k: again(v) for k, v in copy.facts.items()}
    copy.pseudonymized = sorted(done | want)
    return copy


def _row(p: Pseudonymizer, row: dict[str, Any], columns: dict[str, str], people: bool) -> set[str]:
    """Pseudonymise the columns of one row whose meaning is known (by table, or by column name); return them."""
    identity = next((str(row[c]) for c in ("upn", "user_principal_name", "mail", "email", "mailbox")
                     if isinstance(row.get(c), str) and "@" in str(row[c])), None)
    handled = set()
    for column, value in list(row.items()):
        kind = columns.get(column) or ("person" if column in PERSON_COLUMNS else None)
        if not isinstance(value, str) or not value or kind is None:
            continue
        handled.add(column)
        if kind == "mailbox":
            resource = str(row.get("type", "")).strip().lower() in RESOURCE_MAILBOX_TYPES
            if resource and not p.resources:
                p.keep.add(value.lower())
            elif resource:
                row[column] = p.address(value, "mailbox") if "@" in value else p.name(value, kind="mailbox")
            elif people:
                row[column] = p.address(value) if "@" in value else p.name(value)
        elif kind == "person" and people and "-my.sharepoint." not in value:  # OneDrive URLs: in the second
            row[column] = p.address(value) if "@" in value else p.name(value, _guest_mail(identity or value))
        elif kind == "site" and p.resources:
            row[column] = p.site(value)
        elif kind == "team" and p.resources:
            row[column] = p.name(value, kind="team")
        else:
            handled.discard(column)  # pass, once every owner's address is known; the free-text pass sees it
    return handled

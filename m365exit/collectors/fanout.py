"""GETs that go through the collection's shared `$batch` envelopes, and fan-out over objects (DESIGN §5, §11).

A fan-out reads one path per object (each team's channels, each group's plans). When some objects cannot
be read while others can (a 403 for one team, a 404 for a team deleted since it was listed), the facts are
kept as counts over the readable objects, with their `coverage` and one note naming the objects that could
not be read. When none can be read, the source fails as before: its facts stay absent.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from typing import Any

from m365exit.collectors import Output
from m365exit.collectors.batching import SharedBatches
from m365exit.graph import GraphClient, GraphError, inner_error

NAMED = 20  # objects named in the note; the count says how many more
_SHARED: ContextVar[tuple[SharedBatches, str] | None] = ContextVar("m365exit_shared_batches", default=None)


@contextlib.contextmanager
def joined(batches: SharedBatches, participant: str) -> Iterator[None]:
    """GETs made in this context (by this source's thread) go through the shared envelopes."""
    token = _SHARED.set((batches, participant))
    try:
        yield
    finally:
        _SHARED.reset(token)


def _answers(client: GraphClient, paths: Sequence[str]) -> Iterator[tuple[str, int, dict[str, Any]]]:
    shared = _SHARED.get()
    if shared is None:
        yield from client.batch_get(paths)
    else:
        yield from shared[0].get(shared[1], paths)


def _whole(client: GraphClient, body: dict[str, Any]) -> dict[str, Any]:
    """The body with the items of every further page (Graph may page an inner answer too)."""
    next_link = body.get("@odata.nextLink")
    if not next_link or not isinstance(body.get("value"), list):
        return body
    items = list(body["value"])
    for page in client.iter_pages(str(next_link)):
        items.extend(page)
    return {**body, "value": items}


def _failure(path: str, status: int, body: dict[str, Any]) -> GraphError:
    code, message = inner_error(body)
    return GraphError("/" + path.split("?")[0], status, code, message)


def shared_get(client: GraphClient, path: str) -> dict[str, Any]:
    """One GET (every page of it) through the shared envelopes; GraphError when Graph refuses it."""
    for answered, status, body in _answers(client, [path]):
        if status >= 400:
            raise _failure(answered, status, body)
        return _whole(client, body)
    raise AssertionError("unreachable: one path, one answer")


class FanOut:
    """Iterate (object id, whole body) over the objects that answered; `finish` adds coverage and the note.

    `objects` are (id, display name) pairs; `template` holds `{}` where the id goes.
    """

    def __init__(self, client: GraphClient, objects: Sequence[tuple[str, str]], template: str, unit: str) -> None:
        self.client = client
        self.objects = list(objects)
        self.template = template
        self.unit = unit
        self.failed: list[tuple[str, str, int, str]] = []  # id, name, status, code
        self._first: GraphError | None = None

    def __iter__(self) -> Iterator[tuple[str, dict[str, Any]]]:
        paths = [self.template.format(oid) for oid, _ in self.objects]
        for (oid, name), (path, status, body) in zip(self.objects, _answers(self.client, paths), strict=True):
            if status >= 400:
                error = _failure(path, status, body)
                self._first = self._first or error
                self.failed.append((oid, name, status, error.code))
                continue
            yield oid, _whole(self.client, body)

    @property
    def covered(self) -> int:
        return len(self.objects) - len(self.failed)

    def finish(self, output: Output) -> Output:
        """The output as is when every object answered; with coverage and a note when some did not.
        Raises the first failure when none answered: the facts are then absent, as for any failed source."""
        if not self.failed:
            return output
        if self.covered == 0 and self._first is not None:
            raise self._first
        total = len(self.objects)
        for fact in output.facts:
            output.coverage[fact] = {"covered": self.covered, "total": total, "unit": self.unit}
        statuses = {status for _, _, status, _ in self.failed}
        codes = {code for _, _, _, code in self.failed}
        named = "; ".join(f"{name or oid} ({oid}): {status}{' ' + code if code else ''}"
                          f"{' (deleted since it was listed?)' if status == 404 else ''}"
                          for oid, name, status, code in self.failed[:NAMED])
        more = f"; and {len(self.failed) - NAMED} more" if len(self.failed) > NAMED else ""
        # The same call worked for the other objects: this is not a missing permission, so none is named.
        message = (f"{len(self.failed)} of {total} {self.unit} could not be read; the figures count the "
                   f"{self.covered} others and are lower bounds. {named}{more}.")
        output.notes.append({"status": statuses.pop() if len(statuses) == 1 else None,
                             "code": codes.pop() if len(codes) == 1 else "", "message": message})
        return output

"""`$batch` envelopes shared by every source of a collection (DESIGN §8, §11): 20 inner GETs per request.

Deterministic packing, whatever order sources finish in: each participant hands in its paths once. Its
full chunks of 20 leave at once; its remainder (fewer than 20) waits until every participant has handed
in its paths or withdrawn, and then all remainders are packed together, in registry order. So the number
of requests depends on the plan only, never on timing.

Each service has its own workers (as many as its in-flight bound): a service that Graph pauses holds back
its own envelopes only.
"""

from __future__ import annotations

import queue
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from m365exit.graph import BATCH_LIMIT, GraphClient, GraphError, service_of

Answer = tuple[int, dict[str, Any]]
_SPENT: Answer = (0, {})


class Ticket:
    """One inner GET waiting for its answer (or for the error that lost its whole envelope)."""

    __slots__ = ("answer", "done", "error", "path")

    def __init__(self, path: str) -> None:
        self.path = path
        self.done = threading.Event()
        self.answer: Answer = (0, {})
        self.error: BaseException | None = None


class SharedBatches:
    def __init__(self, client: GraphClient, participants: Iterable[str]) -> None:
        self.client = client
        self._rank = {key: rank for rank, key in enumerate(participants)}
        self._open = set(self._rank)  # participants that may still hand in a remainder
        self._rest: dict[str, list[Ticket]] = {}
        self._lock = threading.Lock()
        self._queues: dict[str, queue.SimpleQueue[list[Ticket] | None]] = {}
        self._workers: list[threading.Thread] = []

    def get(self, participant: str, paths: Sequence[str]) -> Iterator[tuple[str, int, dict[str, Any]]]:
        """(path, status, body) in input order, each as soon as it and those before it are answered."""
        tickets = [Ticket(path) for path in paths]
        whole = len(tickets) - len(tickets) % BATCH_LIMIT
        with self._lock:
            for start in range(0, whole, BATCH_LIMIT):
                self._send(tickets[start:start + BATCH_LIMIT])
            if participant in self._open:
                self._rest[participant] = tickets[whole:]
                self._settle(participant)
            elif whole < len(tickets):  # a second hand-in, or a caller outside the plan: nothing to wait for
                self._send(tickets[whole:])
        for ticket in tickets:
            ticket.done.wait()
            if ticket.error is not None:
                raise ticket.error
            answer, ticket.answer = ticket.answer, _SPENT  # the caller streams it into aggregates: let it go
            yield (ticket.path, *answer)

    def withdraw(self, participant: str) -> None:
        """This participant will hand in nothing (it failed, or finished without a fan-out)."""
        with self._lock:
            self._settle(participant)

    def close(self) -> None:
        with self._lock:
            for q in self._queues.values():
                for _ in range(self.client.max_in_flight):
                    q.put(None)

    # -- inside the lock --------------------------------------------------------------------------

    def _settle(self, participant: str) -> None:
        self._open.discard(participant)
        if self._open or not self._rest:
            return
        pooled = [t for key in sorted(self._rest, key=self._rank.__getitem__) for t in self._rest[key]]
        self._rest.clear()
        for start in range(0, len(pooled), BATCH_LIMIT):
            self._send(pooled[start:start + BATCH_LIMIT])

    def _send(self, chunk: list[Ticket]) -> None:
        if not chunk:
            return
        service = Counter(service_of(t.path) for t in chunk).most_common(1)[0][0]
        q = self._queues.get(service)
        if q is None:
            q = self._queues[service] = queue.SimpleQueue()
            for n in range(self.client.max_in_flight):
                worker = threading.Thread(target=self._work, args=(q,), name=f"batch-{service}-{n}", daemon=True)
                worker.start()
                self._workers.append(worker)
        q.put(chunk)

    # -- workers ------------------------------------------------------------------------------------

    def _work(self, q: queue.SimpleQueue[list[Ticket] | None]) -> None:
        while (chunk := q.get()) is not None:
            try:
                answers = self.client.batch_round([t.path for t in chunk])
            except GraphError as error:
                for ticket in chunk:
                    ticket.error = error
                    ticket.done.set()
                continue
            except BaseException as error:  # a bug: surface it in the source rather than hang it
                for ticket in chunk:
                    ticket.error = error
                    ticket.done.set()
                raise
            for ticket, answer in zip(chunk, answers, strict=True):
                ticket.answer = answer
                ticket.done.set()

"""Report downloads held in memory: the bytes read but not yet parsed stay within a budget.

A usage report of 100,000 users weighs tens of MB; with several downloads in flight and one parser, the bodies
waiting for it would add up. A download that would overflow the budget waits once its answer has begun (the
body stays on the wire); one body is always let through, whatever its size, so a report larger than the budget
still comes. Sizes come from Content-Length (a body without one takes the whole budget).
"""

from __future__ import annotations

import io
import threading

import requests


class DownloadBudget:
    """Room for report bodies read but not yet parsed; each `read` is given back by a `release`."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.held = 0
        self.peak = 0
        self._taken: dict[int, int] = {}  # id(response) -> bytes it holds
        self._room = threading.Condition()

    def read(self, response: requests.Response) -> None:
        """Wait for room for the body, then read it (a body cut short raises and gives the room back)."""
        try:
            size = int(response.headers.get("Content-Length") or self.limit)
        except ValueError:
            size = self.limit
        with self._room:
            self._room.wait_for(lambda: not size or not self.held or self.held + size <= self.limit)
            self.held += size
            self.peak = max(self.peak, self.held)
            self._taken[id(response)] = size
        try:
            _read_whole(response)
        except BaseException:
            self.release(response)
            raise

    def release(self, response: requests.Response) -> None:
        with self._room:
            self.held -= self._taken.pop(id(response), 0)
            self._room.notify_all()


def _read_whole(response: requests.Response) -> None:
    """Read a streamed body as `.content` would, without holding it twice (a BytesIO hands its buffer over).
    A body cut short raises here as it would in `.content` (ChunkedEncodingError, ConnectionError)."""
    buffer = io.BytesIO()
    for chunk in response.iter_content(1 << 20):
        buffer.write(chunk)
    response._content = buffer.getvalue()  # what requests itself sets once it has read the body

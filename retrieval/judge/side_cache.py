"""A bounded, thread-safe store of passages' token vectors for the late-interaction judge.

The judge reads each passage alone, so its token vectors do not depend on the question: a bot
that answers many questions over the same few hundred passages encodes each passage once.
Bounded by bytes (least recently used out first), because a passage's vectors weigh ~100 kB.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

# One side's token vectors (fp16, [tokens, hidden]), its matching mask ([tokens]) and each
# token's character span in the text ([tokens, 2]).
SideState = tuple[np.ndarray, np.ndarray, np.ndarray]

DEFAULT_MAX_BYTES = 64 * 2**20


class SideCache:
    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, SideState] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, text: str) -> SideState | None:
        with self._lock:
            state = self._items.get(text)
            if state is not None:
                self._items.move_to_end(text)
            return state

    def put(self, text: str, state: SideState) -> None:
        size = _size(state)
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(text, None)
            if old is not None:
                self._bytes -= _size(old)
            self._items[text] = state
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= _size(dropped)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._items)

    @property
    def bytes(self) -> int:
        return self._bytes


def _size(state: SideState) -> int:
    return sum(int(part.nbytes) for part in state)

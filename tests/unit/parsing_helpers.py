"""Format functions that misbehave, importable by module path so a spawned child finds them."""

from __future__ import annotations

import os
import signal
import time

from domain.documents import Block


def sleep_forever(data: bytes) -> list[Block]:
    time.sleep(3600)
    return []


def hog_memory(data: bytes) -> list[Block]:
    hoard = []
    for _ in range(64 * 1024):  # up to 64 GB in 1 MB steps: far past any limit in the tests
        hoard.append(bytearray(1024 * 1024))
    return [Block(str(len(hoard)))]


def crash(data: bytes) -> list[Block]:
    os.kill(os.getpid(), signal.SIGSEGV)
    return []


def fail_oddly(data: bytes) -> list[Block]:
    raise KeyError("/Root")

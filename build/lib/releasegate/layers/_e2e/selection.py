"""Deterministic sharding: ``--shard i/n`` picks the same scenarios on every machine."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


class ShardError(ValueError):
    pass


def parse_shard(text: str | tuple[int, int] | None) -> tuple[int, int] | None:
    """``"2/3"`` -> ``(2, 3)``; None stays None. Shards are 1-based."""
    if text is None:
        return None
    if isinstance(text, tuple):
        index, total = text
    else:
        match = _SHARD.match(text)
        if not match:
            raise ShardError(f"--shard must look like i/n (e.g. 2/3), got {text!r}")
        index, total = int(match[1]), int(match[2])
    if total < 1 or not 1 <= index <= total:
        raise ShardError(f"--shard {index}/{total}: i must be between 1 and n")
    return index, total


def shard_items(items: Sequence[T], shard: tuple[int, int], *, key: Callable[[T], str]) -> list[T]:
    """Round-robin over the items sorted by ``key``: every item lands in exactly one shard."""
    index, total = shard
    ordered = sorted(items, key=key)
    return [item for position, item in enumerate(ordered) if position % total == index - 1]

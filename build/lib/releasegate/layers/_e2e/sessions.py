"""Per-run persona accounts and logged-in sessions, shared by every pytest-xdist worker.

The first worker that needs a persona creates its account and logged-in storage state under
a file lock in the run's state directory; the others reuse them. A ledger lists every
account the run may have created so the controlling process removes them at the end.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from releasegate.layers._e2e.personas import Account

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

LEDGER = "accounts.jsonl"


@contextmanager
def file_lock(path: Path, timeout_s: float = 180.0) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        if fcntl is None:  # pragma: no cover
            yield
            return
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"waited {timeout_s:.0f}s for {path}") from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class SessionStore:
    def __init__(self, state_dir: Path) -> None:
        self.dir = state_dir
        self.dir.mkdir(parents=True, exist_ok=True)

    def record(self, account: Account) -> None:
        """Add a run-created account to the ledger (once)."""
        if not account.created:
            return
        with file_lock(self.dir / "ledger.lock"):
            if account.email in {a["email"] for a in self._ledger()}:
                return
            with (self.dir / LEDGER).open("a", encoding="utf-8") as out:
                out.write(json.dumps({"persona": account.persona, "email": account.email}) + "\n")

    def _ledger(self) -> list[dict[str, str]]:
        path = self.dir / LEDGER
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]

    def ledger(self) -> list[dict[str, str]]:
        return self._ledger()

    def ensure_account(self, account: Account, create: Callable[[Account], None]) -> None:
        """Create a generated account once per run (whichever worker comes first)."""
        marker = self.dir / f"{account.persona}.account"
        with file_lock(self.dir / f"{account.persona}.lock"):
            if marker.exists():
                return
            self.record(account)
            if account.created:
                create(account)
            marker.write_text(account.email, encoding="utf-8")

    def storage_state(self, account: Account, make: Callable[[Path], None]) -> Path:
        """The persona's logged-in storage state, made once per run."""
        path = self.dir / f"{account.persona}.state.json"
        with file_lock(self.dir / f"{account.persona}.lock"):
            if not path.exists():
                tmp = path.with_suffix(".tmp")
                make(tmp)
                os.replace(tmp, path)
        return path

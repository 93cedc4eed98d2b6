"""Finding a Chromium for the e2e and web layers.

Playwright's own Chromium is preferred when it is installed (a user's CI may have it);
otherwise the system one: ``CHROME_PATH``, then Debian's ``/usr/lib/chromium/chromium``
(the binary behind the ``/usr/bin/chromium`` wrapper script), then anything on PATH.
"""

from __future__ import annotations

import glob
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from releasegate.errors import TargetError

# Flags a sandboxed, offline machine needs. As root Chromium refuses to start without
# --no-sandbox; background networking would try to reach hosts that do not answer here.
HEADLESS_FLAGS: tuple[str, ...] = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)

_SYSTEM_CANDIDATES = ("/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser")


@dataclass(frozen=True)
class BrowserInfo:
    path: str | None  # None: Playwright's bundled browser, resolved by Playwright itself
    source: str  # "playwright", "CHROME_PATH", "system"

    def describe(self) -> str:
        return f"chromium from {self.source}" + (f" ({self.path})" if self.path else "")


def _playwright_chromium() -> str | None:
    root = os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or str(Path.home() / ".cache" / "ms-playwright")
    if root == "0":
        return None
    hits = sorted(glob.glob(os.path.join(root, "chromium-*", "chrome-linux*", "chrome")))
    return hits[-1] if hits else None


def find_chromium(environ: dict[str, str] | None = None) -> BrowserInfo:
    """The browser to drive, or a TargetError saying how to install one."""
    env = os.environ if environ is None else environ
    bundled = _playwright_chromium()
    if bundled:
        return BrowserInfo(path=bundled, source="playwright")
    explicit = env.get("CHROME_PATH")
    if explicit:
        if not Path(explicit).exists():
            raise TargetError(
                f"CHROME_PATH points at {explicit}, which does not exist",
                hint="unset CHROME_PATH or point it at a Chromium binary",
            )
        return BrowserInfo(path=explicit, source="CHROME_PATH")
    for candidate in _SYSTEM_CANDIDATES:
        if Path(candidate).exists():
            return BrowserInfo(path=candidate, source="system")
    on_path = shutil.which("chromium") or shutil.which("google-chrome")
    if on_path:
        return BrowserInfo(path=on_path, source="system")
    raise TargetError(
        "no Chromium found (Playwright's, CHROME_PATH, or /usr/bin/chromium)",
        hint="run `make deps` (installs Debian's chromium) or set CHROME_PATH",
    )

"""Plant distinctive secrets, run the whole pre-deploy stage, and find none in any artifact.

The secrets: a header value with a trailing newline (``echo $KEY > file``), a login's password
and user name (a JSON login body with ``${VAR}`` references), and the token that login returned.
Every file of the run directory is scanned raw, URL-encoded, JSON-escaped and base64-encoded
at every alignment, inside zip and gzip members too.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import os
import subprocess
import sys
import urllib.parse
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
HEADER_VALUE = "rg-PLANTED-hdr-5e1d7c93a"
PASSWORD = "pro-password-1"  # the seeded demo account the login uses (fixtures/promptlib)
EMAIL = "pro@promptlib.test"

CONFIG = """\
[environments.demo]
embedded = true
pages = [{ path = "/", contains = "Prompts that work" }]
endpoints = [{ path = "/api/prompts", contains = "items" }]
headers_from_env = { "X-Planted-Key" = "RG_PLANTED_KEY" }
[environments.demo.auth.login]
path = "/api/auth/login"
body = { email = "${RG_PLANTED_EMAIL}", password = "${RG_PLANTED_PASSWORD}" }
token = "access_token"
[stages.pre-deploy]
layers = ["smoke", "contract", "e2e", "load", "web"]
[layers.contract]
max_examples = 5
[layers.web]
pages = ["/"]
runs = 1
[layers.load]
profile = "smoke-load"
[layers.load.profiles.smoke-load]
users = 2
spawn_rate = 2
duration_s = 5
max_duration_s = 20
max_requests = 2000
"""


def _forms(secret: str) -> list[bytes]:
    raw = secret.encode()
    forms = {raw, urllib.parse.quote(secret, safe="").encode(), json.dumps(secret)[1:-1].encode()}
    for shift in range(3):  # base64 at every alignment: the stable middle of the encoding
        encoded = base64.b64encode(b"\0" * shift + raw)
        start = (shift * 4 + 2) // 3 + 1
        forms.add(encoded[start : start + max(8, len(encoded) - start - 4)])
    return sorted(forms, key=len, reverse=True)


def _contents(path: Path) -> Iterator[tuple[str, bytes]]:
    data = path.read_bytes()
    yield str(path), data
    if path.suffix == ".gz":
        yield f"{path} (gunzipped)", gzip.decompress(data)
    if zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for name in z.namelist():
                yield f"{path}!{name}", z.read(name)


def test_no_planted_secret_survives_a_full_pre_deploy_run(tmp_path: Path) -> None:
    config = tmp_path / "releasegate.toml"
    config.write_text(CONFIG)
    env = {
        **os.environ,
        "RG_PLANTED_KEY": HEADER_VALUE + "\n",
        "RG_PLANTED_EMAIL": EMAIL,
        "RG_PLANTED_PASSWORD": PASSWORD,
    }
    done = subprocess.run(
        [sys.executable, "-m", "releasegate", "run", "--config", str(config), "--plain", "--no-history"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=1500,
        check=False,
    )
    assert done.returncode in (0, 1, 3), done.stderr
    run_dir = next(p for p in (tmp_path / "reports").iterdir() if p.is_dir() and not p.is_symlink())
    secrets = {"header": HEADER_VALUE, "password": PASSWORD}
    leaks: list[str] = []
    for path in sorted(p for p in run_dir.rglob("*") if p.is_file()):
        for where, data in _contents(path):
            leaks += [
                f"{name} in {where}"
                for name, value in secrets.items()
                if any(f in data for f in _forms(value))
            ]
            if b"eyJ" in data and b"." in data:
                for token in _jwts(data):
                    leaks.append(f"a JWT in {where}: {token[:12]!r}...")
    for name, value in secrets.items():
        assert value not in done.stdout + done.stderr, f"{name} printed"
    assert leaks == [], "\n".join(leaks[:20])


def _jwts(data: bytes) -> list[bytes]:
    import re

    return re.findall(rb"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}", data)


def test_the_scanner_finds_what_it_looks_for(tmp_path: Path) -> None:
    """The scan above can fail: each encoding of a planted value is found."""
    value = HEADER_VALUE
    for shift in range(3):
        blob = base64.b64encode(b"x" * shift + value.encode() + b"tail")
        assert any(f in blob for f in _forms(value)), shift
    assert any(f in urllib.parse.quote(f"a={value}").encode() for f in _forms(value))
    with zipfile.ZipFile(tmp_path / "t.zip", "w") as z:
        z.writestr("inner", value)
    assert any(value.encode() in d for _, d in _contents(tmp_path / "t.zip"))

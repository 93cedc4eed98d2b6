"""The one scrubber: every form of a secret, inside zip and gzip members and base64 NDJSON bodies."""

from __future__ import annotations

import base64
import gzip
import io
import json
import zipfile
from pathlib import Path

from releasegate.scrub import scrub_tree

SECRET = "planted-Secret-9f3c</x>"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhYmNkZWZnaCJ9.c2lnbmF0dXJlMTIz"


def _all_bytes(root: Path) -> bytes:
    out = b""
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        if path.suffix == ".zip":
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                data = b"".join(z.read(n) for n in z.namelist())
        out += data
    return out


def test_every_form_in_every_container_is_masked(tmp_path: Path) -> None:
    (tmp_path / "plain.log").write_text(f"token={SECRET} jwt={JWT}\n")
    (tmp_path / "escaped.json").write_text(json.dumps({"v": SECRET}))
    (tmp_path / "locust.log.gz").write_bytes(gzip.compress(f"header {SECRET}\n".encode()))
    with zipfile.ZipFile(tmp_path / "trace.zip", "w") as z:
        z.writestr("trace.network", json.dumps({"auth": f"Bearer {SECRET}"}))
    body = base64.b64encode(f'{{"user": {{"token": "{SECRET}"}}}}'.encode()).decode()
    (tmp_path / "events.ndjson").write_text(json.dumps({"response": {"body": {"$base64": body}}}) + "\n")
    (tmp_path / "clean.txt").write_text("nothing to see")

    changed = scrub_tree(tmp_path, [SECRET])

    assert {p.name for p in changed} == {
        "plain.log",
        "escaped.json",
        "locust.log.gz",
        "trace.zip",
        "events.ndjson",
    }
    everything = _all_bytes(tmp_path)
    ndjson = json.loads((tmp_path / "events.ndjson").read_text())
    everything += base64.b64decode(ndjson["response"]["body"]["$base64"])
    assert SECRET.encode() not in everything
    assert json.dumps(SECRET)[1:-1].encode() not in everything
    assert JWT.encode() not in everything
    assert b"[redacted]" in everything
    assert (tmp_path / "clean.txt").read_text() == "nothing to see"


def test_a_file_root_and_short_values(tmp_path: Path) -> None:
    log = tmp_path / "one.log"
    log.write_text("abc and planted-Secret-9f3c</x>")
    assert scrub_tree(log, ["abc", SECRET]) == [log]
    assert log.read_text() == "abc and [redacted]"

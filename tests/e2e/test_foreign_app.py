"""The bundled personas are promptlib's: against another app the e2e layer asks for a suite."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from releasegate import cli
from releasegate.config import Environment
from releasegate.errors import ConfigError
from releasegate.exitcodes import ExitCode
from releasegate.layers.e2e import SPEC, E2ESettings
from releasegate.spec import RunOptions
from tests.conftest import RunningApp


@pytest.fixture
def foreign_app() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps({"service": "shelf", "version": "2.1"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_another_app_without_a_suite_is_a_config_error_before_anything_runs(
    foreign_app: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(
        ["run", "--base-url", foreign_app, "--layers", "e2e", "--report-dir", str(tmp_path / "r")]
    )
    err = capsys.readouterr().err
    assert code == ExitCode.USAGE, err
    assert "written for the reference app promptlib" in err
    assert "service 'shelf'" in err
    assert "docs/personas.md" in err
    assert not (tmp_path / "r").exists()


def test_the_bundled_suite_runs_on_promptlib_or_with_a_suite_of_its_own(
    promptlib: RunningApp, foreign_app: str, tmp_path: Path
) -> None:
    SPEC.prepare(E2ESettings(), RunOptions(), Environment(name="p", base_url=promptlib.url))  # type: ignore[misc]
    SPEC.prepare(E2ESettings(), RunOptions(), Environment(name="demo", embedded=True))  # type: ignore[misc]
    own = E2ESettings(suite=str(tmp_path))
    SPEC.prepare(own, RunOptions(), Environment(name="f", base_url=foreign_app))  # type: ignore[misc]
    with pytest.raises(ConfigError):
        SPEC.prepare(E2ESettings(), RunOptions(), Environment(name="f", base_url=foreign_app))  # type: ignore[misc]

"""The history on both backends: schema created and versioned on first use, concurrent writers
lose nothing, a newer schema or an unreachable server is refused, and a URL's password is never
shown; ``releasegate judge --history URL --baseline`` reads back runs filed in PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest

from releasegate.cli import main
from releasegate.errors import ConfigError, HistoryError
from releasegate.exitcodes import ExitCode
from releasegate.gates import judge
from releasegate.gates.history import History
from releasegate.gates.historydb import SCHEMA_VERSION, check_location
from releasegate.redact import mask_url, url_passwords
from tests.conftest import PG_PASSWORD
from tests.gates.factories import T0, budgets, layer, rate, run, trend

BUDGETS = budgets({"load.http_req_duration": "p(95) < 800ms"})
WRITERS = 2
RUNS_EACH = 40


def make(run_id: str, seconds: float, values: list[float] | None = None):
    return run(
        layer(
            "load",
            trend("http_req_duration", values or [0.1, 0.2, 0.3], endpoint="GET /"),
            rate("http_req_failed", 99, 1),
        ),
        run_id=run_id,
        started=T0 + timedelta(seconds=seconds),
    )


def test_the_schema_is_created_and_versioned_on_first_use(history_location):
    with History(history_location) as h:
        assert h.query("SELECT version FROM schema_version") == [(SCHEMA_VERSION,)]
        assert h.runs() == []
    with History(history_location) as again:  # a second open migrates nothing
        assert again.query("SELECT count(*) FROM schema_version") == [(1,)]


def test_runners_opening_a_new_history_at_once_all_succeed(history_location):
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            History(history_location).close()
        except BaseException as exc:  # collected: a thread's exception is otherwise lost
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    with History(history_location) as h:
        assert h.query("SELECT version FROM schema_version") == [(SCHEMA_VERSION,)]


def test_concurrent_writers_lose_no_run(history_location):
    """Two runners, each filing many runs and re-filing one shared run, at the same time."""
    errors: list[BaseException] = []
    start = threading.Barrier(WRITERS)

    def writer(n: int) -> None:
        try:
            with History(history_location) as h:
                start.wait(timeout=30)
                for i in range(RUNS_EACH):
                    r = make(f"w{n}-{i:03d}", n * 1000 + i)
                    h.record(r, judge(r, BUDGETS))
                    shared = make("shared", 0, [0.1 * (n + 1)])
                    h.record(shared, judge(shared, BUDGETS))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert errors == []
    with History(history_location) as h:
        ids = {r.run_id for r in h.runs()}
        assert ids == {f"w{n}-{i:03d}" for n in range(WRITERS) for i in range(RUNS_EACH)} | {"shared"}
        assert h.query("SELECT count(*) FROM budgets") == [(WRITERS * RUNS_EACH + 1,)]
        assert h.query("SELECT count(*) FROM series") == [(2 * (WRITERS * RUNS_EACH + 1),)]
        assert h.load("w1-039").layer("load").samples[0].values == [0.1, 0.2, 0.3]  # type: ignore[union-attr]


def test_a_history_of_a_newer_releasegate_is_refused(history_location):
    with History(history_location) as h:
        h.db.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    with pytest.raises(HistoryError, match="newer than this releasegate's"):
        History(history_location)


def test_an_unreachable_server_is_a_history_error_without_the_password(pg_server):
    closed = f"postgresql://postgres:{PG_PASSWORD}@127.0.0.1:1/postgres"
    with pytest.raises(HistoryError) as info:
        History(closed)
    assert PG_PASSWORD not in str(info.value)
    assert "postgres:***@127.0.0.1:1" in str(info.value)
    assert info.value.exit_code is ExitCode.INCONCLUSIVE


def test_a_postgres_history_shows_its_url_masked(postgres_url):
    with History(postgres_url) as h:
        assert PG_PASSWORD not in h.where
        assert h.where.startswith("postgresql://postgres:***@127.0.0.1:")


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://u:pw@h:5432/db", "postgresql://u:***@h:5432/db"),
        (
            "postgresql://u@h/db?password=pw&sslmode=require",
            "postgresql://u@h/db?password=***&sslmode=require",
        ),
        ("postgresql://u%40x:p%3Aw@h/db", "postgresql://u%40x:***@h/db"),
        ("postgresql://h/db", "postgresql://h/db"),
        ("reports/history.sqlite", "reports/history.sqlite"),
    ],
)
def test_mask_url(url, shown):
    assert mask_url(url) == shown
    for secret in url_passwords(url):
        assert secret not in mask_url(url)


def test_url_passwords_in_every_form():
    assert url_passwords("postgresql://u:p%3Aw@h/db") == ["p%3Aw", "p:w"]
    assert url_passwords("postgresql://u@h/db?password=sekret") == ["sekret"]
    assert url_passwords("reports/h.sqlite") == []


def test_an_unknown_scheme_is_a_config_error_without_the_password():
    with pytest.raises(ConfigError) as info:
        check_location("mysql://root:topsecret@db/h")
    assert "topsecret" not in str(info.value)
    assert check_location("sqlite:///tmp/h.sqlite") == "sqlite:///tmp/h.sqlite"


# -- the CLI: judge --history URL --baseline, reading back what PostgreSQL holds -----------------


def _stored(tmp_path: Path, run_id: str, hours: float, values: list[float]) -> Path:
    run_dir = tmp_path / "reports" / run_id
    run_dir.mkdir(parents=True)
    r = run(
        layer("load", trend("http_req_duration", values, endpoint="GET /")),
        run_id=run_id,
        started=T0 + timedelta(hours=hours),
    )
    (run_dir / "results.json").write_text(r.model_dump_json(), encoding="utf-8")
    return run_dir


def test_judge_compares_with_a_baseline_filed_in_postgres(tmp_path, postgres_url, capsys):
    config = tmp_path / "releasegate.toml"
    config.write_text(
        '[budgets]\n"load.http_req_duration" = ["p(95) < 800ms", "p(95) < baseline * 1.5"]\n'
        f'[history]\npath = "{tmp_path / "unused.sqlite"}"\n',
        encoding="utf-8",
    )
    plain = tmp_path / "plain.toml"
    plain.write_text('[budgets]\n"load.http_req_duration" = "p(95) < 800ms"\n', encoding="utf-8")
    first = _stored(tmp_path, "20250115-120000-aaaaaa", 0, [0.1] * 20)
    assert main(["judge", "--config", str(plain), "--history", postgres_url, str(first)]) == ExitCode.GO
    judged = ["judge", "--config", str(config), "--history", postgres_url]
    same = _stored(tmp_path, "20250115-130000-bbbbbb", 1, [0.11] * 20)
    assert main([*judged, str(same), "--baseline", "last-pass", "--no-history"]) == ExitCode.GO
    slower = _stored(tmp_path, "20250115-140000-cccccc", 2, [0.3] * 20)  # 3x the baseline
    assert main([*judged, str(slower), "--baseline", "20250115-120000-aaaaaa"]) == ExitCode.NO_GO
    out = capsys.readouterr()
    assert "baseline" in out.out
    assert not (tmp_path / "unused.sqlite").exists()
    with History(postgres_url) as h:
        assert [r.run_id for r in h.runs()] == ["20250115-140000-cccccc", "20250115-120000-aaaaaa"]
    written = "".join(p.read_text(errors="replace") for p in (tmp_path / "reports").rglob("*") if p.is_file())
    assert PG_PASSWORD not in out.out + out.err + written


def test_judge_with_an_unreachable_history_stops_before_judging(tmp_path, capsys):
    run_dir = _stored(tmp_path, "20250115-120000-aaaaaa", 0, [0.1] * 20)
    closed = f"postgresql://postgres:{PG_PASSWORD}@127.0.0.1:1/postgres"
    config = tmp_path / "releasegate.toml"
    config.write_text('[budgets]\n"load.http_req_duration" = "p(95) < 800ms"\n', encoding="utf-8")
    assert (
        main(["judge", str(run_dir), "--config", str(config), "--history", closed]) == ExitCode.INCONCLUSIVE
    )
    err = capsys.readouterr().err
    assert "cannot reach the history at postgresql://postgres:***@127.0.0.1:1/postgres" in err
    assert PG_PASSWORD not in err
    assert not (run_dir / "verdict.json").exists()


def test_history_from_the_environment_and_a_bad_scheme(tmp_path, capsys, monkeypatch):
    run_dir = _stored(tmp_path, "20250115-120000-aaaaaa", 0, [0.1] * 20)
    config = tmp_path / "releasegate.toml"
    config.write_text('[budgets]\n"load.http_req_duration" = "p(95) < 800ms"\n', encoding="utf-8")
    monkeypatch.setenv("RELEASEGATE_HISTORY", "mysql://root:topsecret@db/h")
    assert main(["judge", str(run_dir), "--config", str(config)]) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert "unsupported scheme 'mysql'" in err
    assert "topsecret" not in err
    monkeypatch.setenv("RELEASEGATE_HISTORY", str(tmp_path / "env.sqlite"))
    assert main(["judge", str(run_dir), "--config", str(config)]) == ExitCode.GO
    assert (tmp_path / "env.sqlite").exists()


def test_a_bad_history_url_in_the_config_is_refused_without_its_password(tmp_path):
    from releasegate.configfile import load

    config = tmp_path / "releasegate.toml"
    config.write_text('[history]\nurl = "mysql://root:topsecret@db/h"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load(config)
    assert "history.url" in str(info.value)
    assert "topsecret" not in str(info.value)
    assert "root:***@db" in str(info.value)


def test_history_precedence_flag_then_environment_then_file():
    from releasegate.commands.judging import with_history
    from releasegate.config import Config, HistoryConfig

    config = Config(history=HistoryConfig(path="file.sqlite"))
    env = {"RELEASEGATE_HISTORY": "env.sqlite"}
    assert with_history(config, "flag.sqlite", env).history.location == "flag.sqlite"
    assert with_history(config, None, env).history.location == "env.sqlite"
    assert with_history(config, None, {}).history.location == "file.sqlite"
    pg = with_history(config, "postgresql://u@h/db", {})
    assert (pg.history.url, pg.history.path) == ("postgresql://u@h/db", "file.sqlite")
    assert with_history(config, "sqlite:///tmp/x.sqlite", {}).history.location == "/tmp/x.sqlite"
    on_file = Config(history=HistoryConfig(url="postgresql://u@h/db"))
    assert with_history(on_file, "local.sqlite", {}).history.location == "local.sqlite"

"""Pure parts of the e2e layer: personas, sharding, result parsing, merging, redaction."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from releasegate.config import Environment
from releasegate.errors import ConfigError
from releasegate.gates.merge import merge_layers
from releasegate.layers._e2e import parse
from releasegate.layers._e2e.journey import Journey, page_key
from releasegate.layers._e2e.personas import load_personas, resolve_account
from releasegate.layers._e2e.selection import ShardError, parse_shard, shard_items
from releasegate.layers.e2e import SPEC, E2ESettings, smoke_only_reason
from releasegate.policy import Access, access
from releasegate.results import LayerResult, LayerStatus, Status
from releasegate.scrub import scrub_tree
from releasegate.spec import LayerContext, Policy, RunOptions

ROOT = Path(__file__).resolve().parents[2]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "personas.yaml"
    path.write_text(text)
    return path


def test_bundled_personas_validate() -> None:
    personas = load_personas(ROOT / "fixtures" / "personas.yaml")
    assert personas["marketer"].name == "Kim Miso"
    assert personas["visitor"].smoke
    assert personas["visitor"].anonymous
    assert [p.key for p in personas.values() if p.smoke] == ["visitor"]
    assert personas["mobile"].device == "Pixel 7"


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ("personas:\n  a:\n    name: A\n    role: r\n    plan: gold\n", "personas.a.plan"),
        ("personas:\n  a:\n    name: A\n    role: r\n    colour: red\n", "personas.a.colour"),
        ("personas:\n  a:\n    role: r\n", "personas.a.name"),
        (
            "personas:\n  a:\n    name: A\n    role: r\n    credentials: {env: {email: 'no way'}}\n",
            "personas.a",
        ),
    ],
)
def test_bad_persona_files_name_the_field(tmp_path: Path, body: str, where: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_personas(_write(tmp_path, body))
    assert where in str(info.value)
    assert "personas.yaml" in str(info.value)


def test_unknown_device_suggests_a_close_one(tmp_path: Path) -> None:
    path = _write(tmp_path, "personas:\n  m:\n    name: M\n    role: r\n    device: Pixel 77\n")
    with pytest.raises(ConfigError, match="did you mean 'Pixel 7'"):
        load_personas(path, devices={"Pixel 7": {}, "iPhone 13": {}})


def test_credentials_from_env_generated_fallback_and_missing(tmp_path: Path) -> None:
    text = (
        "personas:\n"
        "  r:\n    name: R\n    role: r\n"
        "    credentials: {env: {email: R_MAIL, password: R_PASS}, fallback: generated}\n"
        "  s:\n    name: S\n    role: s\n    credentials: {env: {email: S_MAIL, password: S_PASS}}\n"
    )
    personas = load_personas(_write(tmp_path, text))
    kw: dict[str, Any] = {"run_id": "Run-7", "secret": "k", "domain": "example.com"}
    env_account = resolve_account(personas["r"], environ={"R_MAIL": "r@x.io", "R_PASS": "pw12345678"}, **kw)
    assert env_account is not None
    assert (env_account.email, env_account.created) == ("r@x.io", False)
    generated = resolve_account(personas["r"], environ={}, **kw)
    assert generated is not None
    assert generated.created
    assert generated.email == "rg-run-7-r@example.com"
    assert generated.password not in repr(generated)
    with pytest.raises(ConfigError, match="S_MAIL, S_PASS"):
        resolve_account(personas["s"], environ={}, **kw)


@given(st.sets(st.text(min_size=1, max_size=8), max_size=30), st.integers(1, 6))
def test_shards_partition_the_scenarios(names: set[str], total: int) -> None:
    picked = [shard_items(sorted(names), (i, total), key=str) for i in range(1, total + 1)]
    assert sorted(n for shard in picked for n in shard) == sorted(names)
    assert max(map(len, picked)) - min(map(len, picked)) <= 1


@pytest.mark.parametrize("text", ["0/2", "3/2", "a/b", "1-2"])
def test_bad_shard_is_refused(text: str) -> None:
    with pytest.raises(ShardError):
        parse_shard(text)


def test_page_key_folds_ids() -> None:
    assert page_key("http://h/prompts/42/edit?x=1") == "/prompts/{id}/edit"
    assert page_key("http://h/sandbox/checkout/cs_test_0123456789ab") == "/sandbox/checkout/{id}"
    assert page_key("http://h/explore") == "/explore"


def test_step_records_the_failing_step_and_reason() -> None:
    journey = Journey(persona="marketer", role="marketer", scenario="s")
    with journey.step("open"):
        pass
    with pytest.raises(AssertionError), journey.step("sign up"):
        raise AssertionError("button did not submit\nCall log: ...")
    assert journey.message() == "marketer failed at: sign up — button did not submit"
    assert [(s.name, s.ok) for s in journey.steps] == [("open", True), ("sign up", False)]


def _entry(outcome: str, *, step: str | None = None, console: int = 0) -> dict[str, Any]:
    return {
        "nodeid": "t.py::test_x[chromium]",
        "select": "/abs/t.py::test_x[chromium]",
        "scenario": "test_x",
        "persona": "marketer",
        "role": "marketer",
        "outcome": outcome,
        "error": None if outcome == "passed" else "call: boom",
        "duration_s": 1.0,
        "artifacts": [],
        "journey": {
            "steps": [{"name": "sign up", "duration_s": 0.5, "ok": step is None}],
            "failed_step": step,
            "message": f"marketer failed at: {step} — boom" if step else None,
            "console_errors": [{"page": "/explore", "text": "TypeError: x"}] * console,
            "vitals": [{"page": "/explore", "lcp": 0.4, "cls": 0.02}],
            "cleanup_errors": [],
        },
    }


def _values(samples: list[Any], metric: str) -> list[float]:
    return [v for s in samples if s.metric == metric for v in s.values]


def test_a_pass_after_a_retry_is_flaky_never_a_pass() -> None:
    (scenario,) = parse.group([[_entry("failed", step="sign up")], [_entry("passed")]])
    assert scenario.status is Status.FLAKY
    record = parse.to_record(scenario, lambda p: p, "pytest -k {scenario}")
    assert record.message.startswith("passed on attempt 2 after: marketer failed at: sign up")
    samples = parse.to_samples([scenario], residue=0)
    assert (_values(samples, "flaky"), _values(samples, "passed"), _values(samples, "failed")) == (
        [1.0],
        [0.0],
        [0.0],
    )


def test_failures_console_errors_and_vitals_become_samples() -> None:
    (scenario,) = parse.group([[_entry("failed", step="sign up", console=2)]])
    samples = parse.to_samples([scenario], residue=None)
    assert _values(samples, "failed") == [1.0]
    assert _values(samples, "console_errors") == [2.0]
    assert _values(samples, "lcp") == [0.4]
    assert _values(samples, "cls") == [0.02]
    assert not _values(samples, "step_duration"), "a failed step's time is not a step duration"
    assert "2 console error(s) on /explore" in parse.to_record(scenario, lambda p: p, "").message


def test_errored_scenarios_are_not_counted_as_passes() -> None:
    (scenario,) = parse.group([[_entry("error")]])
    assert scenario.status is Status.ERROR
    assert parse.to_samples([scenario], residue=None) == []


def test_shards_merge_into_one_result() -> None:
    one = parse.to_samples(parse.group([[_entry("passed")]]), residue=0)
    two = parse.to_samples(parse.group([[_entry("failed", step="sign up")]]), residue=1)
    merged = merge_layers(
        [
            ("a", LayerResult(layer="e2e", status=LayerStatus.OK, samples=one, meta={"shard": "1/2"})),
            ("b", LayerResult(layer="e2e", status=LayerStatus.OK, samples=two, meta={"shard": "2/2"})),
        ]
    )
    assert merged.status is LayerStatus.OK
    assert merged.meta["shards"] == [{"run_id": "a", "shard": "1/2"}, {"run_id": "b", "shard": "2/2"}]
    assert _values(merged.samples, "failed") == [0.0, 1.0]
    assert _values(merged.samples, "residue") == [0.0, 1.0]
    errored = merge_layers([("a", LayerResult(layer="e2e", status=LayerStatus.ERROR, error="crashed"))])
    assert errored.status is LayerStatus.ERROR
    assert "shard a: crashed" in (errored.error or "")


def test_redaction_scrubs_traces_and_json(tmp_path: Path) -> None:
    trace = tmp_path / "a" / "trace.zip"
    trace.parent.mkdir()
    with zipfile.ZipFile(trace, "w") as z:
        z.writestr("trace.trace", '{"params":{"value":"Rg-secretpassword"}}')
        z.writestr("resources/x", "cookie=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcdefghijklmnop")
    (tmp_path / "results.jsonl").write_text('{"error": "fill(Rg-secretpassword)"}')
    assert len(scrub_tree(tmp_path, ["Rg-secretpassword"])) == 2
    with zipfile.ZipFile(trace) as z:
        text = b"".join(z.read(n) for n in z.namelist())
    assert b"Rg-secret" not in text
    assert b"eyJ" not in text
    assert b"[redacted]" in text
    assert "Rg-secret" not in (tmp_path / "results.jsonl").read_text()


def test_redaction_also_finds_a_secret_in_its_json_escaped_form(tmp_path: Path) -> None:
    secret = 'Rg-p"ss\\w/rd<é'
    trace = tmp_path / "trace.zip"
    with zipfile.ZipFile(trace, "w") as z:
        z.writestr("trace.trace", json.dumps({"value": secret}, ensure_ascii=False))
    (tmp_path / "results.json").write_text(json.dumps({"error": f"fill({secret})"}))
    assert len(scrub_tree(tmp_path, [secret])) == 2
    with zipfile.ZipFile(trace) as z:
        assert json.loads(z.read("trace.trace")) == {"value": "[redacted]"}
    assert json.loads((tmp_path / "results.json").read_text()) == {"error": "fill([redacted])"}


@pytest.mark.parametrize(
    ("stage", "production", "allow", "smoke_setting", "expected"),
    [
        ("pre-deploy", False, False, False, None),
        ("post-deploy", False, False, False, "post-deploy"),
        ("pre-deploy", True, False, False, "production"),
        ("pre-deploy", True, True, False, None),
        ("pre-deploy", False, False, True, "smoke_only"),
    ],
)
def test_when_only_smoke_scenarios_run(
    tmp_path: Path, *, stage: str, production: bool, allow: bool, smoke_setting: bool, expected: str | None
) -> None:
    ctx = LayerContext(
        run_id="r",
        stage=stage,
        environment=Environment(name="e", production=production),
        base_url="http://x",
        settings=E2ESettings(),
        run_dir=tmp_path,
        artifact_dir=tmp_path / "e2e",
        options=RunOptions(allow_production=allow),
    )
    ctx.read_only = access(SPEC, ctx.environment, ctx.options) is Access.READ_ONLY
    reason = smoke_only_reason(ctx, E2ESettings(smoke_only=smoke_setting))
    assert (reason is None) if expected is None else (expected in (reason or ""))


def test_spec_declares_the_metrics_budgets_name() -> None:
    assert SPEC.name == "e2e"
    assert SPEC.policy is Policy.WRITES  # it makes accounts
    assert SPEC.read_only_on_production
    assert {"failed", "flaky", "passed", "step_duration", "lcp", "cls", "console_errors"} <= set(SPEC.metrics)
    assert SPEC.metrics["step_duration"].tags == ("persona", "step")
    with pytest.raises(ValueError, match="retries"):
        E2ESettings(retries=-1)


def test_a_run_whose_scenarios_were_all_skipped_is_never_a_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Skipped scenarios verify nothing (e.g. a persona's credentials were missing): inconclusive."""
    from releasegate.layers import e2e

    def skipped_attempts(*_args: Any) -> Any:
        return e2e._Collected(attempts=[[_entry("skipped"), {**_entry("skipped"), "nodeid": "other"}]])

    monkeypatch.setattr(e2e, "_run_attempts", skipped_attempts)
    ctx = LayerContext(
        run_id="r",
        stage="pre-deploy",
        environment=Environment(name="e"),
        base_url="http://x",
        settings=E2ESettings(),
        run_dir=tmp_path,
        artifact_dir=tmp_path / "e2e",
        progress=lambda _m: None,
    )
    result = SPEC.run(ctx)
    assert result.status is LayerStatus.ERROR
    assert result.error is not None
    assert "all 2 scenario(s) were skipped" in result.error


def test_each_attempt_scrubs_only_what_it_wrote_and_the_browser_is_found_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A retry leaves the first attempt's (already clean) files alone; no file of the run keeps a secret."""
    from releasegate import browser
    from releasegate import scrub as redact
    from releasegate.layers._e2e import runner

    token = "planted-e2e-TOKEN-5c2f9a"
    lookups: list[browser.BrowserInfo] = []
    running: list[int] = []
    scrubbed: dict[int, set[Path]] = {}

    def find_chromium() -> browser.BrowserInfo:
        lookups.append(browser.BrowserInfo(path="/usr/bin/chromium", source="system"))
        return lookups[-1]

    def run_attempt(attempt: runner.Attempt, *, secret: str, timeout_s: float, log: Path) -> runner.Outcome:
        running.append(attempt.number)
        scenario = attempt.output_dir / "t-py-test-x-chromium"
        scenario.mkdir(parents=True)
        with zipfile.ZipFile(scenario / "trace.zip", "w") as z:
            z.writestr("trace.trace", json.dumps({"params": {"value": token}}))
        (scenario / "console-errors.json").write_text(json.dumps([{"text": token}]))
        entry = {**_entry("failed" if attempt.number == 1 else "passed"), "error": f"call: fill({token})"}
        attempt.results_dir.mkdir(parents=True)
        (attempt.results_dir / "results-main.jsonl").write_text(json.dumps(entry) + "\n")
        log.write_text(f"typed {token}\n")
        return runner.Outcome(1 if attempt.number == 1 else 0, 0.1, log)

    real_scrub = redact.scrub_tree

    def scrub_tree(root: Path, secrets: Sequence[str]) -> list[Path]:
        scrubbed.setdefault(running[-1], set()).update(p for p in root.rglob("*") if p.is_file())
        return real_scrub(root, secrets)

    monkeypatch.setattr(browser, "find_chromium", find_chromium)
    monkeypatch.setattr(runner, "run_attempt", run_attempt)
    monkeypatch.setattr(redact, "scrub_tree", scrub_tree)
    ctx = LayerContext(
        run_id="r",
        stage="pre-deploy",
        environment=Environment(name="e"),
        base_url="http://x",
        settings=E2ESettings(retries=1),
        run_dir=tmp_path,
        artifact_dir=tmp_path / "e2e",
        secrets=[token],
        progress=lambda _m: None,
    )
    result = SPEC.run(ctx)

    assert result.status is LayerStatus.OK, result.error
    assert running == [1, 2]
    assert len(lookups) == 1
    assert result.meta["browser"] == lookups[0].describe()
    for number in running:
        wrote = {
            p
            for root in (
                ctx.artifact_dir / f"attempt-{number}",
                ctx.artifact_dir / "results" / f"attempt-{number}",
            )
            for p in root.rglob("*")
            if p.is_file()
        }
        assert scrubbed[number] == wrote
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"trace.zip", "console-errors.json", "results-main.jsonl"}
    assert {p.name for p in files if p.suffix == ".log"} == {"pytest-attempt-1.log", "pytest-attempt-2.log"}
    for path in files:
        assert token.encode() not in path.read_bytes(), path
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as z:
                assert not any(token.encode() in z.read(n) for n in z.namelist()), path


def test_the_environments_headers_reach_every_browser_context(monkeypatch: pytest.MonkeyPatch) -> None:
    """A gateway that checks a header would block every scenario without it."""
    from releasegate.layers._e2e import persona_fixtures, runner
    from releasegate.layers._e2e.personas import Persona

    env = runner.child_env("s", {"X-Gateway-Key": "gw-key-123456"})
    assert json.loads(env[runner.HEADERS_ENV]) == {"X-Gateway-Key": "gw-key-123456"}
    assert runner.HEADERS_ENV not in runner.child_env("s", {})
    attempt = runner.Attempt(
        number=1,
        targets=["x"],
        base_url="http://x",
        run_id="r",
        personas=Path("p"),
        results_dir=Path("r"),
        output_dir=Path("o"),
        state_dir=Path("s"),
        chromium=None,
        headers={"X-Gateway-Key": "gw-key-123456"},
    )
    assert "gw-key-123456" not in " ".join(attempt.command())  # never on the command line
    monkeypatch.setenv(runner.HEADERS_ENV, env[runner.HEADERS_ENV])
    persona = Persona.model_validate(
        {"key": "visitor", "name": "V", "role": "visitor", "credentials": "none"}
    )
    args = persona_fixtures.persona_context_args.__wrapped__(None, persona)  # type: ignore[attr-defined]
    assert args["extra_http_headers"] == {"X-Gateway-Key": "gw-key-123456"}

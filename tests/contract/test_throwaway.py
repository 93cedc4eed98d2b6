"""The contract layer's own account and clean-up, with real schemathesis against promptlib and Shelf.

Stateful fuzzing logged in as the environment's shared account edits, fills and deletes what
that account owns, so a later layer of the same stage meets another target. First the bug:
as the configured (shared) account, the run changes that account's data (promptlib) or deletes
the account outright (Shelf) -- and the report says it ran as the shared account. Then the fix:
as a throwaway account signed up for the run, the shared account is untouched, what the run
created is gone afterwards, and ``contract/cleanup.json`` says what was deleted.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from releasegate.accounts import AccountError, delete_throwaway, make_throwaway
from releasegate.config import AccountRequest, AuthConfig, Environment, LoginFlow, SignupFlow
from releasegate.errors import ConfigError
from releasegate.fixtures.promptlib.launcher import start
from releasegate.fixtures.shelf.launcher import start as start_shelf
from releasegate.layers import contract
from releasegate.layers._contract import runner
from releasegate.results import LayerResult, LayerStatus, Status
from releasegate.spec import RunOptions
from tests.contract.conftest import PASSWORD_ENV, PRO, USER_ENV, make_ctx

pytestmark = pytest.mark.integration

SIGNUP = SignupFlow(
    path="/api/auth/signup",
    delete=AccountRequest(method="DELETE", path="/api/me", body={"password": "${" + PASSWORD_ENV + "}"}),
)
SHORT = {"max_examples": 3, "seed": 3}


def _auth(mp: pytest.MonkeyPatch, signup: SignupFlow | None) -> AuthConfig:
    mp.setenv(USER_ENV, PRO.email)
    mp.setenv(PASSWORD_ENV, PRO.password)
    return AuthConfig(login=LoginFlow(username_env=USER_ENV, password_env=PASSWORD_ENV), signup=signup)


def _token(url: str, email: str, password: str) -> str | None:
    answer = httpx.post(f"{url}/api/auth/login", json={"email": email, "password": password}, timeout=10)
    return str(answer.json()["access_token"]) if answer.status_code == 200 else None


def _prompts(url: str, token: str) -> list[dict[str, Any]]:
    """Every prompt the account sees (bounded: at most 50 pages)."""
    items: list[dict[str, Any]] = []
    for page in range(50):
        answer = httpx.get(
            f"{url}/api/prompts",
            params={"limit": 100, "offset": page * 100},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        answer.raise_for_status()
        batch = answer.json()["items"]
        items += batch
        if len(batch) < 100:
            return items
    raise AssertionError("more than 5,000 prompts")


def _shared_state(url: str) -> dict[str, Any]:
    """What the shared account is and owns, as later layers would see it."""
    token = _token(url, PRO.email, PRO.password)
    assert token is not None, "the shared account can no longer log in"
    me = httpx.get(f"{url}/api/me", headers={"Authorization": f"Bearer {token}"}, timeout=10).json()
    visible = _prompts(url, token)
    own = sorted(
        (p["id"], p["title"], p["text"], tuple(p["tags"]), p["is_public"], p["like_count"])
        for p in visible
        if p["author"]["id"] == me["id"]
    )
    return {"me": me, "own": own, "all": sorted(p["id"] for p in visible)}


def _email_free(url: str, email: str) -> bool:
    """Whether no account has ``email`` (a sign-up of a taken email answers 409)."""
    answer = httpx.post(
        f"{url}/api/auth/signup", json={"email": email, "password": "probe-password-1"}, timeout=10
    )
    assert answer.status_code in (201, 409), answer.text
    return answer.status_code == 201


def _cleanup(result: LayerResult, ctx_dir: Path) -> dict[str, Any]:
    assert "contract/cleanup.json" in result.artifacts
    report: dict[str, Any] = json.loads((ctx_dir / "cleanup.json").read_text(encoding="utf-8"))
    return report


def test_as_the_shared_account_the_run_spoils_its_data_and_says_so(tmp_path: Path) -> None:
    """The reported bug, and the fallback: no [auth.signup], so the run logs in as the shared
    account, changes what it owns, and the report notes that it ran as that account."""
    with start() as app, pytest.MonkeyPatch.context() as mp:
        before = _shared_state(app.url)
        env = Environment(name="demo", base_url=app.url, auth=_auth(mp, None))
        ctx = make_ctx(tmp_path, app.url, env=env, **SHORT)
        result = contract.run(ctx)
        after = _shared_state(app.url)
    assert result.status is LayerStatus.OK, result.error
    assert after["own"] != before["own"], "the fuzzing as the shared account changed none of its prompts"
    assert result.meta["account"] == "configured"
    notes = result.meta["notes"]
    assert any("configured (shared) account" in n and "[auth.signup]" in n for n in notes), notes
    report = _cleanup(result, ctx.artifact_dir)
    assert report["account"]["mode"] == "configured"
    assert report["summary"]["deleted"] + report["summary"]["already gone"] > 0


def test_as_a_throwaway_account_the_shared_one_is_untouched_and_nothing_stays(tmp_path: Path) -> None:
    with start() as app, pytest.MonkeyPatch.context() as mp:
        before = _shared_state(app.url)
        env = Environment(name="demo", base_url=app.url, auth=_auth(mp, SIGNUP))
        ctx = make_ctx(tmp_path, app.url, env=env, **SHORT)
        result = contract.run(ctx)
        after = _shared_state(app.url)
        report = _cleanup(result, ctx.artifact_dir)
        email = report["account"]["email"]
        gone = _email_free(app.url, email)
    assert result.status is LayerStatus.OK, result.error
    assert result.meta["account"] == "generated"
    assert "notes" not in result.meta, result.meta.get("notes")
    assert after == before  # the shared account's role, plan and prompts, and every prompt it sees
    assert email.startswith("rg-test-run-contract-")
    assert email != PRO.email
    assert gone
    assert report["account"]["outcome"] == "deleted", report["account"]
    rows = report["resources"]
    assert any(
        r["created_by"] == "POST /api/prompts" and r["outcome"] in ("deleted", "already gone") for r in rows
    )
    assert all(r["outcome"] != "remains" for r in rows), rows
    assert any(r["outcome"] == "deleted" for r in rows)
    record = next(r for r in result.records if r.check == "cleanup")
    assert record.status is Status.PASS
    text = (ctx.artifact_dir / "cleanup.json").read_text(encoding="utf-8")
    planted = [s for s in ctx.secrets if len(s) >= 8]
    assert planted
    assert all(s not in text for s in planted)
    for path in ctx.run_dir.rglob("*"):  # the generated password and its tokens are masked everywhere
        if path.is_file():
            content = path.read_text(encoding="utf-8", errors="replace")
            assert all(s not in content for s in planted if s != email), path


def test_an_interrupted_run_still_removes_its_account(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = runner.run_schemathesis

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        real(*args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "run_schemathesis", interrupted)
    with start() as app, pytest.MonkeyPatch.context() as mp:
        before = _shared_state(app.url)
        env = Environment(name="demo", base_url=app.url, auth=_auth(mp, SIGNUP))
        ctx = make_ctx(tmp_path, app.url, env=env, max_examples=2, seed=3, phases=["examples", "stateful"])
        with pytest.raises(KeyboardInterrupt):
            contract.run(ctx)
        report = json.loads((ctx.artifact_dir / "cleanup.json").read_text(encoding="utf-8"))
        assert _email_free(app.url, report["account"]["email"])
        assert _shared_state(app.url)["all"] == before["all"]
    assert report["account"]["outcome"] == "deleted"


def test_a_delete_that_fails_is_reported_and_a_signup_that_fails_is_an_error(tmp_path: Path) -> None:
    """Seeded faults of the clean-up itself: a wrong delete path leaves the account (said so);
    a sign-up the target refuses stops the layer (error, never a silent run as someone else)."""
    wrong = SIGNUP.model_copy(update={"delete": AccountRequest(method="DELETE", path="/api/nope")})
    with start() as app, pytest.MonkeyPatch.context() as mp:
        env = Environment(name="demo", base_url=app.url, auth=_auth(mp, wrong))
        made = make_throwaway(env, app.url, run_id="t", persona="contract")
        problem = delete_throwaway(env, app.url, made)
        assert problem is not None
        assert "remains" in problem
        assert "404" in problem or "405" in problem
        assert _token(app.url, made.account.email, made.account.password) is not None
        good = Environment(name="demo", base_url=app.url, auth=_auth(mp, SIGNUP))
        assert delete_throwaway(good, app.url, made) is None
        assert _token(app.url, made.account.email, made.account.password) is None
        left = make_ctx(tmp_path / "left", app.url, env=env, max_examples=1, seed=3, phases=["examples"])
        leftover = contract.run(left)
        report = _cleanup(leftover, left.artifact_dir)
        assert report["account"]["outcome"] == "remains"
        assert "/api/nope answered 404" in report["account"]["problem"]
        assert any("clean-up left the throwaway account rg-" in n for n in leftover.meta["notes"])
        assert next(r for r in leftover.records if r.check == "cleanup").status is Status.WARN
        refused = SIGNUP.model_copy(update={"path": "/api/auth/login"})  # answers 401 to a new email
        bad = Environment(name="demo", base_url=app.url, auth=_auth(mp, refused))
        with pytest.raises(AccountError):
            make_throwaway(bad, app.url, run_id="t", persona="contract")
        result = contract.run(make_ctx(tmp_path, app.url, env=bad, **SHORT))
    assert result.status is LayerStatus.ERROR
    assert result.error is not None
    assert "throwaway account could not be made" in result.error


def test_generated_without_signup_is_a_config_error() -> None:
    env = Environment(name="demo", auth=AuthConfig(login=LoginFlow(username_env="U", password_env="P")))
    settings = contract.ContractSettings(account="generated")
    assert contract.SPEC.prepare is not None
    with pytest.raises(ConfigError, match="account"):
        contract.SPEC.prepare(settings, RunOptions(), env)
    contract.SPEC.prepare(contract.ContractSettings(), RunOptions(), env)  # auto: falls back


def test_signup_needs_login_and_known_variables() -> None:
    with pytest.raises(ValueError, match=r"needs auth\.login"):
        AuthConfig(signup=SignupFlow(path="/s"))
    body = LoginFlow(body={"user": {"email": "${E}", "password": "${P}"}})
    with pytest.raises(ValueError, match="email_env and password_env"):
        AuthConfig(login=body, signup=SignupFlow(path="/s", body={"e": "${E}"}))
    with pytest.raises(ValueError, match=r"not a variable of auth\.login"):
        AuthConfig(login=body, signup=SignupFlow(path="/s", body={}, email_env="X", password_env="P"))
    ok = AuthConfig(login=body, signup=SignupFlow(path="/s", body={}, email_env="E", password_env="P"))
    assert ok.account_vars() == ("E", "P")


# ---- Shelf: another login (nested JSON, `Token` scheme), another sign-up, DELETE /user

READER = ("reader@shelf.test", "reader-password-1")
SHELF_LOGIN = LoginFlow(
    path="/v2/api/users/login",
    body={"user": {"email": "${RG_SHELF_EMAIL}", "password": "${RG_SHELF_PASSWORD}"}},
    token="user.token",
)
SHELF_SIGNUP = SignupFlow(
    path="/v2/api/users",
    body={"user": {"email": "${RG_SHELF_EMAIL}", "username": "${RELEASEGATE_ACCOUNT_NAME}",
                   "password": "${RG_SHELF_PASSWORD}"}},
    email_env="RG_SHELF_EMAIL",
    password_env="RG_SHELF_PASSWORD",
    delete=AccountRequest(method="DELETE", path="/v2/api/user"),
)  # fmt: skip


@pytest.fixture
def shelf_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RG_SHELF_EMAIL", READER[0])
    monkeypatch.setenv("RG_SHELF_PASSWORD", READER[1])


def _shelf_state(api: str) -> dict[str, Any]:
    answer = httpx.post(
        f"{api}/v2/api/users/login", json={"user": {"email": READER[0], "password": READER[1]}}, timeout=10
    )
    if answer.status_code != 200:
        return {"reader": f"cannot log in: {answer.status_code}"}
    auth = {"Authorization": f"Token {answer.json()['user']['token']}"}
    books = httpx.get(f"{api}/v2/api/user/books", params={"limit": 100}, headers=auth, timeout=10).json()
    public = httpx.get(f"{api}/v2/api/books", params={"limit": 100}, timeout=10).json()
    return {"reader": "ok", "books": books["total"], "public": public["total"]}


@pytest.mark.usefixtures("shelf_env")
@pytest.mark.parametrize("signup", [None, SHELF_SIGNUP], ids=["shared-account", "throwaway-account"])
def test_shelf_shared_account_deleted_unless_the_run_has_its_own(
    tmp_path: Path, signup: SignupFlow | None
) -> None:
    with start_shelf(seed_user=READER) as shelf:
        env = Environment(
            name="shelf",
            base_url=shelf.api_url,
            openapi="/v2/api/openapi.json",
            auth=AuthConfig(scheme="Token", login=SHELF_LOGIN, signup=signup),
        )
        before = _shelf_state(shelf.api_url)
        ctx = make_ctx(tmp_path, shelf.api_url, env=env, **SHORT)
        result = contract.run(ctx)
        after = _shelf_state(shelf.api_url)
        report = _cleanup(result, ctx.artifact_dir)
    assert before["reader"] == "ok"
    if signup is None:  # the bug: fuzzing DELETE /user as the shared reader deleted the reader
        assert after["reader"] == "cannot log in: 401", after
        assert result.meta["account"] == "configured"
        assert any("shared" in n for n in result.meta["notes"])
        return
    assert result.status is LayerStatus.OK, result.error
    assert after == before, (before, after)  # the reader, its shelf and the public list as they were
    assert result.meta["account"] == "generated"
    assert report["account"]["outcome"] in ("deleted", "already gone"), report["account"]
    assert all(r["outcome"] != "remains" for r in report["resources"]), report["resources"]


def test_a_read_only_run_makes_no_account_and_warns_of_nothing() -> None:
    """Against production only safe methods run: no sign-up (a write), and nothing to spoil."""
    from releasegate.layers._contract.account import choose_account, shared_note

    auth = AuthConfig(login=LoginFlow(username_env="U", password_env="P"), signup=SIGNUP)
    env = Environment(name="prod", base_url="http://127.0.0.1:9", production=True, auth=auth)
    who = choose_account("auto", env, "http://127.0.0.1:9", run_id="r", read_only=True, timeout_s=1.0)
    assert (who.mode, who.throwaway) == ("configured", None)
    assert shared_note(who) is None
    shared = choose_account("configured", env, "http://127.0.0.1:9", run_id="r", read_only=False, timeout_s=1)
    note = shared_note(shared)
    assert note is not None
    assert 'account = "configured"' in note

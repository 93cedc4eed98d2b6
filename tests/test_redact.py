"""Secrets masked in text and in models, in every form they may take."""

from __future__ import annotations

import json

import pytest
from pydantic import BaseModel

from releasegate.redact import MASK, collect_secrets, redact, redact_model, secret_forms

SECRET = 'a/b<c"d-é'


class Held(BaseModel):
    text: str
    by_name: dict[str, str] = {}


def _in_script(escaped: str) -> str:
    return escaped.replace("<", "\\u003c").replace("/", "\\/")


def test_secret_forms_cover_raw_json_and_html_script_escapes() -> None:
    ascii_escaped, kept = json.dumps(SECRET)[1:-1], json.dumps(SECRET, ensure_ascii=False)[1:-1]
    forms = secret_forms(SECRET)
    for form in (SECRET, ascii_escaped, kept, _in_script(ascii_escaped), _in_script(kept)):
        assert form in forms
    assert ascii_escaped.replace("<", "\\u003c") in forms
    assert len(forms) == len(set(forms))
    assert [len(f) for f in forms] == sorted((len(f) for f in forms), reverse=True)


def test_a_plain_secret_has_one_form_and_an_empty_one_none() -> None:
    assert secret_forms("tok-0123456789") == ["tok-0123456789"]
    assert secret_forms("") == []


@pytest.mark.parametrize(
    "shown",
    [
        SECRET,
        json.dumps(SECRET),
        json.dumps(SECRET, ensure_ascii=False),
        _in_script(json.dumps(SECRET)),
        _in_script(json.dumps(SECRET, ensure_ascii=False)),
    ],
    ids=["raw", "json", "json-unicode", "script", "script-unicode"],
)
def test_redact_masks_every_form(shown: str) -> None:
    assert redact(f"before {shown} after", [SECRET]).replace(f'"{MASK}"', MASK) == f"before {MASK} after"


def test_redact_masks_the_longer_secret_whole_whatever_the_order() -> None:
    assert redact("key=abcd-efgh", ["abcd", "abcd-efgh", ""]) == f"key={MASK}"


def test_redact_model_masks_values_keys_and_escaped_copies() -> None:
    model = Held(text=f"echo {SECRET} and {json.dumps(SECRET)}", by_name={SECRET: "v"})
    cleaned = redact_model(model, [SECRET])
    assert cleaned.text == f"echo {MASK} and {json.dumps(MASK)}"
    assert cleaned.by_name == {MASK: "v"}
    assert redact_model(model, []) is model


def test_collect_secrets_skips_short_and_unset_values() -> None:
    environ = {"A": "abc", "B": "longer-value", "C": "", "D": "abcd"}
    assert collect_secrets(["A", "B", "C", "D", "E"], environ) == ["longer-value", "abcd"]


def test_redact_model_never_breaks_an_escape_next_to_a_look_alike() -> None:
    model = Held(text="line one\nobody-knows", by_name={"tab\tsecret-x": 'quote"nobody-knows'})
    cleaned = redact_model(model, ["nobody-knows", "tsecret-x"])
    assert cleaned.text == "line one\nobody-knows"
    assert cleaned.by_name == {"tab\tsecret-x": f'quote"{MASK}'}
    leaked = Held(text="said nobody-knows\n")
    assert redact_model(leaked, ["nobody-knows"]).text == f"said {MASK}\n"


def test_every_form_of_a_secret_is_masked() -> None:
    """Stripped of a trailing newline, without its scheme, URL-encoded, and any JWT-shaped string."""
    environ = {"TOKEN": "Token s3cr3t/val+ue==\n"}
    secrets = collect_secrets(["TOKEN"], environ)
    assert "Token s3cr3t/val+ue==" in secrets
    text = (
        "header Token s3cr3t/val+ue== bare s3cr3t/val+ue== query ?t=s3cr3t%2Fval%2Bue%3D%3D "
        "echoed eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcdefghijklmnop"
    )
    cleaned = redact(text, secrets)
    assert "s3cr3t" not in cleaned
    assert "eyJ" not in cleaned
    assert cleaned.count(MASK) == 4
    assert redact("the author param stays", secrets) == "the author param stays"

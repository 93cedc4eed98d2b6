"""Which operations count as tested, and the base path a run would double (pure, no tools)."""

from __future__ import annotations

import pytest

from releasegate.errors import ConfigError
from releasegate.layers._contract.parse import OperationStats
from releasegate.layers._contract.spec import LoadedSpec, check_base_path


@pytest.mark.parametrize(
    ("statuses", "reached", "why"),
    [
        ({200: 10, 404: 3, 422: 4}, True, None),
        ({404: 12, 422: 5}, True, None),  # validation answered: the operation is served
        ({401: 20}, False, "authentication failed"),
        ({401: 5, 403: 5}, False, "authentication failed"),
        ({404: 40}, False, "not served"),
        ({404: 39, 401: 1}, False, "not served"),
        ({404: 97, 400: 2}, False, "not served"),  # nearly every response
        ({404: 90, 400: 10}, True, None),
    ],
)
def test_only_refusals_or_404s_do_not_count_as_tested(
    statuses: dict[int, int], reached: bool, why: str | None
) -> None:
    stats = OperationStats(cases=1, response_times=[0.01], statuses=statuses)
    assert stats.exercised is reached
    assert (stats.not_reached is None) if why is None else (why in (stats.not_reached or ""))


def test_no_response_is_not_reached() -> None:
    assert OperationStats(cases=3).not_reached == "no response received"


def _spec(base_path: str, *paths: str) -> LoadedSpec:
    return LoadedSpec("http://h/openapi.json", {}, "3.0.3", tuple(f"GET {p}" for p in paths), base_path)


def test_a_base_url_repeating_the_absolute_paths_of_the_spec_is_a_config_error() -> None:
    doubled = _spec("", "/api/prompts", "/api/tags")
    with pytest.raises(ConfigError, match=r"already starts with it: requests would go to /api/api/prompts"):
        check_base_path(doubled, "http://h/api")
    assert check_base_path(doubled, "http://h") == "http://h"
    assert check_base_path(_spec("", "/api/prompts", "/health"), "http://h/api") == "http://h/api"
    assert check_base_path(_spec("/api", "/prompts"), "http://h/api") == "http://h/api"

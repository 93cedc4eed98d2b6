"""Are the environment variables the configuration names set? Values are never read out."""

from __future__ import annotations

from collections.abc import Mapping

from releasegate.config import Config, Environment
from releasegate.layers._preflight.outcome import Outcome, gauge, record
from releasegate.results import Status

METRIC = "missing_variables"


def required_variables(environment: Environment) -> list[str]:
    """The variables the environment's checks need (headers, token, login), in order, once each."""
    return list(dict.fromkeys(environment.secret_env_names()))


def check_variables(config: Config, environment: Environment, environ: Mapping[str, str]) -> Outcome:
    """One record per required variable; the gauge counts the missing ones.

    The notification webhook is optional: when its variable is unset the record says that
    notifications are off, and it is not counted as missing.
    """
    outcome = Outcome(metric=METRIC)
    missing = 0
    for name in required_variables(environment):
        if environ.get(name):
            outcome.records.append(record(f"variable {name}", Status.PASS, f"{name} is set", variable=name))
        else:
            missing += 1
            outcome.records.append(
                record(
                    f"variable {name}",
                    Status.FAIL,
                    f"{name} is not set (environment {environment.name!r} needs it); "
                    f"export it or add it to the CI secrets",
                    variable=name,
                )
            )
    webhook = config.notify.webhook_env
    if webhook:
        status, message = (
            (Status.PASS, f"{webhook} is set: the deploy summary will be posted")
            if environ.get(webhook)
            else (Status.SKIPPED, f"{webhook} is not set: notifications are off")
        )
        outcome.records.append(record(f"variable {webhook}", status, message, variable=webhook))
    outcome.samples.append(gauge(METRIC, missing))
    return outcome

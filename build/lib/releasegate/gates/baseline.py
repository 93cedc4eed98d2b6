"""Choosing the baseline a run is compared with: ``last-pass``, ``RUN_ID`` or ``median:N``.

Only comparable runs qualify (same fingerprint: environment, stage, load profile, tool
versions, layer settings); asking for one that is not comparable is refused with the
differences, as a UsageError (exit 2).
"""

from __future__ import annotations

import difflib
import re

from releasegate.errors import UsageError
from releasegate.gates.fingerprint import differences, digest, fingerprint
from releasegate.gates.history import History, StoredRun
from releasegate.gates.regress import Baseline, BaselineRuns
from releasegate.results import RunResult

PASSING = ("GO", "GO_WITH_WARNINGS")
_MEDIAN = re.compile(r"^median:(\d+)$")
HINT = (
    "use --baseline last-pass, --baseline median:N or a run id from the history of this environment and stage"
)


_RUN_ID = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{6}$")


def check_baseline_spec(spec: str) -> None:
    """Syntax of ``--baseline``, checked before anything runs: UsageError (exit 2) when it is
    neither ``last-pass``, ``median:N`` (N >= 1) nor a run id (``YYYYmmdd-HHMMSS-xxxxxx``)."""
    if spec == "last-pass" or _RUN_ID.match(spec):
        return
    median = _MEDIAN.match(spec)
    if median:
        if int(median.group(1)) < 1:
            raise UsageError(f"--baseline {spec}: median:N needs N >= 1", hint=HINT)
        return
    head, _, tail = spec.partition(":")
    guess = None
    if difflib.get_close_matches(head, ["median"], n=1) and tail.isdigit():
        guess = f"median:{tail}"
    elif difflib.get_close_matches(spec, ["last-pass"], n=1, cutoff=0.6):
        guess = "last-pass"
    raise UsageError(
        f"--baseline {spec!r} is neither last-pass, median:N nor a run id",
        hint=(f"did you mean {guess!r}? " if guess else "") + HINT,
    )


def resolve_baseline(spec: str, run: RunResult, history: History) -> Baseline:
    """The baseline ``spec`` names for ``run``; UsageError saying why when there is none."""
    fp = fingerprint(run)
    mine = digest(fp)
    if spec == "last-pass":
        found = _passing(run, history)
        comparable = [r for r in found if r.digest == mine]
        if comparable:
            return history.load(comparable[0].run_id)
        if found:
            latest = found[0]
            raise UsageError(
                f"the last passing run {latest.run_id} is not comparable: "
                + "; ".join(differences(fp, latest.fingerprint)),
                hint=HINT,
            )
        raise UsageError(
            f"no passing run of {run.info.environment}/{run.info.stage} in the history yet", hint=HINT
        )
    median = _MEDIAN.match(spec)
    if median:
        wanted = int(median.group(1))
        if wanted < 1:
            raise UsageError("median:N needs N >= 1", hint=HINT)
        comparable = [r for r in _passing(run, history) if r.digest == mine][:wanted]
        if not comparable:
            raise UsageError(
                f"no comparable passing run of {run.info.environment}/{run.info.stage} for {spec}", hint=HINT
            )
        label = f"median of {len(comparable)} runs" + (
            f" (asked for {wanted})" if len(comparable) < wanted else ""
        )
        label += ": " + ", ".join(r.run_id for r in comparable)
        return BaselineRuns(tuple(history.load(r.run_id) for r in comparable), label=label)
    stored = history.get(spec)
    if stored is None:
        raise UsageError(
            f"baseline {spec!r} is neither last-pass, median:N nor a run in {history.where}", hint=HINT
        )
    if stored.run_id == run.info.run_id:
        raise UsageError(f"run {spec} cannot be its own baseline", hint=HINT)
    if stored.digest != mine:
        raise UsageError(
            f"run {spec} is not comparable: " + "; ".join(differences(fp, stored.fingerprint)), hint=HINT
        )
    return history.load(spec)


def _passing(run: RunResult, history: History) -> list[StoredRun]:
    found = history.runs(environment=run.info.environment, stage=run.info.stage, decisions=PASSING)
    return [r for r in found if r.run_id != run.info.run_id and r.started_at <= run.info.started_at]

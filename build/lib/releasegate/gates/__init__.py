"""gates: budgets over what the layers measured, one verdict, every report.

    from releasegate.gates import validate_budgets, run_gates, judge
    budgets = validate_budgets(config, layers)        # ConfigError (exit 2) before any run
    verdict = run_gates(run_dir, run, config)   # writes report.html, summary.md, junit.xml, verdict.json

Budgets are k6-style expressions (``p(95) < 800ms``) on keys ``layer.metric{tag:glob}``; see
docs/budgets.md for the grammar and semantics.
"""

from releasegate.gates.budgets import BudgetSet, BudgetSpec, abort_rules, validate_budgets
from releasegate.gates.errors import BudgetSyntaxError
from releasegate.gates.evaluate import judge
from releasegate.gates.model import BudgetStatus, BudgetVerdict, Decision, Verdict, VerdictDocument
from releasegate.gates.parser import parse
from releasegate.gates.regress import BaselineRuns
from releasegate.gates.reports.markdown import github_annotations
from releasegate.gates.runner import load_run, run_gates, write_reports

__all__ = [
    "BaselineRuns",
    "BudgetSet",
    "BudgetSpec",
    "BudgetStatus",
    "BudgetSyntaxError",
    "BudgetVerdict",
    "Decision",
    "Verdict",
    "VerdictDocument",
    "abort_rules",
    "github_annotations",
    "judge",
    "load_run",
    "parse",
    "run_gates",
    "validate_budgets",
    "write_reports",
]

"""Private helpers of the contract layer (schemathesis runner, report parsing, spec diff)."""

"""schemathesis hooks and custom checks the contract layer loads (``SCHEMATHESIS_HOOKS``).

The contract layer runs schemathesis with this module as its hooks module, so a check or a
hook defined here applies to every contract run. It ships empty of checks: schemathesis's
default checks are what the shipped budgets judge. To add one for your API::

    import schemathesis

    @schemathesis.check
    def no_stack_traces(ctx, response, case):
        if "Traceback (most recent call last)" in response.text:
            raise AssertionError("the response shows a stack trace")

A failing custom check becomes a ``contract.failures{check:no_stack_traces}`` record like any
built-in one. Point ``[layers.contract] hooks`` at another importable module to use yours.
"""

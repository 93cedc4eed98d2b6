"""Post-deploy smoke checks, generic and driven by the environment's config.

Is the deployment up, the right build, healthy and safe? :mod:`suites.smoke.probe` fetches
URLs (each probe repeated), :mod:`suites.smoke.checks` turns responses into pass/fail
outcomes with expected-versus-seen messages, :mod:`suites.smoke.tls` inspects certificates,
and :mod:`suites.smoke.runner` runs them all for the ``smoke`` layer. ``test_smoke.py``
runs the same checks under pytest (``pytest suites/smoke --base-url URL``).
"""

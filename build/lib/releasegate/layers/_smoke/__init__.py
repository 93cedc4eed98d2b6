"""Post-deploy smoke checks, generic and driven by the environment's config.

Is the deployment up, the right build, healthy and safe? :mod:`.probe` fetches
URLs (each probe repeated), :mod:`.checks` turns responses into pass/fail
outcomes with expected-versus-seen messages, :mod:`.tls` inspects certificates,
and :mod:`.runner` runs them all for the ``smoke`` layer. ``suites/smoke/test_smoke.py``
runs the same checks under pytest (``pytest suites/smoke --base-url URL``).
"""

"""Locustfiles of the load layer, runnable on their own with ``locust -f suites/load/<file>.py``."""

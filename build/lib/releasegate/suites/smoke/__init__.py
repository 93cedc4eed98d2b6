"""The smoke checks as a pytest suite (``pytest suites/smoke --base-url URL``); see README.md."""

"""Private helpers of the load layer (profiles, histograms, abort rules, launcher, scraping).

Nothing here imports Locust: these modules run in the engine's process and, for the pure
statistics parts (:mod:`.hdr`, :mod:`.abort`), also inside the Locust process.
"""

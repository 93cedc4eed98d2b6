"""Private helpers of the e2e layer: personas, the pytest plugin, the runner and the result parser."""

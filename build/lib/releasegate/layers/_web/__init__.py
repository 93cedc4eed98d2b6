"""Private parts of the web layer: settings, the Lighthouse runner, report parsing, aggregation."""

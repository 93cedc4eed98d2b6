"""The watch layer's machinery: exposition parsing, bucket quantiles, the two sources, live aborts."""

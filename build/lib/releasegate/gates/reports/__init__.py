"""Every report is rendered from the same verdict records: HTML, Markdown, JUnit XML, JSON."""

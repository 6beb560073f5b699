"""Audit files: parsers of hand counts, ballot manifests and CVRs (with file, line and field
in every error), and writers of retrieval lists, templates and reports."""

"""The results website: a static site generated inside the publication folder.

`escrutinio.website.bundle` reads a publication into memory (shared with ``escrutinio
serve``); `escrutinio.website.build` renders the pages from it.
"""

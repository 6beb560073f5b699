"""escrutinio.audit: risk-limiting audit mathematics (SHANGRLA assertions, BRAVO, ALPHA,
Kaplan–Markov, MACRO batch comparison), consistent sampling, sample sizes, reconciliation.

Pure functions over Python/NumPy data: no database, no CLI. See docs/audits.md.
"""

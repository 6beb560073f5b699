"""escrutinio.audit: post-election audits, in three layers that import only downward.

* :mod:`escrutinio.audit.stats`: the mathematics (SHANGRLA assertions, BRAVO, ALPHA,
  Kaplan–Markov, MACRO, batch assorters, sample sizes, risk, consistent sampling, the
  fixed-percentage bound). Pure functions over Python/NumPy data; no I/O, no workflow types.
* :mod:`escrutinio.audit.workflow`: the state of an audit, one module per method behind one
  contract (:class:`~escrutinio.audit.workflow.method.Method`), a registry by name, and the
  round functions (:mod:`~escrutinio.audit.workflow.rounds`).
* :mod:`escrutinio.audit.files`: parsers of hand counts, ballot manifests and CVRs, and the
  writers of retrieval lists and reports.

No database, no CLI: the store keeps the state (``store/audits.py``). See docs/audits.md.
"""

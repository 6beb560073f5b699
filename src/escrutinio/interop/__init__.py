"""Results in other systems' formats: the NIST SP 1500-100 v2 Election Results Reporting
export (read through the read seam) and its conversion into native definition and acta files.
The format itself (writers and reader over plain documents) is the pure sub-package
:mod:`escrutinio.interop.nist`."""

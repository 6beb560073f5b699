"""NIST SP 1500-100 v2 (Election Results Reporting common data format, ERR v2): streaming
XML and JSON writers and a reader, over plain documents; no store, files or CLI here.

Reference: NIST Special Publication 1500-100 Revision 2, *Election Results Common Data
Format Specification* (2020), and its XML Schema and JSON Schema (shipped in
``escrutinio/data/nist``)."""

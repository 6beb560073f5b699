"""Transparency-log core, pure and storage-free.

Modules: `merkle` (RFC 9162 tree and proofs), `note` (C2SP signed notes), `checkpoint`
(C2SP tlog-checkpoint bodies), `cosignature` (C2SP tlog-cosignature and witness policies),
`tiles` (C2SP tlog-tiles), `tiled` (proofs from a few tiles) and `keys` (key files).
"""

"""Convert the resultadosconvzla 2024 collection to escrutinio files with ``mapping.yaml``.

Run ``python examples/venezuela-2024/convert.py [OUT_DIR]`` (default ``data/`` beside this file).
"""

from __future__ import annotations

import sys
from pathlib import Path

from escrutinio.io.mapping import convert

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    """Convert, print the report, and return 1 when rows were rejected."""
    out = Path(argv[1]) if len(argv) > 1 else HERE / "data"
    report = convert(HERE / "mapping.yaml", HERE / "source" / "actas_resultadosconvzla_v1.csv", out)
    print(
        f"{out}: {report.rows_converted:,} of {report.rows_read:,} rows converted, "
        f"{report.regions:,} regions, {report.units:,} units"
    )
    for column, total in report.column_sums.items():
        print(f"  {column:8} {total:>12,}")
    for issue in report.rejected:
        print(f"  rejected: {issue}")
    return 1 if report.rejected else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

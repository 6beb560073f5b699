"""Fast calibration: false-positive rates on clean simulated elections (loose bounds).

The full study (1,000+ simulations per test, and detection power) is bench/forensics_calibration.py.
"""

from __future__ import annotations

from escrutinio.forensics.digits import last_digit_test
from escrutinio.forensics.integer_pct import leader_integer_test, turnout_integer_test
from escrutinio.forensics.simulate import COLUMNS, simulate_election
from escrutinio.forensics.units import from_frame


def test_false_positive_rates_are_near_nominal() -> None:
    n_sims = 50
    flags = {"turnout": 0, "leader": 0, "last": 0}
    for seed in range(n_sims):
        data = from_frame(simulate_election(1_000, seed=1000 + seed), COLUMNS)
        flags["turnout"] += turnout_integer_test(data, n_resamples=0).flagged()
        flags["leader"] += leader_integer_test(data, n_resamples=0).flagged()
        flags["last"] += last_digit_test(data).flagged()
    for name, count in flags.items():
        assert count / n_sims <= 0.2, name

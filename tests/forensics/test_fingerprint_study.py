"""The fingerprint study of docs/forensics.md as tests: seeded simulations over several clean
clouds, stuffing spreads θ and exponents α with known (f_i, f_e), recovered within the stated
error wherever the fit calls itself reliable, and flagged where it does not."""

from __future__ import annotations

from typing import Any

import pytest

from escrutinio.cli.examine import _reading
from escrutinio.forensics.analyze import analyze
from escrutinio.forensics.fingerprint import GOF_MAX, StuffingModel, stuffing_fit_test
from escrutinio.forensics.report import render_html
from escrutinio.forensics.simulate import COLUMNS, CleanCloud, simulate_election
from escrutinio.forensics.units import from_frame

# The stated error (docs/forensics.md, "Fingerprint study"): when the fit says it is reliable,
# f_i within F_I_ERROR and f_e within F_E_ERROR of the truth.
F_I_ERROR = 0.2
F_E_ERROR = 0.015

COMPACT = CleanCloud(0.60, 0.55, 150.0, 150.0)
WIDE = CleanCloud(0.60, 0.55, 25.0, 25.0)
LOW = CleanCloud(0.50, 0.35, 60.0, 50.0, third=0.5)
HIGH = CleanCloud(0.75, 0.65, 60.0, 50.0)


def fit(
    cloud: CleanCloud, theta: float, alpha: float, f_i: float, f_e: float, seed: int
) -> dict[str, Any]:
    """The fit's details on one simulated election of 20,000 units (the study's size)."""
    frame = simulate_election(
        20_000, seed=seed, n_regions=1, f_i=f_i, f_e=f_e, theta=theta, alpha=alpha, cloud=cloud
    )
    return stuffing_fit_test(from_frame(frame, COLUMNS), seed=seed).details


def assert_recovered(details: dict[str, Any], f_i: float, f_e: float) -> None:
    """f_e within its stated error whenever the model fits (goodness of fit ≤ GOF_MAX), f_i
    whenever the fit calls itself reliable."""
    if details["gof"] <= GOF_MAX:
        assert abs(details["f_e"] - f_e) <= F_E_ERROR, details
    if details["reliable"]:
        assert abs(details["f_i"] - f_i) <= F_I_ERROR, details


@pytest.mark.parametrize("cloud", [COMPACT, WIDE, LOW, HIGH])
def test_clean_clouds_fit_no_extreme_stuffing_and_no_reliable_incremental(
    cloud: CleanCloud,
) -> None:
    details = fit(cloud, 0.3, 2.0, 0.0, 0.0, seed=31)
    assert details["f_e"] == 0.0
    assert_recovered(details, 0.0, 0.0)


def test_clean_compact_cloud_fits_no_stuffing() -> None:
    details = fit(COMPACT, 0.3, 2.0, 0.0, 0.0, seed=32)
    assert details["f_i"] <= 0.05 and details["f_e"] == 0.0


@pytest.mark.parametrize(
    ("cloud", "theta", "alpha", "f_i", "f_e", "seed"),
    [
        (COMPACT, 0.3, 2.0, 0.4, 0.03, 41),
        (COMPACT, 0.3, 2.0, 0.6, 0.1, 42),
        (COMPACT, 0.3, 2.0, 0.2, 0.0, 43),
    ],
)
def test_injected_stuffing_recovered_within_the_stated_error(
    cloud: CleanCloud, theta: float, alpha: float, f_i: float, f_e: float, seed: int
) -> None:
    details = fit(cloud, theta, alpha, f_i, f_e, seed)
    assert details["reliable"], details
    assert_recovered(details, f_i, f_e)


def test_small_stuffing_in_a_wide_cloud_is_flagged_unreliable() -> None:
    details = fit(WIDE, 0.15, 2.0, 0.4, 0.03, seed=51)
    assert not details["reliable"]
    assert "cannot be told from a wider clean cloud" in details["reliability_note"]
    assert abs(details["f_e"] - 0.03) <= F_E_ERROR  # f_e still holds


def test_stuffing_of_another_shape_is_flagged_as_a_bad_fit() -> None:
    details = fit(COMPACT, 0.3, 1.0, 0.4, 0.03, seed=53)  # α = 1: y = x, not the fit's x²
    assert not details["reliable"] and details["gof"] > GOF_MAX
    assert "is not the model's" in details["reliability_note"]


def test_fitting_the_exponent_recovers_stuffing_of_the_other_shape() -> None:
    model = StuffingModel(alphas=(1.0, 2.0))
    for alpha in (1.0, 2.0):
        frame = simulate_election(
            20_000, seed=54, n_regions=1, f_i=0.6, f_e=0.1, theta=0.3, alpha=alpha, cloud=COMPACT
        )
        details = stuffing_fit_test(from_frame(frame, COLUMNS), model=model).details
        assert details["alpha"] == alpha and details["reliable"], details
        assert_recovered(details, 0.6, 0.1)


def test_unreliable_fit_is_said_in_the_report_and_the_cli() -> None:
    frame = simulate_election(5_000, seed=52, n_regions=1, f_i=0.4, theta=0.15, cloud=WIDE)
    result = analyze(frame, COLUMNS, n_resamples=20)
    finger = next(t for t in result.tests if "fingerprint" in t.name)
    assert not finger.details["reliable"]
    html = render_html(result, {}, "t", 10)
    assert "f_i unreliable: stuffing of the fitted spread" in html
    assert _reading(None, finger.details).startswith("descriptive; f_i unreliable")


@pytest.mark.slow
@pytest.mark.parametrize("seed", [61, 62, 63])
@pytest.mark.parametrize("cloud", [COMPACT, WIDE, LOW, HIGH])
@pytest.mark.parametrize(("f_i", "f_e"), [(0.2, 0.0), (0.6, 0.1)])
@pytest.mark.parametrize(("theta", "alpha"), [(0.15, 2.0), (0.3, 2.0), (0.3, 1.0)])
def test_study_grid_recovered_within_the_stated_error(
    cloud: CleanCloud, theta: float, alpha: float, f_i: float, f_e: float, seed: int
) -> None:
    assert_recovered(fit(cloud, theta, alpha, f_i, f_e, seed), f_i, f_e)

"""Round-by-round ballot-polling risk measures: Minerva and Providence.

Both test, for one reported winner w and loser l with reported share p₁ = w/(w + l), the
null p₀ = 1/2 against p₁ on the ballots of the sample that vote for w or l (with
replacement, so the winner's count in a round of m such ballots is Binomial(m, p)). Round j
has cumulative n_j relevant ballots of which k_j for the winner.

* **Minerva** (Zagórski, McClearn, Morin, Ottoboni, Stark, Vora, "Minerva — an efficient
  risk-limiting ballot polling audit", USENIX Security 2021): the ratio of the tails
  P(K_j ≥ k_j, the audit did not stop before round j) under p₁ and p₀. The joint
  distributions are the earlier rounds' distributions with the stopping region
  (k ≥ kmin_i) removed, convolved with the round's binomial. The P-value of round j is
  tail₀/tail₁ and the audit stops when it is below α (kmin_j: the least such k).
* **Providence** (Broadrick, Vora, Zagórski, "Providence: a flexible round-by-round
  risk-limiting audit", USENIX Security 2023): the likelihood ratio of the previous
  rounds' observed cumulative sample, σ_j = (p₁/p₀)^{k_{j−1}} ((1−p₁)/(1−p₀))^{n_{j−1}−k_{j−1}},
  times the ratio of the tails of round j's own draw,
  τ_j = P₁(ΔK ≥ Δk_j) / P₀(ΔK ≥ Δk_j); the P-value is 1/(σ_j τ_j).

A round's size is chosen for a probability of stopping in that round if the reported
results are right (Arlo's 70/80/90 % options): the round size m whose stopping region
has probability ≥ the target under p₁. That probability is not monotone in m (it drops
each time kmin steps up), so the search follows the one of the ``r2b2`` library behind
Arlo (bisection over (0, 10,000], then over ranges doubling from there) and returns the
same sizes as its published tests.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
P0 = 0.5
MAX_SIZE = 10**8  # no round larger than this many relevant ballots is searched
SEARCH_START = 10_000  # the first range of the round-size search


def _binom() -> Any:
    """SciPy's binomial distribution (imported on first use: ``scipy.stats`` is slow to
    import and the CLI loads this module at start-up)."""
    from scipy.stats import binom

    return binom


@dataclass(frozen=True)
class RoundSize:
    """A round size (relevant ballots drawn in the round), its stopping threshold ``kmin``
    (cumulative winner ballots) and the probability of stopping if the results are right."""

    size: int
    kmin: int
    stop_probability: float


def _pmf(m: int, p: float) -> FloatArray:
    """Binomial(m, p) probabilities of 0..m."""
    out: FloatArray = _binom().pmf(np.arange(m + 1), m, p)
    return out


def _convolve(a: FloatArray, b: FloatArray) -> FloatArray:
    """Distribution of the sum of two independent counts (non-negative, exact for small)."""
    if a.size * b.size <= 4_000_000:
        out: FloatArray = np.convolve(a, b)
    else:
        from scipy.signal import fftconvolve  # slow to import, needed for large rounds only

        out = np.clip(fftconvolve(a, b), 0.0, None)
    return out


def _tails(dist: FloatArray) -> FloatArray:
    """tail[k] = Σ_{i ≥ k} dist[i]."""
    out: FloatArray = np.cumsum(dist[::-1])[::-1]
    return out


def _first_stop(tail1: FloatArray, tail0: FloatArray, alpha: float, start: int) -> int | None:
    """Least k ≥ start with α·tail₁[k] > tail₀[k] (None when there is none)."""
    ok = np.flatnonzero(alpha * tail1[start:] > tail0[start:])
    return int(ok[0]) + start if ok.size else None


def _increments(rounds: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Per round, (relevant ballots, winner ballots) drawn in it, from cumulative counts."""
    out, n0, k0 = [], 0, 0
    for n, k in rounds:
        if n < n0 or k < k0 or not 0 <= k - k0 <= n - n0:
            raise ValueError(f"cumulative counts must grow with 0 ≤ k ≤ n: {list(rounds)}")
        out.append((n - n0, k - k0))
        n0, k0 = n, k
    return out


# --------------------------------------------------------------------------- Minerva
@dataclass
class MinervaState:
    """Minerva's joint distributions after some rounds: the winner's cumulative count under
    p₁ and p₀, with the earlier rounds' stopping regions removed."""

    p1: float
    alpha: float
    n: int = 0
    dist1: FloatArray | None = None
    dist0: FloatArray | None = None

    def distributions(self) -> tuple[FloatArray, FloatArray]:
        """The current (truncated) distributions under p₁ and p₀."""
        one = np.ones(1)
        return (one if self.dist1 is None else self.dist1), (
            one if self.dist0 is None else self.dist0
        )

    def extended(self, m: int) -> tuple[FloatArray, FloatArray]:
        """Distributions of the cumulative count after a further round of ``m``."""
        d1, d0 = self.distributions()
        return _convolve(d1, _pmf(m, self.p1)), _convolve(d0, _pmf(m, P0))

    def kmin(self, d1: FloatArray, d0: FloatArray, n: int) -> int | None:
        """Least cumulative winner count that stops the audit at cumulative size ``n``."""
        return _first_stop(_tails(d1), _tails(d0), self.alpha, n // 2 + 1)

    def advance(self, m: int) -> tuple[FloatArray, FloatArray, int | None]:
        """Add a round of ``m`` relevant ballots; returns its tails and kmin, and keeps
        the distributions without the stopping region."""
        d1, d0 = self.extended(m)
        self.n += m
        k = self.kmin(d1, d0, self.n)
        t1, t0 = _tails(d1), _tails(d0)
        if k is not None:
            d1, d0 = d1.copy(), d0.copy()
            d1[k:] = 0.0
            d0[k:] = 0.0
        self.dist1, self.dist0 = d1, d0
        return t1, t0, k


def minerva_kmins(p1: float, alpha: float, sizes: Sequence[int]) -> list[int | None]:
    """Minerva's stopping thresholds for cumulative round sizes ``sizes`` (None: the
    round cannot stop)."""
    st = MinervaState(p1, alpha)
    out: list[int | None] = []
    prev = 0
    for n in sizes:
        if n <= prev:
            raise ValueError("cumulative round sizes must increase")
        out.append(st.advance(n - prev)[2])
        prev = n
    return out


def minerva_pvalues(p1: float, alpha: float, rounds: Sequence[tuple[int, int]]) -> list[float]:
    """Minerva's P-value of each round from cumulative (relevant ballots, winner ballots)."""
    st = MinervaState(p1, alpha)
    out: list[float] = []
    for (m, _), (_, k) in zip(_increments(rounds), rounds, strict=True):
        t1, t0, _ = st.advance(m)
        out.append(float(t0[k] / t1[k]) if t1[k] > 0 else math.inf)
    return out


def minerva_state(p1: float, alpha: float, rounds: Sequence[tuple[int, int]]) -> MinervaState:
    """Minerva's distributions after the rounds ``rounds`` (cumulative counts)."""
    st = MinervaState(p1, alpha)
    for m, _ in _increments(rounds):
        st.advance(m)
    return st


def minerva_next_size(
    p1: float, alpha: float, rounds: Sequence[tuple[int, int]], target: float
) -> RoundSize | None:
    """Relevant ballots to draw in the next Minerva round so that, given the winner count
    so far, it stops with probability ≥ ``target`` under p₁ (None: none up to MAX_SIZE)."""
    st = minerva_state(p1, alpha, rounds)
    k_now = rounds[-1][1] if rounds else 0

    def stop(m: int) -> RoundSize:
        d1, d0 = st.extended(m)
        k = st.kmin(d1, d0, st.n + m)
        if k is None or k - k_now > m:
            return RoundSize(m, 0, 0.0)
        return RoundSize(m, k, float(_binom().sf(k - k_now - 1, m, p1)))

    return _search(stop, target, st.n)


# ------------------------------------------------------------------------ Providence
def _log_sigma(p1: float, n: int, k: int) -> float:
    """log of the likelihood ratio of k winner ballots among n relevant ones, p₁ vs p₀."""
    win = k * math.log(p1 / P0) if k else 0.0
    lose = n - k
    if lose == 0:
        return win
    return win + lose * math.log((1 - p1) / (1 - P0)) if p1 < 1 else -math.inf


def providence_pvalues(p1: float, rounds: Sequence[tuple[int, int]]) -> list[float]:
    """Providence's P-value 1/(σ_j τ_j) of each round from cumulative counts (may be > 1)."""
    out: list[float] = []
    n0 = k0 = 0
    for m, dk in _increments(rounds):
        log_sigma = _log_sigma(p1, n0, k0)
        tail1 = float(_binom().logsf(dk - 1, m, p1))
        tail0 = float(_binom().logsf(dk - 1, m, P0))
        log_ratio = log_sigma + tail1 - tail0
        out.append(math.exp(-log_ratio) if log_ratio > -700 else math.inf)
        n0, k0 = n0 + m, k0 + dk
    return out


def _bravo_kmin(p1: float, alpha: float, n: int) -> int:
    """BRAVO's least winner count among n relevant ballots; Providence's (and Minerva's)
    is never larger (the tail ratio is at least the point ratio)."""
    if p1 >= 1:
        return n
    up, down = math.log(p1 / P0), math.log((1 - p1) / (1 - P0))
    return math.floor((math.log(1 / alpha) - n * down) / (up - down)) + 1


def providence_kmin(p1: float, alpha: float, n_prev: int, k_prev: int, m: int) -> int | None:
    """Least winner count among the round's ``m`` relevant ballots that stops the audit
    (cumulative, i.e. k_prev + Δk), after ``k_prev`` of ``n_prev`` (None: cannot stop).
    τ grows with Δk (the binomial family has a monotone likelihood ratio), so the least
    Δk is found by bisection."""
    log_sigma = _log_sigma(p1, n_prev, k_prev)
    if log_sigma == -math.inf:
        return None
    base = math.log(alpha) + log_sigma

    def stops(dk: int) -> bool:
        with np.errstate(divide="ignore", invalid="ignore"):
            t1 = float(_binom().logsf(dk - 1, m, p1))
            t0 = float(_binom().logsf(dk - 1, m, P0))
        return t1 > -math.inf and base + t1 - t0 > 0

    lo = m // 2 + 1 if n_prev == 0 else 0
    hi = min(m, max(lo, _bravo_kmin(p1, alpha, n_prev + m) - k_prev))
    if lo > m or not stops(hi):
        return None
    # stops(hi) holds; find the least such Δk in [lo, hi]
    while lo < hi:
        mid = (lo + hi) // 2
        if stops(mid):
            hi = mid
        else:
            lo = mid + 1
    return hi + k_prev


def providence_next_size(
    p1: float, alpha: float, rounds: Sequence[tuple[int, int]], target: float
) -> RoundSize | None:
    """Relevant ballots to draw in the next Providence round so that it stops with
    probability ≥ ``target`` under p₁ given the sample so far (None: none up to MAX_SIZE)."""
    n_prev, k_prev = rounds[-1] if rounds else (0, 0)

    def stop(m: int) -> RoundSize:
        k = providence_kmin(p1, alpha, n_prev, k_prev, m)
        if k is None:
            return RoundSize(m, 0, 0.0)
        return RoundSize(m, k, float(_binom().sf(k - k_prev - 1, m, p1)))

    return _search(stop, target, n_prev)


def first_round_size(p1: float, alpha: float, target: float) -> RoundSize | None:
    """Relevant ballots in round 1 (the same for Minerva and Providence) so that the audit
    stops in round 1 with probability ≥ ``target`` if the reported results are right."""
    return providence_next_size(p1, alpha, [], target)


# ----------------------------------------------------------------------------- search
def _search(stop: Callable[[int], RoundSize], target: float, done: int) -> RoundSize | None:
    """A round of m ≥ 1 relevant ballots with ``stop(m).stop_probability ≥ target`` after
    ``done`` so far: bisection over the cumulative size in (done, 10,000], then in ranges
    doubling from there (r2b2's search, so the sizes agree with its published values)."""
    upper = SEARCH_START
    while upper <= done + 1:
        upper *= 2
    left = done + 1
    while upper < MAX_SIZE:
        found = _bisect(lambda n: stop(n - done), target, left, upper)
        if found is not None:
            return found
        left, upper = upper, upper * 2
    return None


def _bisect(
    stop: Callable[[int], RoundSize], target: float, left: int, right: int
) -> RoundSize | None:
    """Bisection over cumulative sizes for where the stopping probability reaches
    ``target`` (``stop`` takes the cumulative size)."""
    while left <= right:
        mid = (left + right) // 2
        here = stop(mid)
        if right - left <= 1:
            if here.stop_probability >= target:
                return here
            after = stop(mid + 1)
            return after if after.stop_probability >= target else None
        if here.stop_probability >= target:
            right = mid
        else:
            left = mid
    return None

"""The statistics of reports, backtests and suggestions, and what counts as a conversion.

Plain numbers in, plain numbers out (no scipy: the sample sizes here are small enough for
exact sums). Rates and roundings return ``None`` for no data, because no data is not 0%.
"""

from __future__ import annotations

import math

# An account *converted* when it has one of these outcomes: ``converted`` (product data,
# recorded at ingest) or ``won`` (recorded by a rep). Every conversion rate counts these.
CONVERTED_OUTCOMES = ("converted", "won")
Z95 = 1.959963984540054


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval for a proportion; honest at small n, unlike the normal one."""
    if n <= 0:
        return None
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def risk_ratio(a: int, n1: int, c: int, n2: int) -> float | None:
    """(a / n1) / (c / n2): how many times likelier the outcome is in group 1."""
    if n1 <= 0 or n2 <= 0 or c == 0:
        return None
    return (a / n1) / (c / n2)


def risk_ratio_interval(
    a: int, n1: int, c: int, n2: int, z: float = Z95
) -> tuple[float, float] | None:
    """Katz log interval for the risk ratio; adds 0.5 to every cell when one is zero."""
    if n1 <= 0 or n2 <= 0:
        return None
    b, d = n1 - a, n2 - c
    if 0 in (a, b, c, d):
        a, b, c, d = a + 0.5, b + 0.5, c + 0.5, d + 0.5
    rr = (a / (a + b)) / (c / (c + d))
    se = math.sqrt(1 / a - 1 / (a + b) + 1 / c - 1 / (c + d))
    return (rr * math.exp(-z * se), rr * math.exp(z * se))


def _log_comb(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def fisher_exact(a: int, b: int, c: int, d: int) -> float:
    """Two-sided Fisher exact p-value of the 2x2 table [[a, b], [c, d]]."""
    row1, col1, n = a + b, a + c, a + b + c + d
    if n == 0:
        return 1.0
    lo, hi = max(0, col1 - (n - row1)), min(row1, col1)

    def logp(x: int) -> float:
        return _log_comb(row1, x) + _log_comb(n - row1, col1 - x) - _log_comb(n, col1)

    observed = logp(a)
    total = 0.0
    for x in range(lo, hi + 1):
        lp = logp(x)
        if lp <= observed + 1e-7:
            total += math.exp(lp)
    return min(1.0, total)


def rate(k: int, n: int) -> float | None:
    """k / n to four places; None when n is 0 (no data is not 0%)."""
    return round(k / n, 4) if n else None


def round_or_none(x: float | None, digits: int = 4) -> float | None:
    """Rounded for JSON; None for missing, NaN or infinite values."""
    if x is None or math.isnan(x):
        return None
    if math.isinf(x):
        return None
    return round(x, digits)


def median(xs: list[float]) -> float | None:
    """The median, or None for no values."""
    if not xs:
        return None
    s = sorted(xs)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2

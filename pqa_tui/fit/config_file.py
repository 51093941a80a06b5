"""The config ``pqa fit --out FILE`` writes: the current one, whole, with the fitted weights.

A comment block on top says what was fitted on and how it did on the held-out weeks, so the
file explains itself when it is backtested (``pqa backtest FILE``) or adopted months later.
"""

from __future__ import annotations

from typing import Any

import tomli_w

from ..config import Config, config_to_dict
from ..formatting import num, pct


def fitted_config_toml(config: Config, fit: dict[str, Any]) -> str:
    """TOML for the whole config with the fitted weights and threshold, numbers on top."""
    data = config_to_dict(config)
    if config.path:  # the new file may live elsewhere: keep finding the same plugins
        data["plugins_dir"] = str(config.plugins_path().resolve())
    data["scoring"]["threshold"] = fit["fitted"]["threshold"]
    for d in fit["detectors"]:
        data["detectors"].setdefault(d["detector"], {})["weight"] = d["fitted"]
    return _comment(fit) + tomli_w.dumps(data)


def _comment(fit: dict[str, Any]) -> str:
    t, h, cur, new = fit["trained"], fit["held_out"], fit["current"], fit["fitted"]
    lines = [
        f"Written by `pqa fit --until {fit['until']}`: weights fitted on the weeks "
        f"{t['from']} to {t['to']}",
        f"({t['positive_accounts']} good and {t['negative_accounts']} bad leads; a lead is bad "
        f"when not converted within {fit['horizon_days']} days),",
        f"tested on the held-out weeks {h['from']} to {h['to']}:",
        "",
        f"{'':<28}{'current':>10}{'fitted':>10}",
    ]
    for label, key, fmt in ROWS:
        lines.append(f"{label:<28}{fmt(cur[key]):>10}{fmt(new[key]):>10}")
    lines += ["", f"{'detector':<28}{'configured':>10}{'fitted':>10}"]
    for d in fit["detectors"]:
        lines.append(f"{d['detector']:<28}{num(d['configured']):>10}{num(d['fitted']):>10}")
    return "".join(f"# {line}".rstrip() + "\n" for line in lines) + "\n"


ROWS = (
    ("threshold", "threshold", num),
    ("PQAs", "pqas", str),
    ("precision of PQAs", "precision", pct),
    ("precision of the top 10", "precision_top10", pct),
    ("recall of converters", "recall", pct),
    ("median days to conversion", "median_days_to_conversion", lambda x: num(x, 1)),
)

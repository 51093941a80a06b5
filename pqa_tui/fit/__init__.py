"""Learning from outcomes: detector weights and a threshold fitted to what converted.

- :mod:`~pqa_tui.fit.labels`: conversions and reps' verdicts as known on a day, and whether an
  account scored on a week was a good lead;
- :mod:`~pqa_tui.fit.model`: the training rows and the regularised logistic regression
  (scikit-learn) whose coefficients become weights;
- :mod:`~pqa_tui.fit.evaluate`: precision of PQAs and of the top 10, recall of converters and
  days to conversion, for any weights and threshold on replayed weeks;
- :mod:`~pqa_tui.fit.run`: :func:`run_fit`, what ``pqa fit`` prints;
- :mod:`~pqa_tui.fit.config_file`: the config ``pqa fit --out`` writes.
"""

from .config_file import fitted_config_toml
from .labels import Labels
from .run import HORIZON_DAYS, FitError, run_fit

__all__ = ["HORIZON_DAYS", "FitError", "Labels", "fitted_config_toml", "run_fit"]

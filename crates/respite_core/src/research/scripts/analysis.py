#!/usr/bin/env python3
"""Mixed-model analysis of a Respite study's sessions.tsv (written by the report beside it).

Usage: python3 analysis.py [FOLDER]    (FOLDER defaults to the folder this script is in)
Needs: pandas and statsmodels, nothing else.

What it fits. Sessions with status "completed" and a post_nrs are kept (a participant with
only one such session still contributes it). Two linear mixed models with a random
intercept per participant, fitted by REML (statsmodels MixedLM):

  adjusted:    post_nrs ~ C(condition) + C(period) + baseline_nrs   (rows with a baseline)
  unadjusted:  post_nrs ~ C(condition) + C(period)

Labels are ordered as the report orders masks (X1, X2, ..., X10 after X9; other labels in
code-point order) and the reference condition is the LAST of them, so each condition term
C(condition)[T.x] is the contrast x - last: with two conditions, first - second (X1 - X2),
the report's own sign; period terms are
period k - period 1. C(period) is left out when the kept rows have one period only, and
baseline_nrs when it does not vary; when every participant has one session only (a
parallel-group data set) the random intercept is not identified and the same formula is
fitted by ordinary least squares (t-based p) instead. Otherwise p-values are statsmodels'
Wald z (normal, no df), not t: in small studies they are smaller than the report's
t-based p in contrasts.tsv.

Relation to the report's cross-over analysis (Hills & Armitage). For a complete 2x2
cross-over (two conditions a < b, every kept participant has both periods, no missing
values) the unadjusted model's coefficient C(condition)[T.a] equals, exactly (to
rounding), the Hills-Armitage treatment estimate a - b, whatever the sequence
sizes: participant totals carry no information on condition or period, so the REML
(GLS) estimate is the within-participant one; likewise C(period)[T.2] is minus the
period effect (period 1 - period 2). The SE is the Hills-Armitage SE in theory (to about
6 digits in practice: the optimizer stops a little short), unless REML puts the
participant variance at zero, when the two differ. The p-values differ (z here, t on
n - 2 df there). Once a participant has only one completed session (an incomplete or
stopped one left out) the mixed model also uses that single session, between
participants, and the estimates are close but no longer equal; the baseline-adjusted
model is a different estimate altogether. statsmodels takes SEs from the observed
information including the variance parameters, lme4 (analysis.R) from the GLS
covariance at the REML estimates: with incomplete data they differ slightly (under 1%
on fixture_sessions.tsv).

Output: a TSV on stdout with header  model, term, estimate, se, p  (one row per
fixed-effect term, model = adjusted / unadjusted), also written to analysis_python.tsv
in FOLDER. Notes (rows used, terms dropped, fit warnings) go to stderr.
"""

import os
import re
import sys
import warnings

import pandas as pd
from statsmodels.regression.linear_model import OLS
from statsmodels.regression.mixed_linear_model import MixedLM

COLUMNS = ["model", "term", "estimate", "se", "p"]


def note(msg):
    print(f"analysis.py: {msg}", file=sys.stderr)


def load(folder):
    path = os.path.join(folder, "sessions.tsv")
    df = pd.read_csv(
        path,
        sep="\t",
        na_values=["n/a", ""],
        keep_default_na=False,
        dtype={"participant": str, "condition": str, "sequence": str, "status": str},
    )
    needed = ("participant", "period", "condition", "baseline_nrs", "post_nrs", "status")
    missing = [c for c in needed if c not in df]
    if missing:
        sys.exit(f"analysis.py: {path}: no column {', '.join(missing)}")
    for c in ("period", "baseline_nrs", "post_nrs"):
        df[c] = pd.to_numeric(df[c], errors="coerce")
    kept = df[(df["status"] == "completed") & df["post_nrs"].notna() & df["condition"].notna()].copy()
    note(f"{len(kept)} of {len(df)} sessions kept (completed, with post_nrs), "
         f"{kept['participant'].nunique()} participants")
    return kept


def label_order(labels):
    """Masks X1, X2, ... by their number (X10 after X9); other labels in code-point order."""
    labels = list(labels)
    if labels and all(re.fullmatch(r"X[1-9][0-9]*", l) for l in labels):
        return sorted(labels, key=lambda l: int(l[1:]))
    return sorted(labels)


def fit(data, name, adjust):
    """One model's fixed-effect rows, or none (with a note) when it cannot be fitted."""
    terms = []
    if adjust:
        data = data[data["baseline_nrs"].notna()]
    data = data[data["period"].notna()] if data["period"].notna().any() else data
    conditions = label_order(data["condition"].unique())
    if len(conditions) < 2:
        note(f"{name}: fewer than two conditions among the kept sessions; not fitted")
        return []
    # The last label is the reference: a term is x - last (X1 - X2 with two).
    categories = [conditions[-1]] + conditions[:-1]
    data = data.assign(condition=pd.Categorical(data["condition"], categories=categories))
    terms.append("C(condition)")
    if data["period"].nunique() > 1:
        data = data.assign(period=pd.Categorical(data["period"].astype(int),
                                                 categories=sorted(data["period"].astype(int).unique())))
        terms.append("C(period)")
    else:
        note(f"{name}: one period only; C(period) left out")
    if adjust:
        if data["baseline_nrs"].nunique() > 1:
            terms.append("baseline_nrs")
        else:
            note(f"{name}: baseline_nrs does not vary; left out")
    formula = "post_nrs ~ " + " + ".join(terms)
    # With one session per participant a participant's own level cannot be told from the
    # residual: the random intercept is not identified, and the model is ordinary least squares.
    one_each = data.groupby("participant").size().max() == 1
    how = "ordinary least squares (one session per participant)" if one_each \
        else "random intercept per participant, REML"
    note(f"{name}: {formula}, {how}; "
         f"{len(data)} sessions, {data['participant'].nunique()} participants")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if one_each:
                result = OLS.from_formula(formula, data=data).fit()
            else:
                result = MixedLM.from_formula(formula, data=data, groups="participant").fit(reml=True)
        for w in caught:
            note(f"{name}: {w.category.__name__}: {w.message}")
    except Exception as e:  # singular design, too few rows, …: say so and go on
        note(f"{name}: not fitted: {e}")
        return []
    rows = []
    params, bse = (result.params, result.bse) if one_each else (result.fe_params, result.bse_fe)
    for term in params.index:
        rows.append([name, term, params[term], bse[term], result.pvalues[term]])
    return rows


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    data = load(folder)
    if data.empty:
        sys.exit("analysis.py: no completed sessions with post_nrs")
    rows = fit(data, "adjusted", adjust=True) + fit(data, "unadjusted", adjust=False)
    table = pd.DataFrame(rows, columns=COLUMNS)
    text = table.to_csv(sep="\t", index=False, float_format="%.8g", lineterminator="\n")
    sys.stdout.write(text)
    with open(os.path.join(folder, "analysis_python.tsv"), "w", encoding="utf-8") as f:
        f.write(text)
    if not rows:
        sys.exit(1)


if __name__ == "__main__":
    main()

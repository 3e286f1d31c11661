"""The one-page credit memo (``stress memo``): a PDF a committee member reads in two minutes.

    inputs = gather(results, paths, seed, profile_path, sha256, generated)   # runs breakeven and Monte Carlo
    data, pages = build_memo(inputs)                                         # PDF bytes, page count

``content`` says what the memo says (text from the analyses), ``assumptions`` the key inputs and the largest
estimates, ``charts`` draws, ``layout`` lays out, ``write`` names and writes the file.
"""

from __future__ import annotations

from stress.report.memo.content import MemoInputs, gather


def build_memo(inputs: MemoInputs) -> tuple[bytes, int]:
    """The memo's PDF bytes and page count."""
    from stress.report.memo.assumptions import key_assumptions, largest_estimates
    from stress.report.memo.layout import render

    source = inputs.results.source  # the profile as loaded: its comments read once, with it
    comments = source.comments if source is not None else {}  # a Company built in memory has none
    mc = inputs.montecarlo
    assumptions = key_assumptions(inputs.results.cc, comments, mc.paths, mc.seed)
    return render(inputs, assumptions, largest_estimates(inputs.results.company, comments, inputs.results.cc.case))


__all__ = ["MemoInputs", "build_memo", "gather"]

"""The live community card (polled with ETag/304) and the "How scores work" page."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, make_response, render_template, request

from ..accounts.trust import TrustRules, trust_weight
from ..catalog.services import require_published
from ..integrity.brigade import HoldRules
from ..scoring import verdict as scoring
from . import presenting, services

bp = Blueprint("verdicts", __name__)


@bp.get("/compare/<slug:slug>/community")
def community_card(slug: str):
    state = services.card_state(slug)
    if state is None:
        abort(404, description="No published comparison lives at this address.")
    _, etag = state
    # The common case, one query: nothing changed since the page's last poll.
    if etag in request.if_none_match:
        response = make_response("", 304)
    else:
        comparison = require_published(slug)
        response = make_response(
            render_template(
                "verdicts/_community_card.html",
                comparison=comparison,
                card=services.card_for(comparison),
            )
        )
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/how-scores-work")
def how_scores_work():
    params = scoring.Params.from_config(current_app.config)
    rules = TrustRules.from_config(current_app.config)
    # A worked example, computed now by the same functions the workers use.
    options = [1, 2]
    names = {1: "Kettle", 2: "Stove"}
    totals = {1: 14.6, 2: 9.0}
    claims = [
        scoring.ClaimInput(1, "pro", 6.0, 6.0 * 3.5),
        scoring.ClaimInput(1, "con", 4.0, 4.0 * 1.0),
        scoring.ClaimInput(2, "pro", 5.0, 5.0 * 2.4),
    ]
    result = scoring.compute(options, totals, 26, claims, params)
    example = {
        "names": names,
        "totals": totals,
        "claims": [(c, scoring.claim_importance(c, params.prior_weight)) for c in claims],
        "cases": scoring.option_cases(options, claims, params.prior_weight),
        "result": result,
        "trust": [
            (label, trust_weight(age, days, verified=verified, rules=rules))
            for label, age, days, verified in [
                ("a brand-new account", 0, 0, False),
                ("a brand-new account with a verified e-mail", 0, 0, True),
                ("a week old, verified, active on 3 days", 7, 3, True),
                (
                    f"{rules.full_after_days:g} days old, verified, active on "
                    f"{rules.full_after_active_days} days",
                    rules.full_after_days,
                    rules.full_after_active_days,
                    True,
                ),
            ]
        ],
        "golden": [
            (a, b, scoring.compute([1, 2], {1: a, 2: b}, a + b, [], params).confidence)
            for a, b in [(60, 40), (51, 49), (6, 4)]
        ],
        "words": presenting.confidence_words(result.confidence),
    }
    return render_template(
        "verdicts/how_scores_work.html",
        params=params,
        rules=rules,
        ex=example,
        holds=HoldRules.from_config(current_app.config),
        cool_off_hours=current_app.config["HOLD_COOL_OFF_HOURS"],
    )

"""The live community verdict (polled with ETag/304, answered as JSON) and the "How scores
work" page."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    get_template_attribute,
    jsonify,
    make_response,
    render_template,
    request,
)

from ..accounts.trust import TrustRules
from ..catalog.services import require_published
from ..integrity.brigade import HoldRules
from ..scoring.verdict import Params
from . import presenting, services, spread

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
        response = jsonify(live_state(require_published(slug)))
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-cache"
    return response


def live_state(comparison) -> dict:
    """What the page's live parts show, rendered by the same templates as the page: the
    card, the "why" section, each claim's community weight and spread of ratings (the
    strip's HTML, "" while no rating counts), and the "what matters most" order."""
    # Held here first: card_for reads it again from the session's (weak) identity map.
    verdict = services.get_verdict(comparison.id)
    card = services.card_for(comparison)
    why = presenting.why(verdict, comparison.options)
    spreads = spread.claim_spreads(comparison.id)
    strip = get_template_attribute("verdicts/_spread.html", "spread_strip")
    claim_ids = [c.id for o in comparison.options for c in o.claims]
    return {
        "version": card.version,
        "tone": card.tone,
        "card": render_template("verdicts/_community_card.html", comparison=comparison, card=card),
        "why": render_template("verdicts/_why.html", comparison=comparison, why=why, card=card),
        "claims": {str(cid): weight.as_json() for cid, weight in card.claims.items()},
        "spreads": {str(cid): str(strip(cid, spreads.get(cid))).strip() for cid in claim_ids},
        "order": spread.weight_order(comparison, card.claims),
    }


@bp.get("/how-scores-work")
def how_scores_work():
    params = Params.from_config(current_app.config)
    rules = TrustRules.from_config(current_app.config)
    return render_template(
        "verdicts/how_scores_work.html",
        params=params,
        rules=rules,
        ex=presenting.worked_example(params, rules),
        holds=HoldRules.from_config(current_app.config),
        cool_off_hours=current_app.config["HOLD_COOL_OFF_HOURS"],
    )

"""One after-commit mechanism: whichever module's commit a service calls, every kind of
deferred work runs after it, and a rollback drops every kind."""

import sqlalchemy as sa

from tests import factories
from webapp.catalog import changes
from webapp.extensions import db
from webapp.mail import services as mail
from webapp.mail.models import OutboundMail
from webapp.verdicts import services as verdicts
from webapp.voting.models import Vote


def stage_vote_and_mail(comp, member):
    db.session.add(Vote(user_id=member.id, comparison_id=comp.id, option_id=comp.options[0].id))
    changes.mark_inputs_changed([comp.id])
    return mail.queue_mail("notice", "someone@example.com", "Hello", "Body")


def test_a_mail_commit_also_sends_the_recompute_and_the_other_way_round(session):
    comp, member = factories.comparison(), factories.established()
    db.session.commit()
    message = stage_vote_and_mail(comp, member)
    mail.commit()
    assert verdicts.get_verdict(comp.id).counted_votes == 1  # the recompute ran
    assert db.session.get(OutboundMail, message.id).status == "sent"  # the mail went out

    other = factories.comparison()
    db.session.commit()
    second = stage_vote_and_mail(other, factories.established())
    changes.commit()
    assert verdicts.get_verdict(other.id).counted_votes == 1
    assert db.session.get(OutboundMail, second.id).status == "sent"


def test_a_rollback_drops_every_kind_of_deferred_work(session):
    comp, member = factories.comparison(), factories.established()
    db.session.commit()
    stage_vote_and_mail(comp, member)
    assert changes.RECOMPUTE in db.session.info and mail.PENDING in db.session.info
    db.session.rollback()
    assert changes.RECOMPUTE not in db.session.info and mail.PENDING not in db.session.info
    changes.commit()
    assert verdicts.get_verdict(comp.id) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboundMail)) == 0

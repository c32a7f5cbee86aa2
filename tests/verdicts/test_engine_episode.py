"""Ready for tests/verdicts/ once webapp/verdicts/transitions.py calls
discussions.record_community_disagreement (patch: /tmp/h7-transitions.patch): a member's
question, then the community turning against the pick, is one thread, retitled."""

import sqlalchemy as sa

from tests import factories
from webapp.discussions import services as discussions
from webapp.discussions.models import Post, Thread
from webapp.extensions import db
from webapp.verdicts import services
from webapp.voting.services import cast_vote


def test_a_members_question_becomes_the_communitys_disagreement(session):
    comp = factories.comparison("Kettle", "Stove", pick=0)  # editors pick Kettle
    kettle, stove = comp.options
    question = discussions.do_disagree(factories.user(), comp, "Stove cooks more.")
    assert db.session.get(Thread, question.thread_id).title == "Members question the pick"
    people = [factories.established() for _ in range(12)]
    for member in people[:2]:
        cast_vote(member, comp, kettle.id)
    for member in people[2:]:
        cast_vote(member, comp, stove.id)  # 10 v 2: confident Stove
    assert services.get_verdict(comp.id).alignment == "disagrees"
    db.session.expire_all()
    [thread] = db.session.scalars(sa.select(Thread).where(Thread.comparison_id == comp.id))
    assert thread.id == question.thread_id
    assert thread.title == "Why the community disagrees with the pick"
    bodies = db.session.scalars(
        sa.select(Post.body).where(Post.thread_id == thread.id).order_by(Post.id)
    ).all()
    assert bodies[0] == "Stove cooks more."
    assert "this members' question is now" in bodies[1]
    assert "The community now picks **Stove**" in bodies[2]

"""Catalog tables. Integrity lives in the database: unique slugs, positions unique
per parent, and an editorial pick that can only name one of its comparison's options
(a composite foreign key on (option id, comparison id))."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.clock import utcnow
from ..extensions import db

# Statuses a reader can open: an archived comparison stays readable, closed to new input.
READABLE = ("published", "archived")

option_tags = sa.Table(
    "option_tags",
    db.metadata,
    sa.Column("option_id", sa.ForeignKey("options.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("tag_id", sa.ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
)


class Comparison(db.Model):
    __tablename__ = "comparisons"
    __table_args__ = (
        sa.CheckConstraint("status IN ('draft', 'published', 'archived')", name="status"),
        sa.Index("ix_comparisons_status_created_at", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(200), unique=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    intro: Mapped[str] = mapped_column(sa.Text, default="")
    label: Mapped[str | None] = mapped_column(sa.String(60))
    status: Mapped[str] = mapped_column(sa.String(20), default="published")
    # Where an imported page came from; re-importing the same source updates this row.
    source: Mapped[str | None] = mapped_column(sa.String(500), unique=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    # Bumped in the same transaction as every editorial write that can change the
    # community verdict (void, hold, pick change); votes and ratings append to
    # input_changes instead (no hot row), and the recompute folds those marks in here. The
    # sweep recomputes comparisons with marks, or whose version is ahead of the one their
    # verdict read. A counter, not a time: web hosts'
    # clocks never decide. Neither column is indexed: an index here would make every
    # vote's update a non-HOT one.
    inputs_version: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    # When the inputs last changed (web host's clock): dates staleness, decides nothing.
    inputs_changed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # What the last import wrote (a digest of the parsed page) and when, and when a person
    # last changed the comparison on the site (a resolution's pick change). An import never
    # overwrites a site edit newer than itself, and an unchanged file writes nothing.
    import_digest: Mapped[str | None] = mapped_column(sa.String(64))
    imported_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    edited_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    options: Mapped[list[Option]] = relationship(
        back_populates="comparison",
        order_by="Option.position",
        cascade="all, delete-orphan",
        foreign_keys="Option.comparison_id",
    )
    verdict: Mapped[EditorialVerdict | None] = relationship(
        back_populates="comparison", cascade="all, delete-orphan", uselist=False
    )

    @property
    def pick(self) -> Option | None:
        return self.verdict.picked_option if self.verdict else None

    def __repr__(self) -> str:
        return f"<Comparison {self.slug}>"


class Option(db.Model):
    __tablename__ = "options"
    __table_args__ = (
        sa.UniqueConstraint("comparison_id", "slug"),
        sa.UniqueConstraint("comparison_id", "position"),
        # Target of the editorial verdict's composite foreign key.
        sa.UniqueConstraint("id", "comparison_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    comparison_id: Mapped[int] = mapped_column(
        sa.ForeignKey("comparisons.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    slug: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    position: Mapped[int] = mapped_column(sa.Integer)
    # The editorial verdict's "Use <option> if: ..." text for this option.
    use_if: Mapped[str | None] = mapped_column(sa.Text)

    comparison: Mapped[Comparison] = relationship(
        back_populates="options", foreign_keys=[comparison_id]
    )
    claims: Mapped[list[Claim]] = relationship(
        back_populates="option",
        order_by="(Claim.kind.desc(), Claim.position)",
        cascade="all, delete-orphan",
    )
    tags: Mapped[list[Tag]] = relationship(
        secondary=option_tags, back_populates="options", order_by="Tag.slug"
    )

    @property
    def pros(self) -> list[Claim]:
        return [c for c in self.claims if c.kind == "pro"]

    @property
    def cons(self) -> list[Claim]:
        return [c for c in self.claims if c.kind == "con"]


class Claim(db.Model):
    __tablename__ = "claims"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('pro', 'con')", name="kind"),
        sa.UniqueConstraint("option_id", "kind", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    option_id: Mapped[int] = mapped_column(
        sa.ForeignKey("options.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(3))
    text: Mapped[str] = mapped_column(sa.Text)
    position: Mapped[int] = mapped_column(sa.Integer)

    option: Mapped[Option] = relationship(back_populates="claims")


class Tag(db.Model):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(100), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))

    options: Mapped[list[Option]] = relationship(secondary=option_tags, back_populates="tags")


class TagAlias(db.Model):
    """A tag slug merged into another tag: its old page redirects (301) to the kept tag,
    and an import or an edit naming it gets the kept tag. No row in ``tags`` keeps the
    old slug, so an alias never shadows a live tag."""

    __tablename__ = "tag_aliases"

    slug: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    tag_id: Mapped[int] = mapped_column(sa.ForeignKey("tags.id", ondelete="CASCADE"), index=True)
    # By table name: catalog may not import accounts (siblings in the layers).
    merged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    merged_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    tag: Mapped[Tag] = relationship()


class EditorialVerdict(db.Model):
    __tablename__ = "editorial_verdicts"
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["picked_option_id", "comparison_id"],
            ["options.id", "options.comparison_id"],
            name="fk_editorial_verdicts_pick_own_option",
        ),
    )

    comparison_id: Mapped[int] = mapped_column(
        sa.ForeignKey("comparisons.id", ondelete="CASCADE"), primary_key=True
    )
    picked_option_id: Mapped[int] = mapped_column(sa.Integer, index=True)
    # Paragraph-style verdicts ("These serve different purposes...") have no per-option lines.
    summary: Mapped[str | None] = mapped_column(sa.Text)
    bottom_line: Mapped[str | None] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    comparison: Mapped[Comparison] = relationship(back_populates="verdict")
    picked_option: Mapped[Option] = relationship(
        foreign_keys=[picked_option_id],
        primaryjoin="EditorialVerdict.picked_option_id == Option.id",
        viewonly=True,
    )


class InputChange(db.Model):
    """A member's input to a comparison changed (vote, rating): one appended row per write
    (catalog/changes.py). Appending locks no shared row, so votes on one hot comparison do
    not queue on its row as a counter on ``comparisons`` would. The recompute deletes the
    marks it has read and folds their number into ``Comparison.inputs_version``; the sweep
    recomputes every comparison that still has one. No foreign key on purpose: its check
    would take a share lock on the comparison row in every vote's transaction."""

    __tablename__ = "input_changes"

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    comparison_id: Mapped[int] = mapped_column(sa.Integer, index=True)
    changed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    # A withdrawn vote that the tallies counted: the option and trust class to take it from.
    untally_option_id: Mapped[int | None] = mapped_column(sa.Integer)
    untally_class: Mapped[int | None] = mapped_column(sa.BigInteger)

"""Disputes: a change number in commit order, so that a mediator's phone syncs what changed
(``GET /disputes?updated_after=``) without missing a change made while it pages; disputes stored
before it are numbered in the order they last changed

Revision ID: 0016_dispute_change_seq
Revises: 0015_dispute_documents
Create Date: 2026-12-05 06:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0016_dispute_change_seq'
down_revision = '0015_dispute_documents'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('disputes', sa.Column('change_seq', sa.BigInteger(), nullable=True))
    op.execute("UPDATE disputes SET change_seq = ordered.n FROM ("
               "SELECT id, row_number() OVER (ORDER BY updated_at, id) AS n FROM disputes"
               ") AS ordered WHERE disputes.id = ordered.id")
    op.execute("INSERT INTO counters (name, value) "
               "SELECT 'disputes.change_seq', max(change_seq) FROM disputes HAVING count(*) > 0")
    op.create_index(op.f('ix_disputes_change_seq'), 'disputes', ['change_seq'], unique=True)
    op.create_index(op.f('ix_disputes_updated_at'), 'disputes', ['updated_at'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_disputes_updated_at'), table_name='disputes')
    op.drop_index(op.f('ix_disputes_change_seq'), table_name='disputes')
    op.execute("DELETE FROM counters WHERE name = 'disputes.change_seq'")
    op.drop_column('disputes', 'change_seq')

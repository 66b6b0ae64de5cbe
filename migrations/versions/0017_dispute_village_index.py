"""Disputes: the villages a dispute involves indexed by village, for the village's own workers'
lists (they read every dispute their village is involved in, not every involvement in the town)

Revision ID: 0017_dispute_village_index
Revises: 0016_dispute_change_seq
Create Date: 2026-12-05 06:30:00

"""
from alembic import op


revision = '0017_dispute_village_index'
down_revision = '0016_dispute_change_seq'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(op.f('ix_dispute_villages_village_id'), 'dispute_villages', ['village_id'],
                    unique=False)


def downgrade():
    op.drop_index(op.f('ix_dispute_villages_village_id'), table_name='dispute_villages')

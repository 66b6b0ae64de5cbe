"""Dispute case record: an index on (action, created_at) for the period counts of 督办

Revision ID: 0004_dispute_event_index
Revises: 0003_disputes
Create Date: 2026-12-01 18:05:00

"""
from alembic import op


revision = '0004_dispute_event_index'
down_revision = '0003_disputes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_dispute_events_action_created_at', 'dispute_events',
                    ['action', 'created_at'], unique=False)


def downgrade():
    op.drop_index('ix_dispute_events_action_created_at', table_name='dispute_events')

"""Accounts: the record of what was done to each account (created, changed, deactivated,
password reset), by whom and when; append-only like the case records

Revision ID: 0013_account_events
Revises: 0012_incident_to_do_indexes
Create Date: 2026-12-05 00:45:00

"""
from alembic import op
import sqlalchemy as sa

from geo.migration import (create_append_only_guard, create_rewrite_guard,
                           drop_append_only_guard, drop_rewrite_guard)


revision = '0013_account_events'
down_revision = '0012_incident_to_do_indexes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'account_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=20), nullable=False),
        sa.Column('detail', sa.Text(), nullable=True),
        sa.Column('operator', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_account_events_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_account_events')),
    )
    op.create_index(op.f('ix_account_events_user_id'), 'account_events', ['user_id'],
                    unique=False)
    create_append_only_guard(op, 'account_events')
    create_rewrite_guard(op, 'account_events')


def downgrade():
    drop_rewrite_guard(op, 'account_events')
    drop_append_only_guard(op, 'account_events')
    op.drop_index(op.f('ix_account_events_user_id'), table_name='account_events')
    op.drop_table('account_events')

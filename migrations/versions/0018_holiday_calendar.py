"""The holiday calendar the town enters from each year's State Council notice (节假日安排), and
the record of every entry

Revision ID: 0018_holiday_calendar
Revises: 0017_dispute_village_index
Create Date: 2026-12-05 08:30:00

"""
from alembic import op
import sqlalchemy as sa

from geo.migration import (create_append_only_guard, create_rewrite_guard,
                           drop_append_only_guard, drop_rewrite_guard)


revision = '0018_holiday_calendar'
down_revision = '0017_dispute_village_index'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'calendar_days',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('working', sa.Boolean(), nullable=False),
        sa.Column('name', sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint('day', name=op.f('pk_calendar_days')),
    )
    op.create_index(op.f('ix_calendar_days_year'), 'calendar_days', ['year'], unique=False)
    op.create_table(
        'calendar_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=200), nullable=False),
        sa.Column('content', sa.Text(), nullable=False),
        sa.Column('deadlines_moved', sa.Integer(), nullable=False),
        sa.Column('operator_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['operator_id'], ['users.id'],
                                name=op.f('fk_calendar_changes_operator_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_changes')),
        sa.UniqueConstraint('year', 'version', name=op.f('uq_calendar_changes_year_version')),
    )
    create_append_only_guard(op, 'calendar_changes')
    create_rewrite_guard(op, 'calendar_changes')


def downgrade():
    drop_rewrite_guard(op, 'calendar_changes')
    drop_append_only_guard(op, 'calendar_changes')
    op.drop_table('calendar_changes')
    op.drop_index(op.f('ix_calendar_days_year'), table_name='calendar_days')
    op.drop_table('calendar_days')

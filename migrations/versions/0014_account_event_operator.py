"""Accounts: the record names the account that made a change through the service (the
administrator's console, a holder's own password), beside the system account of a command

Revision ID: 0014_account_event_operator
Revises: 0013_account_events
Create Date: 2026-12-05 03:10:00

"""
from alembic import op

from geo.migration import add_reference_column


revision = '0014_account_event_operator'
down_revision = '0013_account_events'
branch_labels = None
depends_on = None


def upgrade():
    add_reference_column(op, 'account_events', 'operator_id', 'users')


def downgrade():
    op.drop_column('account_events', 'operator_id')

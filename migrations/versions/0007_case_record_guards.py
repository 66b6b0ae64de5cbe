"""Case records: also refuse an INSERT that would replace an entry (SQLite's INSERT OR REPLACE
deletes the old row without firing DELETE triggers) and TRUNCATE (PostgreSQL fires no row
triggers for it)

Revision ID: 0007_case_record_guards
Revises: 0006_drop_incident_dispute_index
Create Date: 2026-12-01 22:55:00

"""
from alembic import op

from geo.migration import create_rewrite_guard, drop_rewrite_guard


revision = '0007_case_record_guards'
down_revision = '0006_drop_incident_dispute_index'
branch_labels = None
depends_on = None

CASE_RECORDS = ('incident_events', 'dispute_events')


def upgrade():
    for table in CASE_RECORDS:
        create_rewrite_guard(op, table)


def downgrade():
    for table in CASE_RECORDS:
        drop_rewrite_guard(op, table)

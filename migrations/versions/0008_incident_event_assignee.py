"""Incident case record: each entry names the assignee after the change, so a dispatch says to
whom, and a re-dispatch from whom (the entry before it) and to whom

Revision ID: 0008_incident_event_assignee
Revises: 0007_case_record_guards
Create Date: 2026-12-01 23:05:00

"""
from alembic import op

from geo.migration import add_reference_column


revision = '0008_incident_event_assignee'
down_revision = '0007_case_record_guards'
branch_labels = None
depends_on = None


def upgrade():
    add_reference_column(op, 'incident_events', 'assignee_id', 'users')


def downgrade():
    op.drop_column('incident_events', 'assignee_id')

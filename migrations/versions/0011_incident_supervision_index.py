"""Incident case record: a partial index on created_at of the 督办 entries, for the summary's
period count of them (without it the count reads every entry of the period)

Revision ID: 0011_incident_supervision_index
Revises: 0010_incident_answers
Create Date: 2026-12-04 22:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0011_incident_supervision_index'
down_revision = '0010_incident_answers'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_incident_events_supervise_created_at', 'incident_events', ['created_at'],
                    unique=False, postgresql_where=sa.text("action = 'supervise'"),
                    sqlite_where=sa.text("action = 'supervise'"))


def downgrade():
    op.drop_index('ix_incident_events_supervise_created_at', table_name='incident_events')

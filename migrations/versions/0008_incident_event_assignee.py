"""Incident case record: each entry names the assignee after the change, so a dispatch says to
whom, and a re-dispatch from whom (the entry before it) and to whom

Revision ID: 0008_incident_event_assignee
Revises: 0007_case_record_guards
Create Date: 2026-12-01 23:05:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0008_incident_event_assignee'
down_revision = '0007_case_record_guards'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        # SQLite takes a column's reference only inline; copying the table instead (batch mode)
        # would drop the case record's triggers.
        op.execute("ALTER TABLE incident_events ADD COLUMN assignee_id INTEGER "
                   "CONSTRAINT fk_incident_events_assignee_id_users REFERENCES users (id)")
        return
    op.add_column('incident_events', sa.Column('assignee_id', sa.Integer(), nullable=True))
    op.create_foreign_key(op.f('fk_incident_events_assignee_id_users'), 'incident_events',
                          'users', ['assignee_id'], ['id'])


def downgrade():
    op.drop_column('incident_events', 'assignee_id')

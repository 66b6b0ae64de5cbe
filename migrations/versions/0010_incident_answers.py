"""Incidents answered, closed, visited and reviewed: when a petitioner or a 12345 caller was
answered (答复), when the incident was closed, when its return visit (回访) was made and the
satisfaction rating given there, when a petition's review (复查) and re-review (复核) were asked
for and decided

Revision ID: 0010_incident_answers
Revises: 0009_incident_deadlines
Create Date: 2026-12-04 22:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0010_incident_answers'
down_revision = '0009_incident_deadlines'
branch_labels = None
depends_on = None

TIMES = ('replied_at', 'closed_at', 'visited_at', 'review_requested_at', 'review_decided_at',
         're_review_requested_at', 're_review_decided_at')
SATISFACTION = 'ck_incidents_satisfaction'


def upgrade():
    for name in TIMES:
        op.add_column('incidents', sa.Column(name, sa.DateTime(timezone=True), nullable=True))
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite takes a CHECK only inline; copying the table instead would be needless here.
        op.execute(f"ALTER TABLE incidents ADD COLUMN satisfaction SMALLINT "
                   f"CONSTRAINT {SATISFACTION} CHECK (satisfaction BETWEEN 1 AND 5)")
    else:
        op.add_column('incidents', sa.Column('satisfaction', sa.SmallInteger(), nullable=True))
        op.create_check_constraint(op.f(SATISFACTION), 'incidents',
                                   'satisfaction BETWEEN 1 AND 5')
    op.execute("UPDATE incidents SET closed_at = (SELECT min(e.created_at) FROM incident_events e "
               "WHERE e.incident_id = incidents.id AND e.to_status = 'closed') "
               "WHERE status = 'closed'")
    _set_due_at_of_unanswered_cases()


def downgrade():
    op.drop_column('incidents', 'satisfaction')  # its CHECK goes with it
    for name in reversed(TIMES):
        op.drop_column('incidents', name)


def _set_due_at_of_unanswered_cases():
    """A handled petition or 12345 work order is now due until its petitioner or caller is
    answered: those handled before this revision get the deadline the service gives them, so an
    unanswered one is listed and supervised when overdue."""
    from service.incidents.backfill import store_stage_dues

    store_stage_dues(op.get_bind(), ('handled',))

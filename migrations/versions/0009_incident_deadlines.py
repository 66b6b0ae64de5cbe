"""Incidents with a time limit (petitions, 12345 work orders): the current stage's deadline, the
work-order type that sets it, when the incident was accepted, the days a petition's handling was
extended by, and 督办's level; a case-record
entry without an actor (a 督办 step is taken by nobody)

Revision ID: 0009_incident_deadlines
Revises: 0008_incident_event_assignee
Create Date: 2026-12-03 16:20:00

"""
from alembic import op
import sqlalchemy as sa

from geo.migration import (add_reference_column, create_append_only_guard, create_rewrite_guard,
                           drop_append_only_guard, drop_rewrite_guard)


revision = '0009_incident_deadlines'
down_revision = '0008_incident_event_assignee'
branch_labels = None
depends_on = None

COLUMNS = (
    ('work_order_type', sa.String(length=20)),
    ('accepted_at', sa.DateTime(timezone=True)),
    ('due_at', sa.DateTime(timezone=True)),
    ('supervision_due_at', sa.DateTime(timezone=True)),
)


def upgrade():
    for name, type_ in COLUMNS:
        op.add_column('incidents', sa.Column(name, type_, nullable=True))
    op.add_column('incidents', sa.Column('supervision_level', sa.SmallInteger(), nullable=False,
                                         server_default='4'))
    op.add_column('incidents', sa.Column('extension_days', sa.SmallInteger(), nullable=False,
                                         server_default='0'))
    op.create_index('ix_incidents_due_at', 'incidents', ['due_at'], unique=False,
                    postgresql_where=sa.text('due_at IS NOT NULL'),
                    sqlite_where=sa.text('due_at IS NOT NULL'))
    add_reference_column(op, 'notifications', 'incident_id', 'incidents')
    op.execute("UPDATE incidents SET accepted_at = (SELECT min(e.created_at) FROM incident_events e "
               "WHERE e.incident_id = incidents.id AND e.action = 'accept')")
    _set_due_at_of_open_cases()
    _set_actor_nullable(True)


def downgrade():
    _set_actor_nullable(False)
    op.drop_column('notifications', 'incident_id')
    op.drop_index('ix_incidents_due_at', table_name='incidents')
    op.drop_column('incidents', 'extension_days')
    op.drop_column('incidents', 'supervision_level')
    for name, _type in reversed(COLUMNS):
        op.drop_column('incidents', name)


def _set_due_at_of_open_cases():
    """Petitions and 12345 work orders still open get their current stage's deadline as the
    service computes it, so they are listed and supervised when overdue like those reported
    after this revision. No case had been answered (replied_at, revision 0010) before it."""
    from service.incidents.backfill import store_stage_dues
    from service.incidents.due import RUNNING_STATUSES

    store_stage_dues(op.get_bind(), RUNNING_STATUSES, absent=('replied_at',))


def _set_actor_nullable(nullable):
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column('incident_events', 'actor_id', existing_type=sa.Integer(),
                        nullable=nullable)
        return
    # SQLite changes a column only by copying its table, which loses the table's triggers:
    # the case record's guards are made again on the copy.
    drop_rewrite_guard(op, 'incident_events')
    drop_append_only_guard(op, 'incident_events')
    with op.batch_alter_table('incident_events', recreate='always') as batch:
        batch.alter_column('actor_id', existing_type=sa.Integer(), nullable=nullable)
    create_append_only_guard(op, 'incident_events')
    create_rewrite_guard(op, 'incident_events')

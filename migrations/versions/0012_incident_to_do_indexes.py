"""Incidents: partial indexes of the three to-do lists (待答复, 待回访, 待出具复查复核意见), so that
a list of a few cases is read from an index of those cases, not from the town's whole history;
and the assignee's own list (assigned_to=me), with a status or without, newest first

Revision ID: 0012_incident_to_do_indexes
Revises: 0011_incident_supervision_index
Create Date: 2026-12-05 01:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0012_incident_to_do_indexes'
down_revision = '0011_incident_supervision_index'
branch_labels = None
depends_on = None

ANSWERED = "(category = 'petition' OR channel = 'hotline_12345')"
PREDICATES = {
    'answer': "status = 'handled' AND replied_at IS NULL AND dispute_id IS NULL AND " + ANSWERED,
    'visit': "status = 'closed' AND visited_at IS NULL AND dispute_id IS NULL AND " + ANSWERED,
    'review': "status = 'closed' AND category = 'petition' AND "
              "(review_requested_at IS NOT NULL AND review_decided_at IS NULL OR "
              "re_review_requested_at IS NOT NULL AND re_review_decided_at IS NULL)",
}

ASSIGNEE_INDEXES = {
    'ix_incidents_assignee_id_created_at_id': ['assignee_id', 'created_at', 'id'],
    'ix_incidents_assignee_id_status_created_at_id': ['assignee_id', 'status', 'created_at', 'id'],
}


def upgrade():
    for name, columns in ASSIGNEE_INDEXES.items():
        op.create_index(name, 'incidents', columns, unique=False,
                        postgresql_where=sa.text('assignee_id IS NOT NULL'),
                        sqlite_where=sa.text('assignee_id IS NOT NULL'))
    for name, predicate in PREDICATES.items():
        op.create_index(f'ix_incidents_awaiting_{name}', 'incidents', ['created_at', 'id'],
                        unique=False, postgresql_where=sa.text(predicate),
                        sqlite_where=sa.text(predicate))


def downgrade():
    for name in PREDICATES:
        op.drop_index(f'ix_incidents_awaiting_{name}', table_name='incidents')
    for name in ASSIGNEE_INDEXES:
        op.drop_index(name, table_name='incidents')

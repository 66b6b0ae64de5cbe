"""Incidents: the status index also orders by (created_at, id), so a list filtered by status walks
it newest first and stops after a page instead of sorting every incident in that status

Revision ID: 0005_incident_status_index
Revises: 0004_dispute_event_index
Create Date: 2026-12-01 21:25:00

"""
from alembic import op


revision = '0005_incident_status_index'
down_revision = '0004_dispute_event_index'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_incidents_status_created_at_id', 'incidents',
                    ['status', 'created_at', 'id'], unique=False)
    op.drop_index('ix_incidents_status', table_name='incidents')


def downgrade():
    op.create_index('ix_incidents_status', 'incidents', ['status'], unique=False)
    op.drop_index('ix_incidents_status_created_at_id', table_name='incidents')

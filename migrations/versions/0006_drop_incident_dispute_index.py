"""Incidents: no index on dispute_id. Incidents are joined to their dispute from the incident's
side only (by the disputes' primary key), so the index served no query and cost an insert on
every report

Revision ID: 0006_drop_incident_dispute_index
Revises: 0005_incident_status_index
Create Date: 2026-12-01 22:45:00

"""
from alembic import op


revision = '0006_drop_incident_dispute_index'
down_revision = '0005_incident_status_index'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_incidents_dispute_id', table_name='incidents')


def downgrade():
    op.create_index('ix_incidents_dispute_id', 'incidents', ['dispute_id'], unique=False)

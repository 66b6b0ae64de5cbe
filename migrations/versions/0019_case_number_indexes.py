"""Incidents and disputes found by their case number (?number=), whichever town issued it, and
disputes by a party's phone (?party=)

Revision ID: 0019_case_number_indexes
Revises: 0018_holiday_calendar
Create Date: 2026-12-05 08:40:00

"""
from alembic import op


revision = '0019_case_number_indexes'
down_revision = '0018_holiday_calendar'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(op.f('ix_incidents_number'), 'incidents', ['number'], unique=False)
    op.create_index(op.f('ix_disputes_number'), 'disputes', ['number'], unique=False)
    op.create_index(op.f('ix_dispute_parties_phone'), 'dispute_parties', ['phone'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_dispute_parties_phone'), table_name='dispute_parties')
    op.drop_index(op.f('ix_disputes_number'), table_name='disputes')
    op.drop_index(op.f('ix_incidents_number'), table_name='incidents')

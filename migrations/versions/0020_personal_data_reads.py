"""Who saw parties' personal data in full (个人信息查阅记录): every answer that carried ID or phone
numbers unmasked, every look-up by one; append-only

Revision ID: 0020_personal_data_reads
Revises: 0019_case_number_indexes
Create Date: 2026-12-05 09:00:00

"""
from alembic import op
import sqlalchemy as sa

from geo.migration import (create_append_only_guard, create_rewrite_guard,
                           drop_append_only_guard, drop_rewrite_guard)


revision = '0020_personal_data_reads'
down_revision = '0019_case_number_indexes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'personal_data_reads',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('dispute_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('detail', sa.String(length=200), nullable=True),
        sa.Column('address', sa.String(length=45), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['dispute_id'], ['disputes.id'],
                                name=op.f('fk_personal_data_reads_dispute_id_disputes')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_personal_data_reads_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_personal_data_reads')),
    )
    op.create_index('ix_personal_data_reads_dispute_id_id', 'personal_data_reads',
                    ['dispute_id', 'id'], unique=False)
    op.create_index('ix_personal_data_reads_user_id_id', 'personal_data_reads',
                    ['user_id', 'id'], unique=False)
    create_append_only_guard(op, 'personal_data_reads')
    create_rewrite_guard(op, 'personal_data_reads')


def downgrade():
    drop_rewrite_guard(op, 'personal_data_reads')
    drop_append_only_guard(op, 'personal_data_reads')
    op.drop_index('ix_personal_data_reads_user_id_id', table_name='personal_data_reads')
    op.drop_index('ix_personal_data_reads_dispute_id_id', table_name='personal_data_reads')
    op.drop_table('personal_data_reads')

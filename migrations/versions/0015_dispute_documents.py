"""Disputes: the case file's pages kept as images (signed application and agreement, identity
papers, evidence, receipts), filed once and never rewritten

Revision ID: 0015_dispute_documents
Revises: 0014_account_event_operator
Create Date: 2026-12-05 06:00:00

"""
from alembic import op
import sqlalchemy as sa

from geo.migration import (create_append_only_guard, create_rewrite_guard,
                           drop_append_only_guard, drop_rewrite_guard)


revision = '0015_dispute_documents'
down_revision = '0014_account_event_operator'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'dispute_documents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('dispute_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=24), nullable=False),
        sa.Column('title', sa.String(length=100), nullable=True),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('storage_key', sa.String(length=100), nullable=False),
        sa.Column('content_type', sa.String(length=20), nullable=False),
        sa.Column('width', sa.Integer(), nullable=False),
        sa.Column('height', sa.Integer(), nullable=False),
        sa.Column('uploader_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('application', 'identity', 'investigation', 'evidence', 'agreement', "
            "'performance', 'judicial_confirmation', 'other')",
            name=op.f('ck_dispute_documents_kind')),
        sa.ForeignKeyConstraint(['dispute_id'], ['disputes.id'],
                                name=op.f('fk_dispute_documents_dispute_id_disputes')),
        sa.ForeignKeyConstraint(['uploader_id'], ['users.id'],
                                name=op.f('fk_dispute_documents_uploader_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dispute_documents')),
        sa.UniqueConstraint('dispute_id', 'sha256',
                            name=op.f('uq_dispute_documents_dispute_id_sha256')),
    )
    op.create_index(op.f('ix_dispute_documents_dispute_id'), 'dispute_documents',
                    ['dispute_id'], unique=False)
    create_append_only_guard(op, 'dispute_documents')
    create_rewrite_guard(op, 'dispute_documents')


def downgrade():
    drop_rewrite_guard(op, 'dispute_documents')
    drop_append_only_guard(op, 'dispute_documents')
    op.drop_index(op.f('ix_dispute_documents_dispute_id'), table_name='dispute_documents')
    op.drop_table('dispute_documents')

"""An account's tokens by time (user_id, issued_at), in place of by account alone: when it was
last seen reads one index entry, and `flask tokens prune` finds an expired token's newer one
at once

Revision ID: 0023_tokens_by_account_time
Revises: 0022_access_key_windows
Create Date: 2026-12-08 04:30:00

"""
from alembic import op


revision = '0023_tokens_by_account_time'
down_revision = '0022_access_key_windows'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_issued_tokens_user_id_issued_at', 'issued_tokens', ['user_id', 'issued_at'])
    op.drop_index('ix_issued_tokens_user_id', table_name='issued_tokens')


def downgrade():
    op.create_index('ix_issued_tokens_user_id', 'issued_tokens', ['user_id'])
    op.drop_index('ix_issued_tokens_user_id_issued_at', table_name='issued_tokens')

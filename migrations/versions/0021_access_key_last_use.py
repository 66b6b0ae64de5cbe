"""When each access key (接入密钥, issued_tokens of kind api_key) was last used, to the hour:
the administrator sees which keys a system still uses before revoking one

Revision ID: 0021_access_key_last_use
Revises: 0020_personal_data_reads
Create Date: 2026-12-08 01:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0021_access_key_last_use'
down_revision = '0020_personal_data_reads'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('issued_tokens', sa.Column('last_used_at', sa.DateTime(timezone=True),
                                             nullable=True))


def downgrade():
    op.drop_column('issued_tokens', 'last_used_at')

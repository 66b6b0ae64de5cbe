"""Each access key's requests in its current minute: a key has a budget of requests per minute
(ACCESS_KEY_REQUESTS_PER_MINUTE), counted for every worker and server alike

Revision ID: 0022_access_key_windows
Revises: 0021_access_key_last_use
Create Date: 2026-12-08 04:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0022_access_key_windows'
down_revision = '0021_access_key_last_use'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'access_key_windows',
        sa.Column('jti', sa.String(36), sa.ForeignKey('issued_tokens.jti', ondelete='CASCADE'),
                  primary_key=True),
        sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
        sa.Column('requests', sa.Integer(), nullable=False),
    )


def downgrade():
    op.drop_table('access_key_windows')

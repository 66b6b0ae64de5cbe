"""The town: geography, people, committees, tokens

Revision ID: 30c83fc4bebd
Revises: 
Create Date: 2026-11-24 22:06:01.250085

"""
from alembic import op
import sqlalchemy as sa
from geoalchemy2 import Geometry

# revision identifiers, used by Alembic.
revision = '0001_town'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    
    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('address', sa.String(length=45), nullable=False),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures'))
    )
    op.create_index('ix_login_failures_username_address_failed_at', 'login_failures', ['username', 'address', 'failed_at'], unique=False)
    op.create_geospatial_table('towns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=9), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('boundary', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_towns')),
    sa.UniqueConstraint('code', name=op.f('uq_towns_code'))
    )
    op.create_geospatial_index('idx_towns_boundary', 'towns', ['boundary'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('issued_tokens',
    sa.Column('jti', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('refresh_jti', sa.String(length=36), nullable=True),
    sa.Column('device_id', sa.String(length=100), nullable=True),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_issued_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('jti', name=op.f('pk_issued_tokens'))
    )
    op.create_index(op.f('ix_issued_tokens_refresh_jti'), 'issued_tokens', ['refresh_jti'], unique=False)
    op.create_index(op.f('ix_issued_tokens_user_id'), 'issued_tokens', ['user_id'], unique=False)
    op.create_table('user_roles',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.CheckConstraint("role IN ('admin', 'center_staff', 'worker', 'mediator', 'committee_head')", name=op.f('ck_user_roles_role')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_roles_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'role', name=op.f('pk_user_roles'))
    )
    op.create_geospatial_table('villages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('town_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('boundary', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.CheckConstraint("kind IN ('village', 'community')", name=op.f('ck_villages_kind')),
    sa.ForeignKeyConstraint(['town_id'], ['towns.id'], name=op.f('fk_villages_town_id_towns')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_villages')),
    sa.UniqueConstraint('code', name=op.f('uq_villages_code'))
    )
    op.create_geospatial_index('idx_villages_boundary', 'villages', ['boundary'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_villages_town_id'), 'villages', ['town_id'], unique=False)
    op.create_table('committees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('town_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=True),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.CheckConstraint("(level = 'town' AND village_id IS NULL) OR (level = 'village' AND village_id IS NOT NULL)", name=op.f('ck_committees_level_village')),
    sa.ForeignKeyConstraint(['town_id'], ['towns.id'], name=op.f('fk_committees_town_id_towns')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_committees_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_committees')),
    sa.UniqueConstraint('village_id', name=op.f('uq_committees_village_id'))
    )
    op.create_index(op.f('ix_committees_town_id'), 'committees', ['town_id'], unique=False)
    op.create_geospatial_table('grids',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('town_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=15), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('boundary', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.ForeignKeyConstraint(['town_id'], ['towns.id'], name=op.f('fk_grids_town_id_towns')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_grids_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grids')),
    sa.UniqueConstraint('code', name=op.f('uq_grids_code'))
    )
    op.create_geospatial_index('idx_grids_boundary', 'grids', ['boundary'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_grids_town_id'), 'grids', ['town_id'], unique=False)
    op.create_index(op.f('ix_grids_village_id'), 'grids', ['village_id'], unique=False)
    op.create_table('legal_advisors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('organization', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_legal_advisors_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_advisors')),
    sa.UniqueConstraint('village_id', name=op.f('uq_legal_advisors_village_id'))
    )
    op.create_table('committee_members',
    sa.Column('committee_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('is_head', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['committee_id'], ['committees.id'], name=op.f('fk_committee_members_committee_id_committees'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_committee_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('committee_id', 'user_id', name=op.f('pk_committee_members'))
    )
    op.create_index(op.f('ix_committee_members_user_id'), 'committee_members', ['user_id'], unique=False)
    op.create_table('worker_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.SmallInteger(), nullable=False),
    sa.Column('town_id', sa.Integer(), nullable=True),
    sa.Column('village_id', sa.Integer(), nullable=True),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('(level = 1 AND town_id IS NOT NULL AND village_id IS NULL AND grid_id IS NULL) OR (level IN (2, 3) AND village_id IS NOT NULL AND grid_id IS NULL) OR (level = 4 AND grid_id IS NOT NULL)', name=op.f('ck_worker_assignments_level_target')),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_worker_assignments_grid_id_grids')),
    sa.ForeignKeyConstraint(['town_id'], ['towns.id'], name=op.f('fk_worker_assignments_town_id_towns')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_worker_assignments_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_worker_assignments_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_worker_assignments'))
    )
    op.create_index(op.f('ix_worker_assignments_grid_id'), 'worker_assignments', ['grid_id'], unique=False)
    op.create_index(op.f('ix_worker_assignments_user_id'), 'worker_assignments', ['user_id'], unique=False)
    op.create_index(op.f('ix_worker_assignments_village_id'), 'worker_assignments', ['village_id'], unique=False)



def downgrade():
    
    op.drop_index(op.f('ix_worker_assignments_village_id'), table_name='worker_assignments')
    op.drop_index(op.f('ix_worker_assignments_user_id'), table_name='worker_assignments')
    op.drop_index(op.f('ix_worker_assignments_grid_id'), table_name='worker_assignments')
    op.drop_table('worker_assignments')
    op.drop_index(op.f('ix_committee_members_user_id'), table_name='committee_members')
    op.drop_table('committee_members')
    op.drop_table('legal_advisors')
    op.drop_index(op.f('ix_grids_village_id'), table_name='grids')
    op.drop_index(op.f('ix_grids_town_id'), table_name='grids')
    op.drop_geospatial_index('idx_grids_boundary', table_name='grids', postgresql_using='gist', column_name='boundary')
    op.drop_geospatial_table('grids')
    op.drop_index(op.f('ix_committees_town_id'), table_name='committees')
    op.drop_table('committees')
    op.drop_index(op.f('ix_villages_town_id'), table_name='villages')
    op.drop_geospatial_index('idx_villages_boundary', table_name='villages', postgresql_using='gist', column_name='boundary')
    op.drop_geospatial_table('villages')
    op.drop_table('user_roles')
    op.drop_index(op.f('ix_issued_tokens_user_id'), table_name='issued_tokens')
    op.drop_index(op.f('ix_issued_tokens_refresh_jti'), table_name='issued_tokens')
    op.drop_table('issued_tokens')
    op.drop_table('users')
    op.drop_geospatial_index('idx_towns_boundary', table_name='towns', postgresql_using='gist', column_name='boundary')
    op.drop_geospatial_table('towns')
    op.drop_index('ix_login_failures_username_address_failed_at', table_name='login_failures')
    op.drop_table('login_failures')


"""Incidents: reports, case record, photos, counters

Revision ID: 2dc2d135b5ff
Revises: 0001_town
Create Date: 2026-11-24 22:12:25.083766

"""
from alembic import op
import sqlalchemy as sa
from geoalchemy2 import Geometry

from geo.migration import create_append_only_guard, drop_append_only_guard

# revision identifiers, used by Alembic.
revision = '0002_incidents'
down_revision = '0001_town'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('counters',
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_counters'))
    )
    op.create_geospatial_table('incidents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('town_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('client_id', sa.String(length=36), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('location', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.Column('accuracy_m', sa.Double(), nullable=True),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('dispute_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('change_seq', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("category IN ('dispute', 'public_security', 'safety_hazard', 'environment', 'public_service', 'petition', 'emergency', 'other')", name=op.f('ck_incidents_category')),
    sa.CheckConstraint("channel IN ('grid_worker', 'walk_in', 'online', 'hotline_12345', 'letter')", name=op.f('ck_incidents_channel')),
    sa.CheckConstraint("status IN ('reported', 'accepted', 'dispatched', 'handled', 'closed', 'rejected')", name=op.f('ck_incidents_status')),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_incidents_assignee_id_users')),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_incidents_grid_id_grids')),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_incidents_reporter_id_users')),
    sa.ForeignKeyConstraint(['town_id'], ['towns.id'], name=op.f('fk_incidents_town_id_towns')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_incidents_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents')),
    sa.UniqueConstraint('change_seq', name=op.f('uq_incidents_change_seq')),
    sa.UniqueConstraint('reporter_id', 'client_id', name=op.f('uq_incidents_reporter_id_client_id')),
    sa.UniqueConstraint('town_id', 'number', name=op.f('uq_incidents_town_id_number'))
    )
    op.create_geospatial_index('idx_incidents_location', 'incidents', ['location'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_incidents_assignee_id'), 'incidents', ['assignee_id'], unique=False)
    op.create_index(op.f('ix_incidents_category'), 'incidents', ['category'], unique=False)
    op.create_index('ix_incidents_created_at_id', 'incidents', ['created_at', 'id'], unique=False)
    op.create_index(op.f('ix_incidents_dispute_id'), 'incidents', ['dispute_id'], unique=False)
    op.create_index('ix_incidents_grid_id_created_at_id', 'incidents', ['grid_id', 'created_at', 'id'], unique=False)
    op.create_index('ix_incidents_reporter_id_created_at_id', 'incidents', ['reporter_id', 'created_at', 'id'], unique=False)
    op.create_index(op.f('ix_incidents_status'), 'incidents', ['status'], unique=False)
    op.create_index(op.f('ix_incidents_updated_at'), 'incidents', ['updated_at'], unique=False)
    op.create_index('ix_incidents_village_id_created_at_id', 'incidents', ['village_id', 'created_at', 'id'], unique=False)
    op.create_table('incident_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('from_status', sa.String(length=12), nullable=True),
    sa.Column('to_status', sa.String(length=12), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_incident_events_actor_id_users')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_events_incident_id_incidents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_events'))
    )
    op.create_index(op.f('ix_incident_events_incident_id'), 'incident_events', ['incident_id'], unique=False)
    op.create_table('incident_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_key', sa.String(length=100), nullable=False),
    sa.Column('content_type', sa.String(length=20), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('uploader_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_photos_incident_id_incidents')),
    sa.ForeignKeyConstraint(['uploader_id'], ['users.id'], name=op.f('fk_incident_photos_uploader_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_photos')),
    sa.UniqueConstraint('incident_id', 'sha256', name=op.f('uq_incident_photos_incident_id_sha256'))
    )
    op.create_index(op.f('ix_incident_photos_incident_id'), 'incident_photos', ['incident_id'], unique=False)
    create_append_only_guard(op, 'incident_events')


def downgrade():
    drop_append_only_guard(op, 'incident_events')

    op.drop_index(op.f('ix_incident_photos_incident_id'), table_name='incident_photos')
    op.drop_table('incident_photos')
    op.drop_index(op.f('ix_incident_events_incident_id'), table_name='incident_events')
    op.drop_table('incident_events')
    op.drop_index('ix_incidents_village_id_created_at_id', table_name='incidents')
    op.drop_index(op.f('ix_incidents_updated_at'), table_name='incidents')
    op.drop_index(op.f('ix_incidents_status'), table_name='incidents')
    op.drop_index('ix_incidents_reporter_id_created_at_id', table_name='incidents')
    op.drop_index('ix_incidents_grid_id_created_at_id', table_name='incidents')
    op.drop_index(op.f('ix_incidents_dispute_id'), table_name='incidents')
    op.drop_index('ix_incidents_created_at_id', table_name='incidents')
    op.drop_index(op.f('ix_incidents_category'), table_name='incidents')
    op.drop_index(op.f('ix_incidents_assignee_id'), table_name='incidents')
    op.drop_geospatial_index('idx_incidents_location', table_name='incidents', postgresql_using='gist', column_name='location')
    op.drop_geospatial_table('incidents')
    op.drop_table('counters')


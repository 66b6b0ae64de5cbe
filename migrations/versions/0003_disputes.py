"""Disputes: routing, mediation, hash-chained record, notifications

Revision ID: 394e3c25f0bf
Revises: 0002_incidents
Create Date: 2026-11-24 22:34:37.431682

"""
from alembic import op
import sqlalchemy as sa

from geo.migration import create_append_only_guard, drop_append_only_guard


# revision identifiers, used by Alembic.
revision = '0003_disputes'
down_revision = '0002_incidents'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('routing_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('condition', sa.String(length=20), nullable=False),
    sa.Column('target_level', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.CheckConstraint("condition IN ('escalated', 'serious', 'multi_village', 'default')", name=op.f('ck_routing_rules_condition')),
    sa.CheckConstraint("target_level IN ('town', 'village')", name=op.f('ck_routing_rules_target_level')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_routing_rules')),
    sa.UniqueConstraint('priority', name=op.f('uq_routing_rules_priority'))
    )
    op.create_table('disputes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('town_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('work_order_type', sa.String(length=20), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('type', sa.String(length=30), nullable=False),
    sa.Column('serious', sa.Boolean(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('committee_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('escalated', sa.Boolean(), nullable=False),
    sa.Column('supervision_level', sa.SmallInteger(), nullable=False),
    sa.Column('stage_started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('supervision_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failure_reason', sa.Text(), nullable=True),
    sa.Column('agreement_terms', sa.Text(), nullable=True),
    sa.Column('agreement_form', sa.String(length=10), nullable=True),
    sa.Column('agreement_amount_yuan', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('agreement_perform_by', sa.Date(), nullable=True),
    sa.Column('judicial_confirmation_due', sa.DateTime(timezone=True), nullable=True),
    sa.Column('judicially_confirmed', sa.Boolean(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('received', 'accepted', 'mediating', 'agreed', 'failed', 'closed', 'referred', 'declined')", name=op.f('ck_disputes_status')),
    sa.CheckConstraint('supervision_level BETWEEN 1 AND 4', name=op.f('ck_disputes_supervision_level')),
    sa.ForeignKeyConstraint(['committee_id'], ['committees.id'], name=op.f('fk_disputes_committee_id_committees')),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_disputes_grid_id_grids')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_disputes_incident_id_incidents')),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_disputes_reporter_id_users')),
    sa.ForeignKeyConstraint(['town_id'], ['towns.id'], name=op.f('fk_disputes_town_id_towns')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_disputes_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disputes')),
    sa.UniqueConstraint('incident_id', name=op.f('uq_disputes_incident_id')),
    sa.UniqueConstraint('town_id', 'number', name=op.f('uq_disputes_town_id_number'))
    )
    op.create_index('ix_disputes_committee_id_id', 'disputes', ['committee_id', 'id'], unique=False)
    op.create_index(op.f('ix_disputes_created_at'), 'disputes', ['created_at'], unique=False)
    op.create_index(op.f('ix_disputes_grid_id'), 'disputes', ['grid_id'], unique=False)
    op.create_index('ix_disputes_status_due_at', 'disputes', ['status', 'due_at'], unique=False)
    op.create_index(op.f('ix_disputes_type'), 'disputes', ['type'], unique=False)
    op.create_index(op.f('ix_disputes_village_id'), 'disputes', ['village_id'], unique=False)
    op.create_table('dispute_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dispute_id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('from_status', sa.String(length=12), nullable=True),
    sa.Column('to_status', sa.String(length=12), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('details', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_dispute_events_actor_id_users')),
    sa.ForeignKeyConstraint(['dispute_id'], ['disputes.id'], name=op.f('fk_dispute_events_dispute_id_disputes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispute_events')),
    sa.UniqueConstraint('dispute_id', 'sequence', name=op.f('uq_dispute_events_dispute_id_sequence'))
    )
    op.create_index(op.f('ix_dispute_events_dispute_id'), 'dispute_events', ['dispute_id'], unique=False)
    op.create_table('dispute_mediators',
    sa.Column('dispute_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['dispute_id'], ['disputes.id'], name=op.f('fk_dispute_mediators_dispute_id_disputes')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_dispute_mediators_user_id_users')),
    sa.PrimaryKeyConstraint('dispute_id', 'user_id', name=op.f('pk_dispute_mediators'))
    )
    op.create_index(op.f('ix_dispute_mediators_user_id'), 'dispute_mediators', ['user_id'], unique=False)
    op.create_table('dispute_parties',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dispute_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('id_number_encrypted', sa.Text(), nullable=True),
    sa.Column('id_number_index', sa.String(length=64), nullable=True),
    sa.Column('id_number_masked', sa.String(length=18), nullable=True),
    sa.ForeignKeyConstraint(['dispute_id'], ['disputes.id'], name=op.f('fk_dispute_parties_dispute_id_disputes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispute_parties'))
    )
    op.create_index(op.f('ix_dispute_parties_dispute_id'), 'dispute_parties', ['dispute_id'], unique=False)
    op.create_index(op.f('ix_dispute_parties_id_number_index'), 'dispute_parties', ['id_number_index'], unique=False)
    op.create_table('dispute_villages',
    sa.Column('dispute_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['dispute_id'], ['disputes.id'], name=op.f('fk_dispute_villages_dispute_id_disputes')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_dispute_villages_village_id_villages')),
    sa.PrimaryKeyConstraint('dispute_id', 'village_id', name=op.f('pk_dispute_villages'))
    )
    op.create_table('follow_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dispute_id', sa.Integer(), nullable=False),
    sa.Column('visited_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('performed', sa.Boolean(), nullable=False),
    sa.Column('satisfaction', sa.SmallInteger(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('visitor_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('satisfaction BETWEEN 1 AND 5', name=op.f('ck_follow_ups_satisfaction')),
    sa.ForeignKeyConstraint(['dispute_id'], ['disputes.id'], name=op.f('fk_follow_ups_dispute_id_disputes')),
    sa.ForeignKeyConstraint(['visitor_id'], ['users.id'], name=op.f('fk_follow_ups_visitor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_ups'))
    )
    op.create_index(op.f('ix_follow_ups_dispute_id'), 'follow_ups', ['dispute_id'], unique=False)
    op.create_table('mediation_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dispute_id', sa.Integer(), nullable=False),
    sa.Column('held_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('attendees', sa.Text(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dispute_id'], ['disputes.id'], name=op.f('fk_mediation_sessions_dispute_id_disputes')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_mediation_sessions_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mediation_sessions'))
    )
    op.create_index(op.f('ix_mediation_sessions_dispute_id'), 'mediation_sessions', ['dispute_id'], unique=False)
    op.create_table('notifications',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('dispute_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['dispute_id'], ['disputes.id'], name=op.f('fk_notifications_dispute_id_disputes')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    op.create_index(op.f('ix_notifications_delivered_at'), 'notifications', ['delivered_at'], unique=False)
    op.create_index(op.f('ix_notifications_dispute_id'), 'notifications', ['dispute_id'], unique=False)
    op.create_index('ix_notifications_user_id_id', 'notifications', ['user_id', 'id'], unique=False)
    op.create_table('routing_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dispute_id', sa.Integer(), nullable=False),
    sa.Column('committee_id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['committee_id'], ['committees.id'], name=op.f('fk_routing_decisions_committee_id_committees')),
    sa.ForeignKeyConstraint(['dispute_id'], ['disputes.id'], name=op.f('fk_routing_decisions_dispute_id_disputes')),
    sa.ForeignKeyConstraint(['rule_id'], ['routing_rules.id'], name=op.f('fk_routing_decisions_rule_id_routing_rules')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_routing_decisions'))
    )
    op.create_index(op.f('ix_routing_decisions_committee_id'), 'routing_decisions', ['committee_id'], unique=False)
    op.create_index(op.f('ix_routing_decisions_dispute_id'), 'routing_decisions', ['dispute_id'], unique=False)
    create_append_only_guard(op, "dispute_events")
    rules = sa.table("routing_rules", sa.column("priority", sa.Integer),
                     sa.column("condition", sa.String), sa.column("target_level", sa.String),
                     sa.column("reason", sa.String))
    op.bulk_insert(rules, [{"priority": p, "condition": c, "target_level": t, "reason": r}
                           for p, c, t, r in [
        (10, "escalated", "town", "村调委会调解不成或无法调解，上报镇人民调解委员会"),
        (20, "serious", "town", "重大、疑难纠纷，由镇人民调解委员会调解"),
        (30, "multi_village", "town", "纠纷涉及多个村（社区），由镇人民调解委员会调解"),
        (100, "default", "village", "小事不出村：由纠纷所在村（社区）人民调解委员会调解"),
    ]])


def downgrade():
    drop_append_only_guard(op, "dispute_events")

    op.drop_index(op.f('ix_routing_decisions_dispute_id'), table_name='routing_decisions')
    op.drop_index(op.f('ix_routing_decisions_committee_id'), table_name='routing_decisions')
    op.drop_table('routing_decisions')
    op.drop_index('ix_notifications_user_id_id', table_name='notifications')
    op.drop_index(op.f('ix_notifications_dispute_id'), table_name='notifications')
    op.drop_index(op.f('ix_notifications_delivered_at'), table_name='notifications')
    op.drop_table('notifications')
    op.drop_index(op.f('ix_mediation_sessions_dispute_id'), table_name='mediation_sessions')
    op.drop_table('mediation_sessions')
    op.drop_index(op.f('ix_follow_ups_dispute_id'), table_name='follow_ups')
    op.drop_table('follow_ups')
    op.drop_table('dispute_villages')
    op.drop_index(op.f('ix_dispute_parties_id_number_index'), table_name='dispute_parties')
    op.drop_index(op.f('ix_dispute_parties_dispute_id'), table_name='dispute_parties')
    op.drop_table('dispute_parties')
    op.drop_index(op.f('ix_dispute_mediators_user_id'), table_name='dispute_mediators')
    op.drop_table('dispute_mediators')
    op.drop_index(op.f('ix_dispute_events_dispute_id'), table_name='dispute_events')
    op.drop_table('dispute_events')
    op.drop_index(op.f('ix_disputes_village_id'), table_name='disputes')
    op.drop_index(op.f('ix_disputes_type'), table_name='disputes')
    op.drop_index('ix_disputes_status_due_at', table_name='disputes')
    op.drop_index(op.f('ix_disputes_grid_id'), table_name='disputes')
    op.drop_index(op.f('ix_disputes_created_at'), table_name='disputes')
    op.drop_index('ix_disputes_committee_id_id', table_name='disputes')
    op.drop_table('disputes')
    op.drop_table('routing_rules')


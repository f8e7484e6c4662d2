"""owner requests, notices and readings

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 10:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('event', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('plan_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('plan', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('task', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('milestone_key', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('occurrence', sa.Date(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_milestone_key'), ['milestone_key'], unique=False)

    op.create_table('site_key',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('value', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('owner_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('milestone_key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('occurrence', sa.Date(), nullable=False),
    sa.Column('subscription_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('day', sa.Date(), nullable=True),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('decided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['milestone_key'], ['milestone.key'], ),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscription.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('owner_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_owner_request_milestone_key'), ['milestone_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_owner_request_state'), ['state'], unique=False)

    with op.batch_alter_table('completion', schema=None) as batch_op:
        batch_op.add_column(sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=True))

    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notice_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_delivery_notice_id'), ['notice_id'], unique=False)
        batch_op.create_unique_constraint('uq_delivery_notice_subscription', ['notice_id', 'subscription_id'])
        batch_op.create_foreign_key('fk_delivery_notice', 'notice', ['notice_id'], ['id'])

    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rule', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('matched', sqlmodel.sql.sqltypes.AutoString(), nullable=True))

    with op.batch_alter_table('override', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quote', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('by', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('lead', sa.JSON(none_as_null=True), nullable=True))
        batch_op.add_column(sa.Column('support', sa.JSON(none_as_null=True), nullable=True))
        batch_op.add_column(sa.Column('parsed_owners', sa.JSON(none_as_null=True), nullable=True))

    with op.batch_alter_table('plan_revision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_line', sa.Integer(), server_default='1', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('plan_revision', schema=None) as batch_op:
        batch_op.drop_column('first_line')

    with op.batch_alter_table('override', schema=None) as batch_op:
        batch_op.drop_column('parsed_owners')
        batch_op.drop_column('support')
        batch_op.drop_column('lead')
        batch_op.drop_column('by')
        batch_op.drop_column('quote')

    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.drop_column('matched')
        batch_op.drop_column('rule')

    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_constraint('fk_delivery_notice', type_='foreignkey')
        batch_op.drop_constraint('uq_delivery_notice_subscription', type_='unique')
        batch_op.drop_index(batch_op.f('ix_delivery_notice_id'))
        batch_op.drop_column('notice_id')

    with op.batch_alter_table('completion', schema=None) as batch_op:
        batch_op.drop_column('note')

    with op.batch_alter_table('owner_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_owner_request_state'))
        batch_op.drop_index(batch_op.f('ix_owner_request_milestone_key'))

    op.drop_table('owner_request')
    op.drop_table('site_key')
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_milestone_key'))

    op.drop_table('notice')

"""plan revisions, changes and sources

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 08:38:42.544574
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('plan_source',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('etag', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('last_modified', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('size', sa.BigInteger(), nullable=True),
    sa.Column('mtime_ns', sa.BigInteger(), nullable=True),
    sa.Column('digest', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('config', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('checked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('fetched_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('next_check_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('plan_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('task', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('words', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('units', sa.JSON(), nullable=False),
    sa.Column('milestone_key', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['revision_id'], ['plan_revision.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('plan_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_change_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_change_revision_id'), ['revision_id'], unique=False)

    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision_id', sa.Integer(), nullable=True))
        batch_op.alter_column('reminder_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_delivery_revision_id'), ['revision_id'], unique=False)
        batch_op.create_unique_constraint('uq_delivery_revision_subscription', ['revision_id', 'subscription_id'])
        batch_op.create_foreign_key('fk_delivery_revision', 'plan_revision', ['revision_id'], ['id'])

    with op.batch_alter_table('plan_revision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_digest', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('fetched_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('counts', sa.JSON(), server_default='{}', nullable=False))
        batch_op.add_column(sa.Column('changes', sa.Integer(), server_default='0', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('plan_revision', schema=None) as batch_op:
        batch_op.drop_column('changes')
        batch_op.drop_column('counts')
        batch_op.drop_column('fetched_at')
        batch_op.drop_column('source_digest')

    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_constraint('fk_delivery_revision', type_='foreignkey')
        batch_op.drop_constraint('uq_delivery_revision_subscription', type_='unique')
        batch_op.drop_index(batch_op.f('ix_delivery_revision_id'))
        batch_op.alter_column('reminder_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('revision_id')

    with op.batch_alter_table('plan_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_change_revision_id'))
        batch_op.drop_index(batch_op.f('ix_plan_change_plan_id'))

    op.drop_table('plan_change')
    op.drop_table('plan_source')

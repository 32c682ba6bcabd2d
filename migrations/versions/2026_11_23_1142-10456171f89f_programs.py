"""programs

Revision ID: 10456171f89f
Revises: 5b9efa49c248
Create Date: 2026-11-23 11:42:37.571654
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = '10456171f89f'
down_revision: str | None = '5b9efa49c248'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('enrollments',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('program', sa.Enum('DIRECT_BILL', 'INDIRECT_RESELLER', 'INDIRECT_PROVIDER', name='program', native_enum=False, length=30), nullable=False),
    sa.Column('status', sa.Enum('PENDING', 'APPROVED', 'ACTIVE', 'RESTRICTED', 'REJECTED', 'OVERRIDDEN', name='enrollmentstatus', native_enum=False, length=20), nullable=False),
    sa.Column('primary_contact_email', sa.String(length=320), nullable=False),
    sa.Column('acknowledged_indirect_override', sa.Boolean(), nullable=False),
    sa.Column('on_restricted_direct_bill', sa.Boolean(), nullable=False),
    sa.Column('submitted_by', sa.String(length=320), nullable=False),
    sa.Column('submitted_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('approved_at', app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('active_at', app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('restricted_at', app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('rejected_at', app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('overridden_at', app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('sandbox_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['sandbox_id', 'tenant_id'], ['tenants.sandbox_id', 'tenants.id'], name=op.f('fk_enrollments_sandbox_id_tenant_id_tenants')),
    sa.ForeignKeyConstraint(['sandbox_id'], ['sandboxes.id'], name=op.f('fk_enrollments_sandbox_id_sandboxes')),
    sa.PrimaryKeyConstraint('sandbox_id', 'id', name=op.f('pk_enrollments'))
    )
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.create_index('ix_enrollments_tenant', ['sandbox_id', 'tenant_id', 'program'], unique=False)

    op.create_table('revenue_months',
    sa.Column('sandbox_id', sa.Uuid(), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('amount_usd', app.models.base.Money(scale=2), nullable=False),
    sa.ForeignKeyConstraint(['sandbox_id', 'tenant_id'], ['tenants.sandbox_id', 'tenants.id'], name=op.f('fk_revenue_months_sandbox_id_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('sandbox_id', 'tenant_id', 'month', name=op.f('pk_revenue_months'))
    )
    op.create_table('service_requests',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('category', sa.Enum('DIRECT_BILL_RESTRICTION', 'GENERAL', name='servicerequestcategory', native_enum=False, length=40), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('OPEN', 'RESOLVED', name='servicerequeststatus', native_enum=False, length=20), nullable=False),
    sa.Column('created_by', sa.String(length=320), nullable=False),
    sa.Column('created_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('sandbox_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['sandbox_id', 'tenant_id'], ['tenants.sandbox_id', 'tenants.id'], name=op.f('fk_service_requests_sandbox_id_tenant_id_tenants')),
    sa.ForeignKeyConstraint(['sandbox_id'], ['sandboxes.id'], name=op.f('fk_service_requests_sandbox_id_sandboxes')),
    sa.PrimaryKeyConstraint('sandbox_id', 'id', name=op.f('pk_service_requests'))
    )
    op.create_table('partner_agreements',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('enrollment_id', sa.Uuid(), nullable=False),
    sa.Column('agreement_type', sa.String(length=60), nullable=False),
    sa.Column('status', sa.Enum('PENDING', 'ACCEPTED', name='agreementstatus', native_enum=False, length=20), nullable=False),
    sa.Column('created_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('accepted_by', sa.String(length=320), nullable=True),
    sa.Column('sandbox_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['sandbox_id', 'enrollment_id'], ['enrollments.sandbox_id', 'enrollments.id'], name=op.f('fk_partner_agreements_sandbox_id_enrollment_id_enrollments')),
    sa.ForeignKeyConstraint(['sandbox_id', 'tenant_id'], ['tenants.sandbox_id', 'tenants.id'], name=op.f('fk_partner_agreements_sandbox_id_tenant_id_tenants')),
    sa.ForeignKeyConstraint(['sandbox_id'], ['sandboxes.id'], name=op.f('fk_partner_agreements_sandbox_id_sandboxes')),
    sa.PrimaryKeyConstraint('sandbox_id', 'id', name=op.f('pk_partner_agreements'))
    )


def downgrade() -> None:
    op.drop_table('partner_agreements')
    op.drop_table('service_requests')
    op.drop_table('revenue_months')
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.drop_index('ix_enrollments_tenant')

    op.drop_table('enrollments')

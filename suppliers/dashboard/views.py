"""Supply dashboard views (placeholder until written)."""

from django.views.generic import TemplateView

LotListView = LotCreateView = LotImportView = LotDetailView = TemplateView
LotAdjustView = LotWriteOffView = HouseholdListView = HouseholdCreateView = TemplateView
HouseholdDetailView = MovementListView = TemplateView

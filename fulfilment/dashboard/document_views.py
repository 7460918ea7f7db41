"""The distribution centre's documents: a printable page, or ``?format=pdf``.

Staff open every document. A cooperative's managers open their own cooperative's
pick list only: the cooperative is looked up in ``managed_cooperatives``, so
another's answers 404. The consolidation sheet and delivery notes are staff pages
(``FulfilmentDashboardConfig.permissions_map``).
"""

from django.apps import apps
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.views.generic import TemplateView

from fulfilment import documents
from suppliers.selectors import managed_cooperatives

from . import pdf


class DocumentView(TemplateView):
    """Builds the document once; renders it as HTML or, with ?format=pdf, as PDF."""

    render_pdf = None

    def get(self, request, *args, **kwargs):
        document = self.build(**kwargs)
        if request.GET.get("format") == "pdf":
            response = HttpResponse(
                self.render_pdf(document), content_type="application/pdf"
            )
            response["Content-Disposition"] = (
                f'inline; filename="{self.filename(document)}.pdf"'
            )
            return response
        return self.render_to_response(self.get_context_data(document=document))


class PickListView(DocumentView):
    template_name = "fulfilment/dashboard/documents/pick_list.html"
    render_pdf = staticmethod(pdf.pick_list_pdf)

    def build(self, *, day, cooperative_id):
        cooperative = get_object_or_404(
            managed_cooperatives(user=self.request.user), pk=cooperative_id
        )
        return documents.pick_list(cooperative=cooperative, delivery_date=day)

    def filename(self, document) -> str:
        return f"pick-list-{document.delivery_date}-{document.cooperative_id}"


class ConsolidationSheetView(DocumentView):
    template_name = "fulfilment/dashboard/documents/consolidation.html"
    render_pdf = staticmethod(pdf.consolidation_sheet_pdf)

    def build(self, *, day):
        return documents.consolidation_sheet(delivery_date=day)

    def filename(self, document) -> str:
        return f"consolidation-{document.delivery_date}"


class DeliveryNoteView(DocumentView):
    template_name = "fulfilment/dashboard/documents/delivery_note.html"
    render_pdf = staticmethod(pdf.delivery_note_pdf)

    def build(self, *, day, organisation_id):
        Organisation = apps.get_model("canteens", "Organisation")
        organisation = get_object_or_404(Organisation, pk=organisation_id)
        return documents.delivery_note(organisation=organisation, delivery_date=day)

    def filename(self, document) -> str:
        return f"delivery-note-{document.delivery_date}-{document.organisation_id}"

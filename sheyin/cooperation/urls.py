from django.urls import path

from .views import (
    agreements,
    applications,
    banks,
    changes,
    inspections,
    outlets,
    public,
    settings,
    site,
    terminations,
)

app_name = "cooperation"
urlpatterns = [
    # R4.1 bank cooperation
    path("banks/", banks.bank_application_list, name="bank_application_list"),
    path("banks/new/", banks.bank_application_create, name="bank_application_create"),
    path("banks/<int:pk>/", banks.bank_application_detail, name="bank_application_detail"),
    path("banks/<int:pk>/edit/", banks.bank_application_edit, name="bank_application_edit"),
    path("banks/<int:pk>/<slug:action>/", banks.bank_application_action, name="bank_application_action"),
    # agreements and filings (R4.4), renewal (R6.1), bank-wide end
    path("agreements/", agreements.agreement_list, name="agreement_list"),
    path("agreements/filings/", agreements.filing_list, name="filing_list"),
    path("agreements/<int:pk>/", agreements.agreement_detail, name="agreement_detail"),
    path("agreements/<int:pk>/pdf/", agreements.agreement_pdf_view, name="agreement_pdf"),
    path("agreements/<int:pk>/sign/", agreements.agreement_sign, name="agreement_sign"),
    path("agreements/<int:pk>/object/", agreements.agreement_object, name="agreement_object"),
    path("objections/<int:pk>/withdraw/", agreements.objection_withdraw, name="objection_withdraw"),
    path("agreements/<int:pk>/file/", agreements.filing_submit, name="filing_submit"),
    path("agreements/<int:pk>/end-bank/", agreements.bank_terminate, name="bank_terminate"),
    path("filings/<int:pk>/check/", agreements.filing_check, name="filing_check"),
    # R4.2 outlet applications, R8.4 layout
    path("applications/", applications.application_list, name="application_list"),
    path("applications/new/", applications.application_create, name="application_create"),
    path("applications/<int:pk>/", applications.application_detail, name="application_detail"),
    path("applications/<int:pk>/edit/", applications.application_edit, name="application_edit"),
    path("applications/<int:pk>/layout/", applications.application_layout, name="application_layout"),
    path(
        "applications/<int:pk>/layout/justify/", applications.layout_exception_request, name="layout_justify"
    ),
    path("applications/<int:pk>/inspect/", inspections.inspection_start, name="inspection_start"),
    path("applications/<int:pk>/<slug:action>/", applications.application_action, name="application_action"),
    path("files/<int:pk>/", applications.application_file, name="application_file"),
    path("files/<int:pk>/delete/", applications.application_file_delete, name="application_file_delete"),
    path("layout-exceptions/<int:pk>/decide/", applications.layout_exception_decide, name="layout_decide"),
    path("layout/check/", site.layout_check, name="layout_check"),
    # R4.3 site inspections
    path("inspections/", inspections.inspection_list, name="inspection_list"),
    path("inspections/<int:pk>/", inspections.inspection_detail, name="inspection_detail"),
    path("inspections/<int:pk>/form/", inspections.inspection_form, name="inspection_form"),
    path("photos/<int:pk>/", inspections.inspection_photo, name="inspection_photo"),
    # outlet lifecycle, operation, plaques
    path("outlets/<int:pk>/", outlets.outlet_lifecycle, name="outlet_lifecycle"),
    path("outlets/<int:pk>/suspend/", outlets.outlet_suspend, name="outlet_suspend"),
    path("outlets/<int:pk>/resume/", outlets.outlet_resume, name="outlet_resume"),
    path("outlets/<int:pk>/plaque/", outlets.plaque_issue, name="plaque_issue"),
    path("outlets/<int:pk>/opening-check/", outlets.opening_check, name="opening_check"),
    path("outlets/<int:pk>/terminate/", terminations.termination_create, name="termination_create"),
    path("outlets/<int:pk>/change/", changes.change_request_create, name="change_request_create"),
    path("plaques/", outlets.plaque_list, name="plaque_list"),
    path("plaques/<int:pk>/certificate/", outlets.plaque_certificate, name="plaque_certificate"),
    path("verify/plaque/<str:number>/", public.verify_plaque, name="verify_plaque"),
    # changes to an accepted or operating outlet (R3.1, R8.4)
    path("changes/", changes.change_request_list, name="change_request_list"),
    path("changes/<int:pk>/", changes.change_request_detail, name="change_request_detail"),
    path("changes/<int:pk>/justify/", changes.change_request_justify, name="change_request_justify"),
    path("changes/<int:pk>/layout/", changes.change_request_layout_decide, name="change_request_layout"),
    path("changes/<int:pk>/<slug:action>/", changes.change_request_action, name="change_request_action"),
    # R6.2–R6.4 terminations
    path("terminations/", terminations.termination_list, name="termination_list"),
    path("terminations/<int:pk>/", terminations.termination_detail, name="termination_detail"),
    path("terminations/<int:pk>/<slug:action>/", terminations.termination_action, name="termination_action"),
    path("open-items/<int:pk>/close/", terminations.open_item_close, name="open_item_close"),
    # the municipal center's defaults
    path("settings/", settings.settings_page, name="settings"),
    path("settings/templates/<slug:kind>/", settings.template_edit, name="template_edit"),
    path("settings/checklists/new/", settings.checklist_new, name="checklist_new"),
    path("settings/checklists/<int:pk>/", settings.checklist_edit, name="checklist_edit"),
]

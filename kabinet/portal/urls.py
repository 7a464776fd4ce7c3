from django.urls import path

from kabinet.portal import billing, views

app_name = "portal"

urlpatterns = [
    # Access
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    # The customer's cabinet
    path("", views.dashboard, name="dashboard"),
    path("account/choose/", views.account_choose, name="account-choose"),
    # Invoices, receipts, statement (billing)
    path("invoices/", billing.invoices, name="invoices"),
    path("invoices/<int:pk>/", billing.invoice_detail, name="invoice-detail"),
    path("invoices/<int:pk>/receipt/", billing.invoice_receipt, name="invoice-receipt"),
    path("invoices/<int:pk>/receipt.pdf", billing.invoice_pdf, name="invoice-pdf"),
    path("statement/", billing.statement_page, name="statement"),
    path("statement.pdf", billing.statement_pdf, name="statement-pdf"),
    path("consumption/", billing.consumption, name="consumption"),
]

"""See sales/api/urls.py."""

urlpatterns: list = []

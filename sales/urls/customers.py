"""URL patterns: see sales/urls/__init__.py."""

urlpatterns: list = []

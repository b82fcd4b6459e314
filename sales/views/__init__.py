"""The deal pages: the list, the detail page with its lines, the form, and bulk changes."""

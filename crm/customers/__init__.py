"""Customers: accounts (companies) and contacts (people), shared by every stage of the lifecycle, with
their pages, lists, forms, API and the account's 360° timeline."""

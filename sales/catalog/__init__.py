"""The product catalogue: admins maintain it (one by one or by CSV import); sellers read it."""

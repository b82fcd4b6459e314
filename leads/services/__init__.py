"""Every write to a lead (leads: create, edit, assign, change status, tag, delete, one at a time or in
bulk) and to a user's saved views of the lead list (saved_views)."""

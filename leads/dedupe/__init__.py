"""Duplicate leads: find the likely duplicates of a lead, and merge two leads into one.

matching.py finds them (same email, same phone, a similar name at a similar company, or a contact with
the same email); services.py merges two leads; selectors.py reads what the panel and the merge screen
show. leads/urls.py mounts urls.py under dedupe/; leads/apps.py registers events.py's event type.
"""

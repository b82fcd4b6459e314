"""Duplicate leads: find the likely duplicates of a lead, and merge two leads into one.

matching.py finds them (same email, same phone, a similar name at a similar company, or a contact with
the same email); checking.py has a worker store each new or changed lead's likely duplicate leads
(LeadDuplicate), which pending.py marks due and wakes tasks.py for; services.py merges two leads;
selectors.py reads what the panel (the stored leads, the contacts live) and the merge screen show.
leads/urls.py mounts urls.py under dedupe/; leads/apps.py registers events.py's event type.
"""

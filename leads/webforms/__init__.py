"""Web-to-lead: admins design public forms; visitors' submissions become leads with their UTM tags.

services.py writes (form design, submissions), selectors.py reads, forms.py parses, views.py renders;
urls.py holds the admin pages (under /leads/forms/) and public_urls.py the public form (under /f/).
"""

"""Web-to-lead: admins and marketers design public forms; visitors' submissions become leads with their
UTM tags, or update the open lead that has their email address.

services.py writes (form design, submissions), selectors.py reads, forms.py parses, views.py renders;
urls.py holds the designers' pages (under /leads/forms/), public_urls.py the public form and its
thank-you page (under /f/).
"""

"""A lead's status and score badge colours in templates, from the same table the list rows use."""

from django import template

from leads.presenters import score_badge, status_badge

register = template.Library()

register.filter("lead_status_badge", status_badge)
register.filter("lead_score_badge", score_badge)

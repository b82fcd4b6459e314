"""The account page's contacts as it prints them (see crm.web.presenters): each contact's URL from the
page's one reversed prefix instead of a reverse() per row."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from crm.models import Contact
from crm.web.presenters import RecordUrls


@dataclass(frozen=True, slots=True)
class ContactLine:
    name: str
    title: str
    url: str


def contact_lines(contacts: Iterable[Contact]) -> list[ContactLine]:
    detail_url = RecordUrls("contact-detail")
    return [ContactLine(contact.full_name, contact.title, detail_url(contact.pk)) for contact in contacts]

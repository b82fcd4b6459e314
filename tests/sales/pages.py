"""How the sales tests read a page as a person does: elements by their accessible name, form controls
without a label, and the messages shown after a redirect."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from html.parser import HTMLParser

from django.contrib.messages import get_messages

HTMX = {"HTTP_HX_REQUEST": "true"}
VOID = {"area", "br", "col", "hr", "img", "input", "link", "meta", "source", "wbr"}


@dataclass(frozen=True)
class Element:
    tag: str
    attrs: dict[str, str | None]
    text: str


class Page(HTMLParser):
    """The elements a person (or a screen reader) finds by name: by aria-label, and by id for fragments."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.labelled: dict[str, list[Element]] = defaultdict(list)
        self.by_id: dict[str, Element] = {}
        self._open: list[tuple[str, dict[str, str | None], list[str]]] = []
        self.feed(html)
        while self._open:
            self._close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            self._record(Element(tag, dict(attrs), ""))
        else:
            self._open.append((tag, dict(attrs), []))

    def handle_data(self, data: str) -> None:
        if self._open:
            self._open[-1][2].append(data)

    def handle_endtag(self, tag: str) -> None:
        if any(open_tag == tag for open_tag, _, _ in self._open):
            while self._close() != tag:
                pass

    def _close(self) -> str:
        tag, attrs, parts = self._open.pop()
        text = " ".join("".join(parts).split())
        if self._open:
            self._open[-1][2].append(f" {text} ")
        self._record(Element(tag, attrs, text))
        return tag

    def _record(self, element: Element) -> None:
        label, element_id = element.attrs.get("aria-label"), element.attrs.get("id")
        if label:
            self.labelled[label].append(element)
        if element_id:
            self.by_id[element_id] = element

    def named(self, label: str, tag: str | None = None) -> Element:
        found = [element for element in self.labelled[label] if tag is None or element.tag == tag]
        assert len(found) == 1, f"{len(found)} elements named {label!r}"
        return found[0]

    def names(self, tag: str) -> list[str]:
        return [label for label, elements in self.labelled.items() for e in elements if e.tag == tag]


CONTROL = re.compile(r'<(?:input|select|textarea)(?![^>]*type="(?:hidden|submit)")[^>]*>')
CONTROL_ID = re.compile(r'\bid="([^"]+)"')


def unlabelled_controls(html: str) -> list[str]:
    """Form controls with neither an aria-label nor a <label for> (the same check as the kernel's pages)."""
    controls = CONTROL.findall(html)
    assert controls, "the page has no form controls"

    def labelled(control: str) -> bool:
        found = CONTROL_ID.search(control)
        return "aria-label=" in control or (found is not None and f'for="{found.group(1)}"' in html)

    return [control for control in controls if not labelled(control)]


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]

"""A search box that picks one record among too many for a select (an account, a product).

Typing asks the server for suggestions (htmx fills the listbox; static/js/combobox.js lets the keyboard
choose one and puts its id in the hidden field). Without JavaScript, or when nothing was chosen, the
typed text is looked up when the form is cleaned: one record named so is taken; otherwise the error
on the search box names the candidates, so that the person knows what to type.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django import forms
from django.db.models import Model, Q, QuerySet

M = TypeVar("M", bound=Model)

# Namesakes or near matches named in an error: enough to tell which one to type.
CANDIDATES = 5


@dataclass(frozen=True)
class Combobox(Generic[M]):
    search: str  # the text field the person types in
    picked: str  # the hidden field that holds the chosen record's id
    noun: str  # "account"
    scope: str  # what the person may pick among: "you can see", "on sale"
    lookups: tuple[str, str]  # the fields a typed text names a record by: its name, then its key
    key: str  # the key as the person knows it: "domain", "SKU"
    stale: str  # the refusal of an id that is not, or no longer, one to pick
    label: Callable[[M], str] = str
    css: str = "form-control"
    # What an empty box means, e.g. "No account": shown as its placeholder, it makes the pick optional.
    # Without it, the person must choose one.
    optional: str = ""

    def attach(self, form: forms.BaseForm, *, url: str, hx: dict[str, str] | None = None) -> None:
        """Makes the form's search field the combobox whose suggestions come from `url`."""
        field = form.fields[self.search]
        field.help_text = f"Type part of its name or {self.key} and choose it from the suggestions."
        if self.optional:
            field.help_text = f"{field.help_text[:-1]}; leave it empty for {self.optional.lower()}."
        listbox = f"{form[self.search].auto_id}_listbox"
        field.widget.attrs.update(
            {
                "class": self.css,
                "role": "combobox",
                "autocomplete": "off",
                "aria-autocomplete": "list",
                "aria-expanded": "false",
                "aria-controls": listbox,
                "data-combobox-value": form[self.picked].auto_id,
                "hx-get": url,
                "hx-trigger": "input changed delay:250ms",
                "hx-target": f"#{listbox}",
                "hx-sync": "this:replace",
                **({"placeholder": self.optional} if self.optional else {}),
                **(hx or {}),
            }
        )

    def clean(
        self,
        form: forms.BaseForm,
        cleaned: dict[str, Any],
        *,
        pickable: QuerySet[M],
        named: QuerySet[M],
        suggest: Callable[[str, int], Sequence[M]],
    ) -> M | None:
        """The record a suggestion chose (its hidden id), else the one the typed text names; None with
        the error on the search box. `pickable` holds the ids one may pick, `named` the records a typed
        text is looked up in, `suggest(text, limit)` the near matches. An `optional` box left empty is
        None without an error, whatever visible id was picked before (the box is what shows); a
        forged or stale id is still refused."""
        raw_id = str(cleaned.pop(self.picked, "") or "").strip()
        text = str(cleaned.get(self.search) or "").strip()
        if self.search in form.errors:  # too long to be a name: already said so
            return None
        record: M | None = None
        if raw_id:
            # A forged or stale id is refused, never looked at further.
            record = pickable.filter(pk=int(raw_id)).first() if raw_id.isdigit() else None
            if record is None:
                self._refuse(form, self.stale)
                return None
            typed = {str(getattr(record, name)).casefold() for name in self.lookups}
            if text and text.casefold() not in typed:
                record = None  # another name typed over the chosen one (without JavaScript)
        if self.optional and not text:
            return None  # the box emptied: nothing chosen, whatever was picked before
        if record is None and not text:
            self._refuse(form, f"Choose {_a(self.noun)}: type part of its name or {self.key}.")
            return None
        return record if record is not None else self._named(form, text, named, suggest)

    def _named(
        self, form: forms.BaseForm, text: str, named: QuerySet[M], suggest: Callable[[str, int], Sequence[M]]
    ) -> M | None:
        name, key = self.lookups
        exact = list(
            named.filter(Q(**{f"{name}__iexact": text}) | Q(**{f"{key}__iexact": text}))[: CANDIDATES + 1]
        )
        if len(exact) == 1:
            return exact[0]
        nouns = f"{self.noun}s {self.scope}"
        if exact:
            self._refuse(
                form,
                f'Several {nouns} are named "{text}": {self._listed(exact)}. Type the {self.key} of the one '
                "you mean.",
            )
            return None
        similar = suggest(text, CANDIDATES + 1)
        if similar:
            self._refuse(
                form,
                f'No {self.noun} {self.scope} is named "{text}". Did you mean {self._listed(similar)}? '
                f"Type its full name or {self.key}.",
            )
            return None
        self._refuse(form, f'No {self.noun} {self.scope} matches "{text}".')
        return None

    def _listed(self, records: Sequence[M]) -> str:
        listed = "; ".join(self.label(record) for record in records[:CANDIDATES])
        return f"{listed} and more" if len(records) > CANDIDATES else listed

    def _refuse(self, form: forms.BaseForm, message: str) -> None:
        form.add_error(self.search, message)
        form.fields[self.search].widget.attrs["class"] = f"{self.css} is-invalid"


def _a(noun: str) -> str:
    return f"an {noun}" if noun[:1] in "aeiou" else f"a {noun}"

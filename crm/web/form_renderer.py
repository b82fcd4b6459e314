"""The project's form renderer: Django's, except that select boxes and inputs are written in Python.

Django renders a select's every option through two templates; the owner filter and the bulk "assign
to" box of a list hold every active user, so on the lead list those templates cost more than the 50
rows. Every input goes through three (its type's, input.html, attrs.html): a deal's page has a dozen,
3 ms of its 40. The HTML is the same as Django's templates write (tests/crm/test_form_renderer.py
compares them).
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeData, SafeString

SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"
# Django's templates that only include input.html.
INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{input_type}.html"
    for input_type in (
        "checkbox", "color", "date", "datetime", "email", "file", "hidden", "number", "password",
        "search", "tel", "text", "time", "url",
    )
)  # fmt: skip


class FormRenderer(DjangoTemplates):
    def render(self, template_name: str, context: dict[str, Any], request: HttpRequest | None = None) -> str:
        widget = context.get("widget")
        if template_name in INPUT_TEMPLATES and widget:
            return render_input(widget)
        if template_name == SELECT_TEMPLATE and widget and _plain_options(widget["optgroups"]):
            return render_select(widget)
        return super().render(template_name, context, request)


def render_input(widget: Mapping[str, Any]) -> SafeString:
    value = widget["value"]
    return format_html(
        '<input type="{}" name="{}"{}{}>',
        widget["type"],
        widget["name"],
        format_html(' value="{}"', _string(value)) if value is not None else "",
        _attrs(widget["attrs"]),
    )


def _plain_options(optgroups: Iterable[tuple[Any, list[dict[str, Any]], int]]) -> bool:
    # A widget subclass may give its options a template of its own; those keep Django's path.
    return all(
        option["template_name"] == OPTION_TEMPLATE for _, options, _ in optgroups for option in options
    )


def render_select(widget: Mapping[str, Any]) -> SafeString:
    groups = []
    for group_name, options, _index in widget["optgroups"]:
        # Each option as Django includes it: on its own line, plus select_option.html's final newline.
        rendered = format_html_join("", "\n  {}\n", ((_option(option),) for option in options))
        if group_name:
            rendered = format_html('\n  <optgroup label="{}">{}\n  </optgroup>', group_name, rendered)
        groups.append((rendered,))
    return format_html(
        '<select name="{}"{}>{}\n</select>',
        widget["name"],
        _attrs(widget["attrs"]),
        format_html_join("", "{}", groups),
    )


def _option(option: Mapping[str, Any]) -> SafeString:
    return format_html(
        '<option value="{}"{}>{}</option>', str(option["value"]), _attrs(option["attrs"]), option["label"]
    )


def _attrs(attrs: Mapping[str, Any]) -> SafeString:
    """Django's attrs.html: True is a bare attribute, False leaves it out."""
    return format_html_join(
        "", "{}", ((_attribute(name, value),) for name, value in attrs.items() if value is not False)
    )


def _attribute(name: str, value: Any) -> SafeString:
    return format_html(" {}", name) if value is True else format_html(' {}="{}"', name, _string(value))


def _string(value: Any) -> Any:
    """What `{{ value|stringformat:'s' }}` gives format_html: a safe value as it is, else its text."""
    if isinstance(value, SafeData):
        return value
    return "%s" % (value,)  # noqa: UP031  # the filter's formatting: plain text even if __str__ says safe

"""The project's renderer writes select boxes in Python: the HTML must be what Django's templates write."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from crm.web.form_renderer import FormRenderer

HOSTILE = '"><script>alert(1)</script> & =HYPERLINK("x")'


class Choices(forms.Form):
    owner = forms.ChoiceField(choices=[("", "Anyone"), (1, "Ada"), (2, HOSTILE)], required=False)
    stages = forms.MultipleChoiceField(choices=[("open", "Open"), ("won", "Won"), ("lost", "Lost")])
    grouped = forms.ChoiceField(
        choices=[
            ("Sales", [("a", "Alpha"), ("b", "Beta")]),
            ("Other <team>", [("c", "Gamma")]),
            ("d", "Delta"),
        ]
    )
    answer = forms.NullBooleanField(widget=forms.NullBooleanSelect)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"owner": "2", "stages": ["open", "lost"], "grouped": "c", "answer": "true"},
        {"owner": "9", "stages": ["nope"], "grouped": "zzz"},  # invalid: rendered with errors, as typed
    ],
)
@pytest.mark.parametrize("field", ["owner", "stages", "grouped", "answer"])
def test_selects_render_as_django_templates_do(data, field):
    ours = Choices(data or None, renderer=FormRenderer())
    django = Choices(data or None, renderer=DjangoTemplates())
    attrs: dict[str, str | bool] = {"class": "select", "disabled": True, "hidden": False, "data-x": HOSTILE}
    rendered = ours[field].as_widget(attrs=attrs)
    assert rendered == django[field].as_widget(attrs=attrs)
    assert "<script>" not in rendered


def test_the_selected_option_is_marked_and_labels_are_escaped():
    html = Choices({"owner": "2"}, renderer=FormRenderer())["owner"].as_widget()
    assert '<option value="2" selected>&quot;&gt;&lt;script&gt;' in html
    assert '<option value="1">Ada</option>' in html


def test_a_widget_with_its_own_option_template_keeps_djangos_path():
    class Starred(forms.Select):
        option_template_name = "django/forms/widgets/input_option.html"

    field = forms.ChoiceField(choices=[("a", "Alpha")], widget=Starred)
    form = type("StarredForm", (forms.Form,), {"pick": field})(renderer=FormRenderer())
    assert (
        form["pick"].as_widget()
        == type("F", (forms.Form,), {"pick": field})(renderer=DjangoTemplates())["pick"].as_widget()
    )


class Inputs(forms.Form):
    name = forms.CharField(required=False)
    amount = forms.DecimalField(required=False)
    email = forms.EmailField(required=False)
    due = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    at = forms.DateTimeField(required=False)
    secret = forms.CharField(required=False, widget=forms.PasswordInput(render_value=True))
    done = forms.BooleanField(required=False)
    token = forms.CharField(required=False, widget=forms.HiddenInput)
    site = forms.URLField(required=False, assume_scheme="https")


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"name": HOSTILE, "amount": "12.50", "email": HOSTILE, "due": HOSTILE, "at": "2026-01-02 03:04"},
        {"secret": HOSTILE, "done": "on", "token": HOSTILE, "site": HOSTILE},
    ],
)
@pytest.mark.parametrize("field", list(Inputs.base_fields))
def test_inputs_render_as_django_templates_do(data, field):
    # An initial value already marked safe is written as it is, by both.
    initial = {"name": mark_safe("<b>safe</b>"), "amount": 3}
    ours = Inputs(data or None, initial=initial, renderer=FormRenderer())
    django = Inputs(data or None, initial=initial, renderer=DjangoTemplates())
    attrs: dict[str, str | bool] = {"class": "input", "disabled": True, "hidden": False, "data-x": HOSTILE}
    rendered = ours[field].as_widget(attrs=attrs)
    assert rendered == django[field].as_widget(attrs=attrs)
    assert "<script>" not in rendered

"""The project's renderer writes select boxes in Python: the HTML must be what Django's templates write."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates

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

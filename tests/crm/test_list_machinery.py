"""The list machinery every list is built on (crm.lists): what its sort links, filters, saved views and
cursors do for the person using a list, whichever app the list is in."""

from django.http import QueryDict

from crm.customers.filters import AccountListFilter, ContactListFilter
from crm.lists.saved_views import ListView, SavedViewForm, same_query, saved_views_context
from crm.lists.sorting import list_query
from crm.models import Account, Contact


def accounts(query: str) -> AccountListFilter:
    return AccountListFilter(QueryDict(query), queryset=Account.objects.all())


def link(filterset: AccountListFilter, column: str) -> QueryDict:
    return QueryDict(filterset.sort_columns()[column].query)


def test_a_column_link_sorts_ascending_first_then_flips_to_descending_and_back():
    unsorted = accounts("")
    assert unsorted.sort == "name"  # the list's default
    assert (link(unsorted, "industry")["ordering"], unsorted.sort_columns()["industry"].aria_sort) == (
        "industry",
        "",
    )
    ascending = accounts("ordering=industry")
    assert ascending.sort_columns()["industry"].aria_sort == "ascending"
    assert link(ascending, "industry")["ordering"] == "-industry"
    descending = accounts("ordering=-industry")
    assert descending.sort_columns()["industry"].aria_sort == "descending"
    assert link(descending, "industry")["ordering"] == "industry"
    assert descending.sort_columns()["name"].aria_sort == ""


def test_a_sort_link_keeps_the_filters_and_drops_the_page_cursor_and_empty_fields():
    filterset = accounts("industry=software&q=&after=abc&before=def&ordering=-name&utm=stray")

    sorted_by_name = link(filterset, "name")

    assert dict(sorted_by_name.lists()) == {"industry": ["software"], "ordering": ["name"]}


def test_an_unknown_sort_falls_back_to_the_default_and_marks_that_column():
    filterset = accounts("ordering=password")

    assert filterset.sort == "name"
    assert filterset.keyset_ordering() == ["name", "id"]
    assert filterset.sort_columns()["name"].aria_sort == "ascending"


def test_descending_reverses_every_sort_field():
    assert accounts("ordering=-updated_at").keyset_ordering() == ["-updated_at", "id"]
    assert accounts("ordering=updated_at").keyset_ordering() == ["updated_at", "-id"]


def test_a_sort_alone_or_a_stray_parameter_does_not_count_as_filtering():
    assert not accounts("ordering=-name").is_filtered
    assert not accounts("after=abc&q=+&bogus=1").is_filtered
    assert accounts("industry=software").is_filtered


def test_a_computed_sort_key_is_added_only_while_the_list_is_sorted_by_it():
    by_account = ContactListFilter(QueryDict("ordering=account"), queryset=Contact.objects.all())
    by_name = ContactListFilter(QueryDict("ordering=name"), queryset=Contact.objects.all())

    assert "account_name" in by_account.qs.query.annotations
    assert "account_name" not in by_name.qs.query.annotations


def test_a_saved_view_keeps_only_the_lists_own_filters_and_sort_in_a_stable_order():
    saved = AccountListFilter.saved_query("?ordering=-name&after=abc&industry=software&q=&bogus=1")

    assert saved == "industry=software&ordering=-name"


def test_the_save_form_cleans_the_query_for_the_list_it_saves():
    form = SavedViewForm(
        {"name": "  Software  ", "query": "industry=software&before=x"}, list_filter=AccountListFilter
    )

    assert form.is_valid()
    assert form.cleaned_data == {"name": "Software", "query": "industry=software"}


def test_the_list_marks_the_view_it_shows_whatever_the_order_of_the_parameters():
    views = [ListView("All", ""), ListView("Software, newest", "industry=software&ordering=-updated_at", 7)]

    context = saved_views_context(accounts("ordering=-updated_at&industry=software&after=abc"), views)

    assert context["current_view"] == views[1]
    assert context["save_view_form"].initial == {"query": "industry=software&ordering=-updated_at"}
    assert saved_views_context(accounts(""), views)["current_view"] == views[0]
    assert same_query("a=1&b=2", "b=2&a=1")
    assert not same_query("a=1", "a=2")


def test_a_link_keeps_only_the_named_parameters_without_blanks_or_the_cursor():
    query = list_query(QueryDict("q=acme&owner=&after=x&pipeline=3"), ["q", "owner", "after"])

    assert dict(query.lists()) == {"q": ["acme"]}

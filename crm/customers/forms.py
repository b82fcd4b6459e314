"""The account and contact forms: they parse and validate input; the services decide and write.

Bootstrap classes are added when a field is rendered (crm_ui's `form_field`), so the forms stay plain.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms

from crm import access
from crm.customers.selectors import account_list
from crm.models import Account, Contact, User


def _limit_owner(form: forms.BaseModelForm, user: User) -> None:
    field = cast(forms.ModelChoiceField, form.fields["owner"])
    owners = access.assignable_owners(user)
    if form.instance.owner_id is not None:
        # The current owner stays selectable: the services check the owner only when it changes.
        owners = owners | User.objects.filter(pk=form.instance.owner_id)
    field.queryset = owners
    # Only admins may leave a record without an owner (crm.records.check_owner_assignable).
    field.required = not user.is_admin
    field.empty_label = "No owner" if user.is_admin else None


class AccountForm(forms.ModelForm):
    class Meta:
        model = Account
        fields = [
            "name",
            "domain",
            "industry",
            "size",
            "employee_count",
            "annual_revenue",
            "year_founded",
            "parent",
            "lifecycle_stage",
            "owner",
            "billing_street",
            "billing_city",
            "billing_postal_code",
            "billing_region",
            "billing_country",
            "shipping_street",
            "shipping_city",
            "shipping_postal_code",
            "shipping_region",
            "shipping_country",
        ]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _limit_owner(self, user)
        parent = cast(forms.ModelChoiceField, self.fields["parent"])
        accounts = account_list(user=user).exclude(pk=self.instance.pk)
        if self.instance.parent_id is not None:
            accounts = accounts | Account.objects.filter(pk=self.instance.parent_id)
        parent.queryset = accounts.order_by("name", "id")
        parent.empty_label = "None"
        if self.instance.pk is None:
            self.initial.setdefault("owner", user.pk)


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = [
            "first_name",
            "last_name",
            "account",
            "title",
            "email",
            "phone",
            "email_consent",
            "phone_consent",
            "owner",
        ]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _limit_owner(self, user)
        account = cast(forms.ModelChoiceField, self.fields["account"])
        accounts = account_list(user=user)
        if self.instance.account_id is not None:
            accounts = accounts | Account.objects.filter(pk=self.instance.account_id)
        account.queryset = accounts.order_by("name", "id")
        account.empty_label = "No account"
        if self.instance.pk is None:
            self.initial.setdefault("owner", user.pk)

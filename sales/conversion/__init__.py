"""Lead conversion: a qualified lead becomes an account (an existing one when dedupe finds it), a contact
and, by default, a deal, in one transaction, from the lead's page or the API."""

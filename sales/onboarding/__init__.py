"""Onboarding: when a deal is won, the customer's checklist of tasks from the matching template, and the
account's "onboarded" event once every step is done."""

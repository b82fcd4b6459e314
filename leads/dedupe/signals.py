"""The hook later stages use to follow a merge: leads never import them, they listen here."""

from django.dispatch import Signal

# Sent with `kept` and `merged` (Lead instances) inside the merge's transaction, after the kernel's and
# this app's rows are re-pointed and before the merged lead is deleted: a receiver re-points its own
# rows from merged.pk to kept.pk (connect it with a dispatch_uid).
lead_merging = Signal()

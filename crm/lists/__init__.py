"""The list machinery every list shares: keyset pages and cursors (HTML and API), bounded counts, strict
filters and sorting, and bulk actions on a selection."""

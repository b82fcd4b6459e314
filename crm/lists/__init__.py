"""The list machinery every list shares: keyset pages and cursors (HTML and API), sorting and the query
its links keep, strict filters, bounded counts, bulk actions on a selection, saved views and streamed
exports."""

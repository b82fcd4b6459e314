"""Lead export: every lead the user may see, through the lead list's filters and sort, as one CSV file
streamed in keyset batches (constant memory however many rows), with spreadsheet-safe cells."""

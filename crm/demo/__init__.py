"""Demo data for `make run`: a user for every role and a year of customers with their history, to which
each app above the kernel adds its own book."""

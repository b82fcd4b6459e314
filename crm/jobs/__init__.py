"""Background jobs: the progress of bulk work a worker does in chunks, polled by the page that started
it."""

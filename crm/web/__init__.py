"""What every HTML page shares: the view helpers, the error pages, the form renderer, the placeholder page
of a stage not built yet, and the request log's filter."""

"""The forecast: what the open and won deals should bring in, month by month, per person and team,
against the quotas managers set."""

"""Every write to a deal: creating, changing, moving along its pipeline and closing it (deals), its
product lines (lines) and the exit criteria that gate each stage (gates)."""

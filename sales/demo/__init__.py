"""Demo selling for `make run`: a catalogue, a gated pipeline, a year of deals and what they led to,
seeded through the kernel's seeder registry (crm.demo.seeding)."""

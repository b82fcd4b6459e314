"""Demo leads for `make run`: a year of capture in every status and source, with their scores,
seeded through the kernel's seeder registry (crm.demo.seeding)."""

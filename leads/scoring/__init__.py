"""Lead scoring: admin-written attribute and engagement rules, each lead's points per rule, sales-ready."""

"""Lead assignment: ordered rules, round-robin over teams, and the first-touch timer."""

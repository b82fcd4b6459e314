"""The sales HTML interface: thin views, one module per page family."""

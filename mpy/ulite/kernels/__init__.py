"""One module per operator family: check(op) and prepare(op), see ulite.resolver."""

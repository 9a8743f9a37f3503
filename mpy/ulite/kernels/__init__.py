"""One module per operator family: check(op, requests) and prepare(op, context), see
ulite.resolver."""

"""Host-side tools for ulite: inspect, infer, convert, flash and run models (CPython)."""

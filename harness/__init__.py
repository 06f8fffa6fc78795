"""Test and benchmark support shared by tests/ and bench/: real nginx, a real Docker engine and a
real browser, started on 127.0.0.1 (or in their own network namespace) and stopped by PID."""

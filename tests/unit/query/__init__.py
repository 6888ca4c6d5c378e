"""Tests of the SQL guard, the sandbox, the runner and results."""

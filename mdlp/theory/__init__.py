"""Closed-form theory, one module per family, as plain functions of the same parameters
the problem classes take.  Each function cites its seed file and result."""

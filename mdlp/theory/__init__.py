"""Closed-form theory, one module per family, as plain functions of the same parameters
the problem classes take.  Each function cites its reference (author, year, result number)."""


class NoClosedForm(NotImplementedError):
    """A closed form does not cover this case (e.g. a continuum formula asked of an
    irregular law or of a pmf).  Families report it as "no closed form for this case";
    every other exception raised while computing theory is a failure."""

"""The closed forms of :mod:`mdlp.theory.externality` that apply to given parameters, as
:class:`~mdlp.problems.base.TheoryValue` rows with their relation to the LP optimum."""

from __future__ import annotations

from mdlp.problems.base import TheoryValue
from mdlp.problems.externality.layout import theory_inputs
from mdlp.theory import NoClosedForm


def safe(prob, what, fn, *a, **k):
    """``fn(*a, **k)``, or ``None`` with a "no closed form" note (``what: reason``) on
    ``prob`` when the theory does not cover the case (:class:`NoClosedForm`); every other
    error propagates."""
    try:
        return fn(*a, **k)
    except NoClosedForm as exc:
        prob.note_no_closed_form(f"{what}: {exc}")
        return None


def theory_values(prob, T) -> list[TheoryValue]:
    """The closed forms of mdlp.theory.externality for these parameters (see the module
    docstring of that file for the derivations and the thesis's errors).

    Relations: the grid forms are exact for the LP of the same class (``equal``) or bound
    it (``lower``: a feasible mechanism of the class); continuum values are reached only in
    the limit (``limit``)."""
    par = prob.params
    L = prob.layout()
    g = L.g
    values, ext = theory_inputs(L)
    src = T.SOURCE
    tol = 1e-7
    out: list[TheoryValue] = []

    def add(val, source, label, relation="equal", scale=True, limit=False):
        if val is None:
            return
        v = val[0] if isinstance(val, tuple) else val
        out.append(TheoryValue(float(v) * (g if scale else 1), source, label, relation, tol, limit))

    cont = all(p.continuous is not None for p in L.priors)
    if par.constraints == "dominant":
        if par.setting == 1 and par.objective == "welfare" and par.allocation != "thesis":
            add(
                T.s1_welfare_vcg(values, ext, grid=True),
                f"{src}, Prop 3.2.2 (VCG, DSIC)",
                "grid E[sum_k W_k^+]",
            )
        else:
            prob.note_no_closed_form(
                "dominant-strategy constraints: a closed form is known for Setting 1 welfare "
                "only (VCG)"
            )
        return out
    if par.setting == 1 and par.objective == "welfare":
        if par.allocation == "thesis":
            prob.note_no_closed_form("the welfare of the printed revenue rule has no closed form")
            return out
        add(
            T.s1_welfare_vcg(values, ext, grid=True),
            f"{src}, Prop 3.2.2 (VCG)",
            "grid E[sum_k W_k^+] (exact)",
        )
        if cont:
            add(
                T.s1_welfare_vcg(values, ext, grid=False),
                f"{src}, Prop 3.2.2 (VCG)",
                "continuum welfare",
                limit=True,
            )
        return out
    if par.setting == 1:  # revenue
        own = par.allocation if par.allocation != "optimal" else None
        # the rules inside this LP's class: all three for optimal, the separable class
        # holds the thesis and efficient rules (both separable scores), a fixed rule only
        # itself
        inside = {
            "optimal": ["separable", "thesis", "efficient"],
            "separable": ["separable", "thesis", "efficient"],
            "thesis": ["thesis"],
            "efficient": ["efficient"],
        }[par.allocation]
        what = {
            "separable": "corrected separable rule (mdlp's derivation)",
            "thesis": "Prop 3.3.1 rule as printed",
            "efficient": "efficient rule, threat outside option",
        }
        for rule in inside:
            # the LP of a rule's own class equals its grid value; a rule inside a larger
            # class is a feasible mechanism of it: a lower bound
            rel = "equal" if rule == own else "lower"
            add(
                safe(prob, f"grid {rule} rule", T.s1_revenue_of_rule, rule, values, ext, grid=True),
                f"{src}, Prop 3.3.1 corrected by mdlp, formula (*)",
                f"grid {rule}: {what[rule]}",
                rel,
            )
        if cont and L.n == 2:  # n >= 3: E2's nested quadrature takes minutes
            for rule in inside:
                add(
                    safe(
                        prob,
                        f"continuum {rule} rule",
                        T.s1_revenue_of_rule,
                        rule,
                        values,
                        ext,
                        grid=False,
                    ),
                    f"{src}, Prop 3.3.1 corrected by mdlp",
                    f"continuum {rule}",
                    "equal" if rule == own else "lower",
                    limit=True,
                )
        return out
    if g > 1:
        prob.note_no_closed_form("Setting 2 with several items has no closed form")
        return out
    if par.objective == "revenue":
        add(
            T.s2_revenue_grid(values, ext),
            f"{src}, Prop 3.3.4 on the grid (chain reduction)",
            "grid optimum (v levels, eta-dependent within a level)",
        )
        add(
            T.s2_revenue_optimal(values, ext, grid=True),
            f"{src}, Prop 3.3.4 / Cor 3.3.6",
            "grid discrete virtual values, allocation by v only",
            "lower",
        )
        if cont:
            add(
                safe(prob, "continuum optimum", T.s2_revenue_optimal, values, ext, grid=False),
                f"{src}, Cor 3.3.6",
                "continuum optimum",
                limit=True,
            )
        return out
    add(
        T.s2_welfare_grid(values, ext),
        f"{src}, Prop 3.2.4 on the grid (chain reduction)",
        "grid optimum (eta-dependent within a v level)",
    )
    add(
        T.s2_welfare_thesis(values, ext, grid=True),
        f"{src}, Props 3.2.4-3.2.7",
        "grid thesis rule 1{v >= sum E[eta]}",
        "lower",
    )
    if cont:
        add(
            safe(prob, "continuum welfare", T.s2_welfare_thesis, values, ext, grid=False),
            f"{src}, Prop 3.2.4",
            "continuum welfare",
            limit=True,
        )
    return out

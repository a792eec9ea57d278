"""Figures (mdlp.plots): every family draws at least one figure from its template; the
plotted data are the result arrays; the closed forms drawn over them equal the
literature's formulas evaluated here; `mdlp solve --out` / `mdlp plot DIR` write and
re-create the files; Result._repr_html_ embeds a PNG that decodes.  Matplotlib's Agg
canvas (no pyplot, no display); small grids."""

import base64
import io
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

pytest.importorskip("matplotlib")

from matplotlib.figure import Figure  # noqa: E402

import mdlp  # noqa: E402
from mdlp.cli import main  # noqa: E402
from mdlp.config import load_config  # noqa: E402
from mdlp.plots import available, write_figures  # noqa: E402
from mdlp.problems import REGISTRY  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
E = math.e


def solve(src, *overrides):
    res = mdlp.solve(load_config(src, list(overrides)))
    assert res.ok, res.message
    return res


def config(name, *overrides):
    return solve(str(ROOT / "configs" / f"{name}.yaml"), *overrides)


def by_gid(fig, gid):
    """Every artist of ``fig`` with this gid (lines, meshes, scatters)."""
    return [a for a in fig.findobj() if getattr(a, "get_gid", lambda: None)() == gid]


def interim(df, own, col):
    """E[col | own] under the table's 'prob' column, written out with numpy."""
    v = df[own].to_numpy(float)
    w = df["prob"].to_numpy(float)
    z = df[col].to_numpy(float)
    xs = np.unique(v)
    return xs, np.array([(w[v == x] * z[v == x]).sum() / w[v == x].sum() for x in xs])


def table_grid(df, xcol, ycol, zcol):
    """Z[i, j] = zcol at (x_i, y_j), by sorting the table (not through pandas' pivot)."""
    d = df.sort_values([xcol, ycol])
    K1, K2 = d[xcol].nunique(), d[ycol].nunique()
    return d[zcol].to_numpy(float).reshape(K1, K2)


def png_size(data: bytes):
    from PIL import Image

    im = Image.open(io.BytesIO(data))
    im.load()
    return im.size


# --- every family ------------------------------------------------------------------------
SMALL = {  # grid sizes that keep each template quick
    "externality_auction": 3,
    "regret_auction": 6,
}


@pytest.mark.parametrize("kind", sorted(REGISTRY))
def test_every_family_template_draws_a_labelled_figure(kind):
    res = solve(REGISTRY[kind].template, f"grid.points={SMALL.get(kind, 7)}")
    kinds = available(res)
    assert kinds, f"{kind} has no figure"
    for k in kinds:
        fig = res.plot(kind=k)
        assert isinstance(fig, Figure)
        labelled = [ax for ax in fig.axes if ax.get_xlabel() and ax.get_ylabel()]
        assert labelled, f"{kind}/{k}: no labelled axes"
        # value axes say their units; probability axes say what the probability is of
        for ax in labelled:
            assert "value units" in ax.get_xlabel() + ax.get_ylabel() or "probab" in ax.get_ylabel()


@pytest.mark.parametrize(
    "name,overrides,expect",
    [
        ("regret_pricing_2items", ["grid.points=7"], {"regions", "worst_case"}),
        ("regret_pricing_deterministic", ["grid.points=9"], {"allocation"}),
        ("markov_evaluate", ["grid.points=6"], {"allocation", "worst_case"}),
        ("markov_second_price", ["grid.points=11"], {"allocation", "profiles", "worst_case"}),
        ("bayesian_pricing_unit_demand", ["grid.points=5"], {"menu"}),
        ("externality_n3", [], {"by_value"}),
        ("guarantee_correlated", [], {"allocation", "profiles"}),
        ("information_payoff_table", ["grid.points=7"], {"regions"}),
        ("myerson_irregular_pmf", [], {"allocation"}),
    ],
)
def test_shipped_configs_draw(name, overrides, expect):
    res = config(name, *overrides)
    assert set(available(res)) == expect
    for k in expect:
        assert isinstance(res.plot(kind=k), Figure)


# --- data and closed forms ---------------------------------------------------------------
def test_myerson_lines_are_the_interim_mechanism_and_the_overlay_is_myerson():
    """Two bidders U[0,1] (Myerson 1981; Makarin 2021): virtual value 2v - 1, reserve 1/2;
    the continuum optimum gives Q(v) = F(v) = v above 1/2 and 0 below, and by the envelope
    formula M(v) = v Q(v) - int_{1/2}^v t dt = (v^2 + 1/4) / 2 above 1/2."""
    res = config("myerson_uniform", "grid.points=21")
    fig = res.plot()
    df = res.mechanism
    for i in (1, 2):
        x, Q = interim(df, f"v{i}", f"q{i}")
        (line,) = by_gid(fig, f"lp:Q{i}")
        assert np.allclose(line.get_xdata(), x) and np.allclose(line.get_ydata(), Q, atol=1e-12)
        _, M = interim(df, f"v{i}", f"M{i}_interim")
        (line,) = by_gid(fig, f"lp:M{i}")
        assert np.allclose(line.get_ydata(), M, atol=1e-12)
    (q,) = by_gid(fig, "theory:Q1")
    (m,) = by_gid(fig, "theory:M1")
    v = np.asarray(q.get_xdata())
    above = v >= 0.5
    assert np.allclose(q.get_ydata(), np.where(above, v, 0.0), atol=1e-9)
    assert np.allclose(m.get_ydata(), np.where(above, (v**2 + 0.25) / 2, 0.0), atol=1e-6)
    assert v.min() <= 0.0 + 1e-12 and v.max() >= 1.0 - 1e-12
    # the two-bidder picture is the ex-post allocation table
    prof = res.plot(kind="profiles")
    for i in (1, 2):
        (mesh,) = by_gid(prof, f"lp:q{i}")
        Z = np.asarray(mesh.get_array()).reshape(21, 21)  # rows = v2, columns = v1
        assert np.allclose(Z, table_grid(df, "v1", "v2", f"q{i}").T)


def test_regret_one_item_overlay_is_mechanism_2_3_and_nature_2_10():
    """Koçyiğit (2020), Thm 2.3.1, mechanism (2.3) on [0, 1] with cost 0: q(v) = 1 + ln v and
    m(v) = v - 1/e for v >= 1/e, nothing below; nature's worst case (2.10):
    P(v <= x) = 1 - 1/(e x) on [1/e, 1), with an atom 1/e at 1."""
    res = config("regret_pricing_1item", "grid.points=21")
    fig = res.plot()
    df = res.mechanism.sort_values("v1")
    (q,) = by_gid(fig, "lp:Q1")
    assert np.allclose(q.get_ydata(), df["q1"]) and np.allclose(q.get_xdata(), df["v1"])
    (m,) = by_gid(fig, "lp:M1")
    assert np.allclose(m.get_ydata(), df["m"])
    (tq,) = by_gid(fig, "theory:Q1")
    (tm,) = by_gid(fig, "theory:M1")
    v = np.asarray(tq.get_xdata())
    sell = v >= 1 / E + 1e-9
    exp_q = np.where(sell, 1 + np.log(np.where(sell, v, 1.0)), 0.0)
    far = np.abs(v - 1 / E) > 1e-3  # the jump point itself may round either way
    assert np.allclose(np.asarray(tq.get_ydata())[far], exp_q[far], atol=1e-12)
    assert np.allclose(np.asarray(tm.get_ydata())[far], np.where(sell, v - 1 / E, 0.0)[far])

    wfig = res.plot(kind="worst_case")
    (marker,) = by_gid(wfig, "worst_case")
    wc = res.worst_case.sort_values("v1")
    assert np.allclose(marker.get_xdata(), wc["v1"]) and np.allclose(marker.get_ydata(), wc["prob"])
    (cdf,) = by_gid(wfig, "theory:cdf")
    x = np.asarray(cdf.get_xdata())
    inner = (x > 1 / E + 1e-3) & (x < 1 - 1e-9)
    assert np.allclose(np.asarray(cdf.get_ydata())[inner], 1 - 1 / (E * x[inner]))
    assert np.asarray(cdf.get_ydata())[-1] == 1.0


def test_bayesian_pricing_images_and_manelli_vincent_boundaries():
    """Manelli and Vincent (2006), two additive items iid U[0,1]: items at p = 2/3 each, the
    bundle at P = (4 - sqrt 2)/3, so the no-purchase region is bounded by v1 = 2/3 and
    v2 = 2/3 up to P - p = (2 - sqrt 2)/3 and by v1 + v2 = P between."""
    res = config("bayesian_pricing_2items", "grid.points=9")
    fig = res.plot()
    for j in (1, 2):
        (mesh,) = by_gid(fig, f"lp:q{j}")
        Z = np.asarray(mesh.get_array()).reshape(9, 9)
        assert np.allclose(Z, table_grid(res.mechanism, "v1", "v2", f"q{j}").T)
    p, low = 2 / 3, (2 - math.sqrt(2)) / 3
    lines = [ln for ln in fig.axes[0].get_lines() if ln.get_linestyle() == "--"]
    segs = {
        (tuple(np.round(ln.get_xdata(), 12)), tuple(np.round(ln.get_ydata(), 12))) for ln in lines
    }
    r = lambda *a: tuple(round(float(t), 12) for t in a)  # noqa: E731
    assert (r(p, p), r(0, low)) in segs
    assert (r(low, p), r(p, low)) in segs  # the diagonal v1 + v2 = P
    texts = [t.get_text() for t in by_gid(fig, "menu_price")]
    prices = {round(float(e["price"]), 3) for e in res.extras["menu"] if e["price"] > 0}
    assert prices and all(any(f"at {pr:.3g}" in t for t in texts) for pr in prices)


def test_markov_worst_case_atoms_are_the_dual_distribution():
    res = config("markov_lottery", "grid.points=11")
    fig = res.plot(kind="worst_case")
    wc = res.worst_case
    (sc,) = by_gid(fig, "worst_case")
    off = np.asarray(sc.get_offsets())
    assert np.allclose(off, wc[["v1", "v2"]].to_numpy())
    sizes = np.asarray(sc.get_sizes())
    mass = wc["prob"].to_numpy()
    assert np.argmax(sizes) == np.argmax(mass) and np.all(np.diff(sizes[np.argsort(mass)]) >= -1e-9)
    (mean,) = by_gid(fig, "theory:mean")
    assert np.allclose(mean.get_xdata(), 0.5)  # the Markov mean bound of the config
    prof = res.plot(kind="profiles")
    (mesh,) = by_gid(prof, "lp:q1")
    assert np.allclose(
        np.asarray(mesh.get_array()).reshape(11, 11), table_grid(res.mechanism, "v1", "v2", "q1").T
    )


def test_externality_images_and_the_thesis_threshold_rule():
    """Rui (2020), Props 3.2.4-3.2.7 (Setting 2, welfare): serve bidder i iff
    v_i >= tau_i = sum_j E[eta_{j<-i}] = E[U[0, 1/2]] = 1/4 (the midpoint grid's mean is
    also exactly 1/4)."""
    res = config("externality_s2_welfare", "grid.points=4")
    fig = res.plot()
    df = res.mechanism
    for k, eta in ((1, "eta2<-1"), (2, "eta1<-2")):
        rows = df[df["bidder"] == k]
        (mesh,) = by_gid(fig, f"lp:own_alloc{k}")
        Z = np.asarray(mesh.get_array()).reshape(4, 4)
        assert np.allclose(Z, table_grid(rows, f"v{k}", eta, "own_alloc").T)
        (rule,) = by_gid(fig, f"theory:rule{k}")
        v = np.sort(rows[f"v{k}"].unique())
        expect = (v >= 0.25).astype(float)[None, :] * np.ones((4, 1))
        assert np.allclose(np.asarray(rule.get_array()).reshape(4, 4), expect)


def test_guarantee_second_price_overlay_exact_fractions():
    """Two iid bidders uniform on a K-point grid (mass 1/K each), second price with ties
    split: bidder 1 at the k-th point wins with Q = (k - 1/2)/K and pays on average
    M = (sum_{j<k} v_j + v_k/2)/K."""
    K = 9
    res = solve(
        {
            "kind": "revenue_guarantee",
            "params": {"bidders": 2, "mechanism": "second_price"},
            "grid": {"points": K},
        }
    )
    fig = res.plot()
    v = np.sort(res.mechanism["v1"].unique())
    k = np.arange(1, K + 1)
    (q,) = by_gid(fig, "theory:Q1")
    (m,) = by_gid(fig, "theory:M1")
    assert np.allclose(q.get_xdata(), v)
    assert np.allclose(q.get_ydata(), (k - 0.5) / K)
    assert np.allclose(m.get_ydata(), (np.concatenate([[0], np.cumsum(v)[:-1]]) + v / 2) / K)
    x, Q = interim(res.mechanism, "v1", "q1")
    (lp,) = by_gid(fig, "lp:Q1")
    assert np.allclose(lp.get_ydata(), Q)


def test_information_regions_are_the_region_column():
    res = config("information_welfare_uniform_p07_a05", "grid.points=9")
    fig = res.plot()
    (mesh,) = by_gid(fig, "lp:region")
    codes = res.mechanism.assign(
        c=res.mechanism["region"].map({"rr": 0, "rw": 1, "wr": 2, "ww": 3})
    )
    assert np.allclose(
        np.asarray(mesh.get_array()).reshape(9, 9), table_grid(codes, "v1", "v2", "c").T
    )


def test_unknown_kind_names_the_valid_ones():
    res = config("myerson_uniform", "grid.points=5")
    with pytest.raises(ValueError, match=r"unknown kind 'nope'; valid kinds: allocation, profiles"):
        res.plot(kind="nope")


# --- files, command line, notebook --------------------------------------------------------
def test_solve_out_lists_figures_and_mdlp_plot_recreates_them(tmp_path):
    out = tmp_path / "run"
    runner = CliRunner()
    cfg = str(ROOT / "configs" / "regret_pricing_1item.yaml")
    r = runner.invoke(main, ["solve", cfg, "--set", "grid.points=11", "--out", str(out), "--quiet"])
    assert r.exit_code == 0, r.output
    figs = json.loads((out / "summary.json").read_text())["figures"]
    assert [f["file"] for f in figs] == ["allocation.png", "worst_case.png"]
    assert all(f["caption"] and "\n" not in f["caption"] for f in figs)
    for f in figs:
        w, h = png_size((out / f["file"]).read_bytes())
        assert w > 100 and h > 100
        assert (out / f["svg"]).read_text().lstrip().startswith("<?xml")
        (out / f["file"]).unlink()
        (out / f["svg"]).unlink()
    r = runner.invoke(main, ["plot", str(out)])
    assert r.exit_code == 0, r.output
    assert "allocation.png" in r.output
    for f in figs:
        assert png_size((out / f["file"]).read_bytes())[0] > 100 and (out / f["svg"]).exists()
    assert json.loads((out / "summary.json").read_text())["figures"] == figs
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temp leftovers


@pytest.mark.parametrize("what", ["missing", "file", "empty"])
def test_mdlp_plot_bad_directory(tmp_path, what):
    target = tmp_path / "x"
    if what == "file":
        target.write_text("not a result")
    elif what == "empty":
        target.mkdir()
    before = sorted(tmp_path.rglob("*"))
    r = CliRunner().invoke(main, ["plot", str(target)])
    assert r.exit_code == 2
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: DIR:") and "Traceback" not in r.output
    assert sorted(tmp_path.rglob("*")) == before


def test_repr_html_embeds_a_decodable_png():
    res = config("markov_lottery", "grid.points=7")
    html = res._repr_html_()
    for word in ("optimal", "objective", "theory", "gap", "certificate", "rows"):
        assert word in html
    m = re.search(r"src='data:image/png;base64,([A-Za-z0-9+/=]+)'", html)
    assert m, "no inline PNG"
    w, h = png_size(base64.b64decode(m.group(1)))
    assert w > 100 and h > 100
    assert "http" not in html


def test_fallback_to_write_plots_for_a_family_without_figures(tmp_path):
    class Fake:
        ok = True
        kind = "family_without_figures"
        mechanism = object()
        problem = None

    class Prob:
        def write_plots(self, result, directory):
            p = Path(directory) / "picture.png"
            p.write_bytes(b"\x89PNG")
            return [p]

    assert write_figures(Fake(), tmp_path, Prob()) == [
        {"file": "picture.png", "caption": "family_without_figures: picture"}
    ]


def test_matplotlib_is_not_imported_at_startup():
    code = (
        "import sys, mdlp, mdlp.cli, mdlp.run, mdlp.report, mdlp.plots; "
        "print('matplotlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_returned_figure_shows_itself_in_jupyter():
    """res.plot() is a matplotlib Figure that renders inline without pyplot (_repr_png_)."""
    import pickle

    fig = config("myerson_uniform", "grid.points=5").plot()
    w, h = png_size(fig._repr_png_())
    assert w > 100 and h > 100
    assert isinstance(pickle.loads(pickle.dumps(fig)), Figure)


def test_markov_second_price_overlay_is_the_textbook_rule():
    """Second price with reserve r (Koçyiğit 2020, (1.9)): with the other bidder's value
    held at s, bidder 1 wins iff v >= max(s, r) (ties to the lower index) and then pays
    max(s, r)."""
    res = config("markov_second_price", "grid.points=11", "params.reserve=0.3")
    fig = res.plot()
    slices = sorted(
        {
            float(t.split("at ")[1])
            for t in [ln.get_label() for ln in fig.axes[0].get_lines()]
            if t.startswith("LP: others at")
        }
    )
    assert len(slices) == 3
    for k, s in enumerate(slices, start=1):
        (q,) = by_gid(fig, f"theory:Q{k}")
        (m,) = by_gid(fig, f"theory:M{k}")
        v = np.asarray(q.get_xdata())
        win = v >= max(s, 0.3)
        off = np.abs(v - max(s, 0.3)) > 1e-6  # the tie itself: bidder 1 (lower index) wins
        assert np.allclose(np.asarray(q.get_ydata())[off], win[off].astype(float))
        assert np.allclose(np.asarray(m.get_ydata())[off], np.where(win, max(s, 0.3), 0.0)[off])

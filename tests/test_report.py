"""The notebook runs through papermill on the bundled snapshot and renders a reader-facing HTML."""

import re

import nbformat
import pytest

from ortsprofil.run import report
from ortsprofil.errors import InvalidParameterError, UnknownLocalityError

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = tmp_path_factory.mktemp("reports")
    return {name: report.build_report(name, reports_dir=base) for name in ("Näsum", "Glimåkra")}


@pytest.mark.parametrize("name,slug,pop", [("Näsum", "nasum", "1\xa0314"), ("Glimåkra", "glimakra", "1\xa0550")])
def test_report_html(built, name, slug, pop):
    r = built[name]
    assert r.folder.name == slug
    html = r.html.read_text(encoding="utf-8")
    assert f"<title>Ortsprofil: {name}</title>" in html
    assert pop in html
    # No code: no input areas, no prompts, no parameter cells.
    assert not re.search(r'class="[^"]*(jp-InputPrompt|jp-OutputPrompt|jp-CodeMirrorEditor|highlight)', html)
    assert len(re.findall(r'class="jp-Cell jp-CodeCell', html)) == len(re.findall(r"jp-mod-noInput", html))
    assert '<html lang="sv">' in html
    assert "profile.build" not in html and "peer_min" not in html
    # Charts are embedded vector graphics (SVG inside the page); no image is linked.
    svgs = re.findall(r'<div class="jp-RenderedSVG[^"]*"[^>]*>\s*(?:<\?xml[^>]*>\s*)?(?:<!DOCTYPE[^>]*>\s*)?<svg', html)
    assert len(svgs) >= 5
    imgs = re.findall(r'<img[^>]+src="([^"]+)"', html)
    assert all(src.startswith("data:image/") for src in imgs)
    assert not re.search(r'<svg[^>]*>.*?<image[^>]+href="(?!data:)', html, re.S)
    # Works offline: no external scripts or stylesheets.
    assert not re.search(r'<(script|link)[^>]+(src|href)="https?://', html)
    for heading in ("Översikt", "Befolkning", "Ålder och kön", "Arbete och inkomst", "Läge och service",
                    "Liknande orter", "Källor och förbehåll"):
        assert re.search(rf"<h2[^>]*>{heading}<", html), heading
    assert "TqdmWarning" not in html and "Traceback" not in html


def test_executed_notebook_is_complete(built):
    nb = nbformat.read(built["Näsum"].notebook, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code)
    assert not any(o.get("output_type") == "error" for c in code for o in c.outputs)
    assert not any(o.get("name") == "stderr" for c in code for o in c.outputs)
    injected = [c for c in code if "injected-parameters" in c.metadata.get("tags", [])][0]
    assert 'ort = "1272TB105"' in injected.source


def test_bad_input_writes_nothing(tmp_path):
    base = tmp_path / "reports"
    with pytest.raises(UnknownLocalityError):
        report.build_report("../../x", reports_dir=base)
    with pytest.raises(InvalidParameterError):
        report.build_report("", reports_dir=base)
    with pytest.raises(InvalidParameterError):
        report.build_report("Näsum", peer_min=4000, peer_max=400, reports_dir=base)
    assert not base.exists() or list(base.iterdir()) == []
    assert list(tmp_path.iterdir()) in ([], [base])


def test_safe_folder(tmp_path):
    assert report.safe_folder(tmp_path, "nasum") == (tmp_path / "nasum").resolve()
    for bad in ("..", "../x", "a/b", "", "."):
        with pytest.raises(InvalidParameterError):
            report.safe_folder(tmp_path, bad)

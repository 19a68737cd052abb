import subprocess
import sys

import pytest

from ortsprofil import cli


def test_unknown_name_exit_2_with_suggestion(capsys, reports_dir):
    assert cli.main(["rapport", "Nasumm"]) == 2
    err = capsys.readouterr().err
    assert "Hittar ingen tätort" in err and "Näsum (Bromölla)" in err
    assert "Traceback" not in err
    assert list(reports_dir.iterdir()) == []


def test_ambiguous_name_exit_2(capsys, reports_dir):
    assert cli.main(["rapport", "Ekeby"]) == 2
    err = capsys.readouterr().err
    assert '"Ekeby, Bjuv"' in err and '"Ekeby, Kumla"' in err


def test_empty_and_traversal_names_write_nothing(capsys, reports_dir, tmp_path):
    assert cli.main(["rapport", ""]) == 2
    assert cli.main(["rapport", "../../x"]) == 2
    assert list(reports_dir.iterdir()) == []
    assert not (reports_dir.parent.parent / "x").exists()
    assert "fel:" in capsys.readouterr().err


def test_bad_numbers_exit_2(capsys):
    with pytest.raises(SystemExit) as ei:
        cli.main(["rapport", "Näsum", "--min", "abc"])
    assert ei.value.code == 2
    assert "inget heltal" in capsys.readouterr().err


def test_orter_lists_with_kommun_and_population(capsys):
    assert cli.main(["orter", "glimakra"]) == 0
    out = capsys.readouterr().out
    assert "Glimåkra" in out and "Östra Göinge" in out and "1\xa0550" in out


def test_data_status(capsys):
    assert cli.main(["data", "status"]) == 0
    out = capsys.readouterr().out
    assert "tatort_folkmangd" in out and "medföljer" in out


@pytest.mark.slow
def test_rapport_end_to_end_via_console_script(reports_dir):
    """The installed command, in a subprocess: prints the HTML path, exit 0."""
    proc = subprocess.run(
        [sys.executable, "-m", "ortsprofil.cli", "rapport", "1256TB102"],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    path = proc.stdout.strip().splitlines()[-1]
    assert path == str(reports_dir / "glimakra" / "ortsprofil.html")
    assert "Glimåkra" in proc.stderr
    assert "TCP without encryption" not in proc.stderr

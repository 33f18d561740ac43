"""Issue 12 through the CLI: spreadsheet files, 1-D kernels, outsize layouts, cross-entropy
on non-distributions, and a text trace piped in where a matrix belongs."""
import json
import math

import numpy as np

from conftest import assert_user_error, invoke, ok

BOM = b"\xef\xbb\xbf"


def q(*args, **kw):
    return ok(*args, "-q", **kw).stdout


# ------------------------------------------------------------ spreadsheet files

def test_excel_semicolon_csv_reads_columns_and_decimal_commas(tmp_path):
    f = tmp_path / "Mappe1.csv"                      # Excel "CSV UTF-8", de-DE
    f.write_bytes(BOM + b"1;2;3\r\n4;5;6\r\n")
    assert q("activate", "identity", f"@{f}") == "1 2 3\n4 5 6\n"
    f.write_bytes(BOM + b"0,5;0,25\r\n-1,5;2\r\n")
    assert q("activate", "identity", f"@{f}") == "0.5 0.25\n-1.5 2\n"


def test_libreoffice_quoted_cells(tmp_path):
    f = tmp_path / "calc.txt"
    f.write_bytes(b'"1,5";"2"\n"3";"4,25"\n')
    assert q("activate", "identity", f"@{f}") == "1.5 2\n3 4.25\n"
    f = tmp_path / "calc.csv"
    f.write_bytes(b'"1","2"\r\n"3","4"\r\n')
    assert q("activate", "identity", f"@{f}") == "1 2\n3 4\n"


def test_ambiguous_file_is_refused_naming_the_argument(tmp_path):
    f = tmp_path / "mixed.csv"
    f.write_bytes(b"1;2\r\n3 4;5 6\r\n")
    assert_user_error(invoke("conv", f"@{f}", "1;"), "INPUT", "ambiguous ';'", ".csv/.tsv/.txt")


def test_inline_and_stdin_keep_semicolon_rows():
    assert q("activate", "identity", "1;2;3") == "1\n2\n3\n"
    assert q("activate", "identity", "-", input="1 2; 3 4\n") == "1 2\n3 4\n"
    r = invoke("activate", "identity", "-", input=BOM + b"1;2;3\r\n4;5;6\r\n")
    assert_user_error(r, "VALUES", "spreadsheet", ".csv file")


# ------------------------------------------------------------ printouts and full-width forms

def test_pasted_printouts_and_full_width():
    assert q("activate", "identity", "array([[19., 25.], [37., 43.]])") == "19 25\n37 43\n"
    assert q("activate", "identity", "tensor([[1., 2.],\n        [3., 4.]], dtype=torch.float64)") == "1 2\n3 4\n"
    assert q("activate", "relu", "１，－２；３，４") == "1 0\n3 4\n"
    assert q("activate", "relu", "１", "－２") == "1 0\n"
    assert_user_error(invoke("activate", "relu", "[[ 0  1 ... 8  9]]"), "VALUES", "summarised")


# ------------------------------------------------------------ 1-D kernel

def test_one_row_kernel_is_1xn_as_d2l_edge_detection():
    # d2l 7.2: X is 6×8 ones with columns 2..5 zero; K = [[1, -1]] marks the two edges
    x = np.ones((6, 8))
    x[:, 2:6] = 0
    text = "; ".join(" ".join(str(int(v)) for v in row) for row in x)
    r = ok("conv", text, "1 -1")
    assert "KERNEL: one row of numbers, read as 1×2" in r.stdout
    got = np.array(json.loads(ok("conv", text, "1 -1", "-q", "--format", "json").stdout))
    want = np.zeros((6, 7))
    want[:, 1], want[:, 5] = 1, -1
    np.testing.assert_array_equal(got, want)
    assert q("conv", text, "1 -1") == q("conv", text, "1 -1;")


def test_several_one_row_kernels_are_several_filters():
    d = json.loads(ok("conv", "1 2 3; 4 5 6", "1 -1", "1 1", "--format", "json").stdout)
    assert d["kernel_shape"] == [2, 1, 1, 2]
    assert d["result"] == [[[-1, -1], [-1, -1]], [[3, 5], [9, 11]]]


# ------------------------------------------------------------ outsize layouts

def test_outsize_channels_last_chain():
    r = ok("outsize", "32x32x3", "conv:6,5", "pool:2", "--channels-last")
    assert "SIZE read as H×W×C: 3 channels of 32×32" in r.stdout
    assert "28×28×6" in r.stdout and "14×14×6" in r.stdout
    d = json.loads(ok("outsize", "32x32x3", "conv:6,5", "pool:2", "--channels-last", "--format", "json").stdout)
    assert d["result"] == [14, 14, 6] and d["input_shape"] == [32, 32, 3]
    assert d["total_params"] == 6 * (3 * 5 * 5 + 1)             # 456
    assert d["total_macs"] == 28 * 28 * 6 * 3 * 5 * 5          # 352,800
    assert d["layout"] == "H×W×C"


def test_outsize_single_layer_channels_last():
    r = ok("outsize", "32x32x3", "--kernel", "5", "--channels-last")
    assert "SIZE read as H×W×C: 3 channels of 32×32" in r.stdout
    assert q("outsize", "32x32x3", "--kernel", "5", "--channels-last") == "28 28\n"


def test_every_outsize_trace_says_how_size_was_read():
    assert "SIZE read as C×H×W: 5 channels of 5×3" in invoke("outsize", "5x5x3", "conv:2,3,2,1").stdout
    assert "SIZE read as H: 28×28 (square)" in ok("outsize", "28", "--kernel", "5").stdout
    assert "SIZE read as H×W: 7×9" in ok("outsize", "7x9", "--kernel", "3").stdout
    assert "SIZE read as C×H×W: 1 channel of 28×28" in ok("outsize", "1x28x28", "conv:6,5").stdout
    assert "SIZE read as H×W: 4×6" in ok("outsize", "4x6", "--kernel", "3", "--transposed").stdout


def test_outsize_notes_a_likely_channels_last_size():
    r = invoke("outsize", "5x5x3", "conv:2,3,2,1")
    assert r.exit_code == 0 and "2×3×2" in r.stdout
    assert r.stderr.startswith("note: SIZE 5x5x3 was read as C×H×W (5 channels of 5×3)")
    assert "--channels-last" in r.stderr
    assert invoke("outsize", "1x28x28", "conv:6,5").stderr == ""
    assert invoke("outsize", "3x32x32", "conv:6,5").stderr == ""
    # when the C×H×W reading fails, the note rides on the one error line
    assert_user_error(invoke("outsize", "32x32x3", "conv:6,5"), "LAYER", "--channels-last")
    assert_user_error(invoke("outsize", "32x32", "--kernel", "3", "--channels-last"),
                      "--channels-last", "H×W×C")


# ------------------------------------------------------------ cross-entropy needs distributions

def test_cross_entropy_refuses_rows_that_are_not_distributions():
    assert_user_error(invoke("loss", "0.5 0.6 0.1", "0", "--loss", "cross-entropy"),
                      "PRED", "sums to 1.2, not 1", "1e-06")
    assert_user_error(invoke("loss", "2 -1 0.5", "0", "--loss", "cross-entropy"), "PRED", "--from-logits")
    assert_user_error(invoke("loss", "0.2 0.8; 0.3 0.3", "0 1", "--loss", "ce"), "PRED", "row 2", "0.6")
    # within 1e-6 of 1 is a distribution; the same numbers as logits are fine too
    assert float(q("loss", "0.3333333 0.3333333 0.3333334", "0", "--loss", "ce", "--eps", "0")) == -math.log(0.3333333)
    assert float(q("loss", "0.5 0.6 0.1", "0", "--loss", "ce", "--from-logits")) > 0


# ------------------------------------------------------------ a text trace piped in

def test_a_text_trace_piped_in_suggests_q(tmp_path):
    trace = ok("activate", "relu", "1 -2; 3 4").stdout
    line = assert_user_error(invoke("activate", "relu", "-", input=trace), "VALUES", "text trace", "-q")
    assert "relu: ReLU(x)" in line
    f = tmp_path / "out.txt"
    f.write_text(ok("conv", "1 2; 3 4", "1;").stdout)
    assert_user_error(invoke("pool", f"@{f}"), "INPUT", "text trace", "-q")


def test_core_reads_a_1d_kernel_as_one_row():
    from nncalc.core import conv
    x = np.arange(12.0).reshape(3, 4)
    got = conv.conv2d(x, np.array([1.0, -1.0])).result
    want = np.array([[x[i, j] - x[i, j + 1] for j in range(3)] for i in range(3)])   # plain loops
    np.testing.assert_array_equal(got, want)
